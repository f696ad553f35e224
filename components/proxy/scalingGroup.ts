// Proxies as an Auto Scaling (ESS) group: instances from one scaling configuration (the hosts' image, type, disks,
// role and user data), spread over the stack's zones, some of them spot; each new instance held out of service by a
// scale-out lifecycle hook until it has fetched its role's bundle from the bucket and applied it (an OOS template
// runs the apply command on it, then continues the activity, or abandons the instance when the command fails); in
// the NLB's server groups once it passes; held again by a scale-in hook while it leaves the balancer without dropping
// anyone; a change of the bundle applied on the instances in service one at a time (groupDelivery.ts); a
// target-tracking rule on the group's average CPU.
// Arguments as the provider documents them (website/docs/r/ess_scaling_group, ess_scaling_configuration,
// ess_scaling_rule, ess_lifecycle_hook, ess_server_group_attachment in aliyun/terraform-provider-alicloud).
import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { NetworkVswitch } from "../network/regionalNetwork";
import { APPLY_TIMEOUT_SECONDS, ProxyBundle } from "../render/shared/bundle";
import { LIFECYCLE_ROLE_ACTIONS, renderLifecycleTemplate } from "../render/shared/lifecycleTemplate";
import { HostFoundation, InstanceSettings, storeBundle, trustedBy } from "./proxyHosts";
import { GroupDelivery } from "./groupDelivery";
import { GroupTag } from "../monitoring/alarmPlan";

/** The tag every instance of the group `name` carries (from its scaling configuration): what CloudMonitor finds its hosts by. */
export function groupTag(name: string): GroupTag {
    return { key: "china-edge-group", value: `china-edge-${pulumi.getStack()}-${name}` };
}

/** How many instances, what CPU to keep them at, and how many of them are spot. */
export interface Capacity {
    min: number;
    max: number;
    cpuPercent: number;
    onDemandBase: number;
    spotPercent: number;
}

export interface ScalingGroupArgs {
    vswitches: NetworkVswitch[];
    securityGroupId: pulumi.Input<string>;
    settings: InstanceSettings;
    capacity: Capacity;
    /** What every instance of the group serves: it names no host, so any new instance applies it as it is. */
    bundle: pulumi.Input<ProxyBundle>;
    /** The NLB server groups (id and backend port) the group's instances join. */
    serverGroups: { id: pulumi.Input<string>; port: number }[];
    /** Shell lines a new instance runs after its bundle is applied (Logtail's install, when logs are shipped). */
    launchAfter?: pulumi.Input<string>;
    /** What an instance runs before a scale-in releases it: it leaves the balancer without dropping anyone. */
    leave: { script: string; timeoutSeconds: number };
}

/** The scaling group `name` under `parent`, with the hosts' foundation (role, bucket, image) made by createHostFoundation. */
export function createScalingHosts(parent: pulumi.ComponentResource, name: string, foundation: HostFoundation, args: ScalingGroupArgs): alicloud.ess.ScalingGroup {
    const stack = pulumi.getStack();
    const c = args.capacity;
    const group = new alicloud.ess.ScalingGroup(`${name}-group`, {
        scalingGroupName: `china-edge-${stack}-${name}`,
        minSize: c.min,
        maxSize: c.max,
        vswitchIds: args.vswitches.map((v) => v.vswitchId),
        // The cheapest of the group's capacity first, spot above the pay-as-you-go base; kept whether or not spot is
        // used, since the policy cannot change without a new group.
        multiAzPolicy: "COST_OPTIMIZED",
        onDemandBaseCapacity: c.onDemandBase,
        onDemandPercentageAboveBaseCapacity: 100 - c.spotPercent,
        // A spot instance's reclamation notice starts its replacement at once.
        spotInstanceRemedy: c.spotPercent > 0,
        compensateWithOnDemand: true,
        removalPolicies: ["NewestInstance", "OldestInstance"],
        defaultCooldown: 300,
    }, { parent });

    // The role's bundle, stored once for every instance of the group, and the script a new instance runs.
    const { object, script } = storeBundle(group, name, foundation, args.bundle);
    const launchScript = pulumi.all([script, args.launchAfter ?? ""]).apply(([apply, after]) => after ? `${apply}\n${after}\n` : apply);

    const configuration = new alicloud.ess.ScalingConfiguration(`${name}-configuration`, {
        scalingGroupId: group.id,
        scalingConfigurationName: `china-edge-${stack}-${name}`,
        imageId: foundation.image.ids[0],
        instanceTypes: [args.settings.instanceType],
        securityGroupIds: [args.securityGroupId],
        // ESS's own default is cloud_efficiency, which the stack's types may not take.
        systemDiskCategory: args.settings.systemDiskCategory,
        systemDiskSize: args.settings.systemDiskSize,
        instanceName: `china-edge-${stack}-${name}`,
        internetChargeType: "PayByTraffic",
        internetMaxBandwidthOut: 0,
        userData: foundation.userData,
        roleName: foundation.role.roleName,
        tags: { [groupTag(name).key]: groupTag(name).value },
        spotStrategy: c.spotPercent > 0 ? "SpotAsPriceGo" : "NoSpot",
        active: true,
        enable: true,
        forceDelete: true,
    }, { parent: group, dependsOn: [foundation.rolePolicy, object] });

    // OOS runs the templates with a role of the stack's own: run the command, complete the lifecycle action.
    const oosRole = new alicloud.ram.Role(`${name}-lifecycle-role`, {
        roleName: `china-edge-${stack}-${name}-lifecycle`,
        description: `china-edge ${name}: what OOS runs a joining or leaving instance's command with`,
        assumeRolePolicyDocument: trustedBy("oos.aliyuncs.com"),
    }, { parent: group });
    const oosPolicy = new alicloud.ram.Policy(`${name}-lifecycle-policy`, {
        policyName: `china-edge-${stack}-${name}-lifecycle`,
        description: `china-edge ${name}: run a command on a joining or leaving instance and end its lifecycle wait`,
        policyDocument: JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: LIFECYCLE_ROLE_ACTIONS, Resource: ["*"] }] }),
    }, { parent: oosRole });
    const oosAttachment = new alicloud.ram.RolePolicyAttachment(`${name}-lifecycle-policy`, {
        policyName: oosPolicy.policyName, policyType: "Custom", roleName: oosRole.roleName,
    }, { parent: oosRole });
    // A hook's target, as the Auto Scaling references write an OOS template's: acs:ess:{region}:{account}:oos/{template}.
    const account = alicloud.getAccountOutput({ parent });
    const hook = (suffix: string, transition: "SCALE_OUT" | "SCALE_IN", script: pulumi.Input<string>, timeoutSeconds: number, defaultResult: string) => {
        const template = new alicloud.oos.Template(`${name}-${suffix}`, {
            templateName: `china-edge-${stack}-${name}-${suffix}`,
            content: pulumi.all([script, oosRole.roleName]).apply(([s, role]) =>
                renderLifecycleTemplate(`${name}'s ${suffix}`, { script: s, timeoutSeconds, role })),
            tags: { "china-edge": name },
        }, { parent: group, dependsOn: [oosAttachment] });
        new alicloud.ess.LifecycleHook(`${name}-${suffix}`, {
            scalingGroupId: group.id,
            name: `${name}-${suffix}`,
            lifecycleTransition: transition,
            heartbeatTimeout: timeoutSeconds + 300,
            defaultResult,
            notificationArn: pulumi.interpolate`acs:ess:${foundation.region}:${account.id}:oos/${template.templateName}`,
        }, { parent: group, dependsOn: [configuration] });
    };
    // A new instance that cannot set itself up (first boot's packages, the bundle, its health checks: as long as a
    // delivery may take) is released; a leaving one that cannot leave cleanly still goes.
    hook("launch", "SCALE_OUT", launchScript, APPLY_TIMEOUT_SECONDS, "ABANDON");
    hook("leave", "SCALE_IN", args.leave.script, args.leave.timeoutSeconds, "CONTINUE");

    for (const serverGroup of args.serverGroups) {
        new alicloud.ess.ServerGroupAttachment(`${name}-${serverGroup.port}`, {
            scalingGroupId: group.id,
            serverGroupId: serverGroup.id,
            type: "NLB",
            port: serverGroup.port,
            weight: 100,
            forceAttach: true,
        }, { parent: group, dependsOn: [configuration] });
    }

    // A change of the bundle reaches the instances already in service too, one at a time, as the fixed hosts' deliveries do.
    new GroupDelivery(`${name}-change`, {
        region: foundation.region, scalingGroupId: group.id, script, name: `china-edge-${stack}-${name}-change`, timeoutSeconds: APPLY_TIMEOUT_SECONDS,
    }, { parent: group, dependsOn: [object, configuration, foundation.rolePolicy] });

    new alicloud.ess.ScalingRule(`${name}-cpu`, {
        scalingGroupId: group.id,
        scalingRuleName: `${name}-cpu`,
        scalingRuleType: "TargetTrackingScalingRule",
        metricName: "CpuUtilization",
        targetValue: c.cpuPercent,
        // First boot installs packages before the instance counts.
        estimatedInstanceWarmup: 300,
    }, { parent: group });
    return group;
}
