import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import * as random from "@pulumi/random";
import { LogRole, logMachineId, logtailInput, renderLogtailInstall } from "../render/shared/logShipping";

export interface LogShippingArgs {
    /** The stack's name, in the project's and the machine group's names. */
    stackName: string;
    /** The hosts' region: the project's (Logtail sends over the region's internal network). */
    region: string;
    /** What the hosts are, which says what Logtail reads there. */
    role: LogRole;
    /** The proxy hosts whose logs are shipped. */
    instanceIds: pulumi.Input<string>[];
    /** Days the logstore keeps a line. */
    retentionDays: number;
}

/** Where a stack's access logs are, as the stack exports it. */
export interface LogShippingOutputs {
    project: string;
    logstore: string;
    retentionDays: number;
}

const LOGSTORE = "access";

/**
 * The proxies' JSON access logs in Simple Log Service: a project and logstore for the stack, a machine group of the
 * hosts by their custom identifier, the collection of their role, and Logtail installed on each running host by
 * Cloud Assistant (in place: turning shipping on or off replaces no instance).
 */
export class LogShipping extends pulumi.ComponentResource {
    readonly outputs: pulumi.Output<LogShippingOutputs>;

    constructor(name: string, args: LogShippingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:monitoring:LogShipping", name, {}, opts);
        const parent = { parent: this };
        // Project names are unique across every account in the region.
        const suffix = new random.RandomString(`${name}-suffix`, { length: 6, special: false, upper: false }, parent);
        const project = new alicloud.log.Project(`${name}-project`, {
            projectName: pulumi.interpolate`china-edge-${args.stackName}-${suffix.result}`,
            description: `china-edge ${args.stackName}: the proxies' access logs`,
        }, parent);
        const store = new alicloud.log.Store(`${name}-store`, {
            projectName: project.projectName, logstoreName: LOGSTORE, retentionPeriod: args.retentionDays, shardCount: 2, autoSplit: true, maxSplitShardCount: 16,
        }, parent);
        const machineId = logMachineId(args.stackName, args.role);
        const group = new alicloud.log.MachineGroup(`${name}-hosts`, {
            project: project.projectName, name: machineId, identifyType: "userdefined", identifyLists: [machineId],
        }, parent);
        const input = logtailInput(args.role);
        const collection = new alicloud.log.LogTailConfig(`${name}-collection`, {
            project: project.projectName, logstore: store.logstoreName, name: `${args.role}-access`, outputType: "LogService", ...input,
        }, parent);
        new alicloud.log.LogTailAttachment(`${name}-attachment`, {
            project: project.projectName, logtailConfigName: collection.name, machineGroupName: group.name,
        }, parent);

        const install = new alicloud.ecs.Command(`${name}-install`, {
            name: `china-edge-${args.stackName}-logtail`,
            description: "china-edge: Logtail on the proxy hosts, shipping their access logs",
            type: "RunShellScript",
            commandContent: Buffer.from(renderLogtailInstall(args.region, machineId)).toString("base64"),
            timeout: 900,
            workingDir: "/root",
        }, parent);
        // Hosts of a scaling group run the same install as they join (ScalingGroupArgs.launchAfter): none here then.
        if (args.instanceIds.length > 0) {
            new alicloud.ecs.EcsInvocation(`${name}-install`, { commandId: install.id, instanceIds: args.instanceIds }, {
                parent: install, customTimeouts: { create: "20m" },
            });
        }

        this.outputs = pulumi.output({ project: project.projectName, logstore: store.logstoreName, retentionDays: args.retentionDays });
        this.registerOutputs({ outputs: this.outputs });
    }
}
