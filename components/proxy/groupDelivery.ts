// A change of what a scaling group's hosts serve, taken to the ones running: the new bundle is in the bucket (where
// new hosts fetch it), and this runs its apply command on each instance in service, one at a time through Cloud
// Assistant, stopping at the first that fails (its apply tool rolls it back; the hosts after it keep what they
// served), as the fixed hosts' deliveries go. The instances come from Auto Scaling when the deploy runs.
// A Pulumi dynamic provider, as cloudAssistantReady.ts, with the credentials of the deploying environment.
import * as pulumi from "@pulumi/pulumi";
import { cloudAssistant } from "../cloud/cloudAssistant";
import { instancesInService } from "../cloud/autoScaling";

export interface GroupChange {
    region: string;
    scalingGroupId: string;
    /** The apply command of the group's bundle (it names the bundle's digest, so every change is a new script). */
    script: string;
    /** The invocations' name in the console. */
    name: string;
    timeoutSeconds: number;
    /** Milliseconds between asking Cloud Assistant for a run's result. */
    pollMs: number;
}

/** Runs the change on every instance in service, in turn; throws at the first that does not succeed, naming it and what it said. */
export async function deliverToGroup(c: GroupChange, env: NodeJS.ProcessEnv = process.env): Promise<string> {
    const instances = await instancesInService(c.region, c.scalingGroupId, env);
    const assistant = cloudAssistant(c.region, env);
    const done: string[] = [];
    for (const id of instances) {
        pulumi.log.info(`${c.name}: applying on ${id} (${done.length + 1}/${instances.length})`);
        const run = await assistant.run(id, c.script, { name: c.name, timeoutSeconds: c.timeoutSeconds, pollMs: c.pollMs });
        if (run.status !== "Success" || run.exitCode !== 0) {
            const said = [run.error, run.output.trim().split("\n").slice(-8).join("\n")].filter(Boolean).join("\n");
            throw new Error(`${c.name}: ${id} did not apply the change (${run.status}${run.exitCode === null ? "" : `, exit ${run.exitCode}`})` +
                `${done.length ? ` after ${done.join(", ")} had` : ""}; the instances after it keep what they served, new ones fetch the change:\n${said}`);
        }
        done.push(id);
    }
    return instances.length ? `applied on ${done.join(", ")}` : "no instance in service yet: each fetches the bundle as it joins";
}

type Outputs = GroupChange & { delivered: string };

/** Delivers when created and whenever the script or the group changes; deleting does nothing (the hosts keep serving). */
export const groupDeliveryProvider: pulumi.dynamic.ResourceProvider<GroupChange, Outputs> = {
    async create(inputs) {
        return { id: `group-delivery:${inputs.scalingGroupId}`, outs: { ...inputs, delivered: await deliverToGroup(inputs) } };
    },
    async diff(_id, olds, news) {
        return { changes: olds.script !== news.script || olds.scalingGroupId !== news.scalingGroupId || olds.region !== news.region };
    },
    async update(_id, _olds, news) {
        return { outs: { ...news, delivered: await deliverToGroup(news) } };
    },
};

const MODULE = "china-edge";
const TYPE = "GroupDelivery";
/** The type token of a GroupDelivery, as the SDK makes it for a dynamic resource of this module and type. */
export const GROUP_DELIVERY = `pulumi-nodejs:dynamic/${MODULE}:${TYPE}`;

export interface GroupDeliveryArgs {
    region: pulumi.Input<string>;
    scalingGroupId: pulumi.Input<string>;
    script: pulumi.Input<string>;
    name: string;
    timeoutSeconds: number;
}

/** Done once every instance in service has applied the group's current bundle. */
export class GroupDelivery extends pulumi.dynamic.Resource {
    declare readonly delivered: pulumi.Output<string>;

    constructor(name: string, args: GroupDeliveryArgs, opts?: pulumi.CustomResourceOptions) {
        super(groupDeliveryProvider, name, { ...args, pollMs: 5_000, delivered: undefined }, opts, MODULE, TYPE);
    }
}
