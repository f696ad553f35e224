// Waits, where `pulumi up` runs, until a new instance's Cloud Assistant agent is up, so that the delivery of what the
// host serves is not sent into the void (components/cloud/cloudAssistantStatus.ts). A Pulumi dynamic provider, as
// components/dcdn/steps.ts, with the credentials of the deploying environment.
import * as pulumi from "@pulumi/pulumi";
import { cloudAssistantRunning } from "../cloud/cloudAssistantStatus";
import { apiError } from "../cloud/openApi";

/** The instance to wait for, and how: `attempts` asks, `intervalSeconds` apart. */
export interface AssistantWait {
    region: string;
    instanceId: string;
    attempts: number;
    intervalSeconds: number;
}

/** Ten minutes: a new instance's agent starts within its first boot; an API error counts as "not yet". */
export const ASSISTANT_WAIT = { attempts: 60, intervalSeconds: 10 };

/** Asks until the agent runs; throws, naming the instance and the last answer, once the attempts run out. */
export async function waitForCloudAssistant(w: AssistantWait, env: NodeJS.ProcessEnv = process.env): Promise<string> {
    let last = "";
    for (let i = 1; ; i++) {
        try {
            if (await cloudAssistantRunning(w.region, w.instanceId, env)) {
                return `running (asked ${i} time${i > 1 ? "s" : ""})`;
            }
            last = "not running";
        } catch (err) {
            last = apiError(err);
        }
        if (i >= w.attempts) {
            throw new Error(`Cloud Assistant on ${w.instanceId} (${w.region}) is not running after ${i} asks, ` +
                `${w.intervalSeconds} s apart (last: ${last}); see the instance's console output, then run pulumi up again`);
        }
        pulumi.log.info(`cloud assistant: ${w.instanceId} ${last}; again in ${w.intervalSeconds} s (${i}/${w.attempts})`);
        await new Promise((r) => setTimeout(r, w.intervalSeconds * 1000));
    }
}

type Outputs = AssistantWait & { status: string };

/** Waits when created and when the instance changes; deleting does nothing. */
export const assistantReadyProvider: pulumi.dynamic.ResourceProvider<AssistantWait, Outputs> = {
    async create(inputs) {
        return { id: `cloud-assistant:${inputs.instanceId}`, outs: { ...inputs, status: await waitForCloudAssistant(inputs) } };
    },
    async diff(_id, olds, news) {
        return { changes: olds.instanceId !== news.instanceId || olds.region !== news.region };
    },
    async update(_id, _olds, news) {
        return { outs: { ...news, status: await waitForCloudAssistant(news) } };
    },
};

const MODULE = "china-edge";
const TYPE = "CloudAssistantReady";
/** The type token of a CloudAssistantReady, as the SDK makes it for a dynamic resource of this module and type. */
export const CLOUD_ASSISTANT_READY = `pulumi-nodejs:dynamic/${MODULE}:${TYPE}`;

export interface CloudAssistantReadyArgs {
    region: pulumi.Input<string>;
    instanceId: pulumi.Input<string>;
}

/** Done once the instance's Cloud Assistant agent runs: what a delivery to it waits for. */
export class CloudAssistantReady extends pulumi.dynamic.Resource {
    declare readonly status: pulumi.Output<string>;

    constructor(name: string, args: CloudAssistantReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(assistantReadyProvider, name, { ...args, ...ASSISTANT_WAIT, status: undefined }, opts, MODULE, TYPE);
    }
}
