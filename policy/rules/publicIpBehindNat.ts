import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ECS_INSTANCE } from "../kernel/tokens";

const NAT = "alicloud:vpc/natGateway:NatGateway";
const WITH_PUBLIC_IP = [
    ECS_INSTANCE,
    "alicloud:ecs/ecsInstanceSet:EcsInstanceSet",
    "alicloud:ecs/ecsLaunchTemplate:EcsLaunchTemplate",
    "alicloud:ecs/launchTemplate:LaunchTemplate",
    "alicloud:ess/scalingConfiguration:ScalingConfiguration",
];

/** The URN of the VPC a resource sits in, followed through its vSwitch when it names one. */
function vpcOf(r: PolicyResource): string | undefined {
    const direct = r.propertyDependencies?.vpcId?.[0];
    if (direct) {
        return direct.urn;
    }
    const vswitch = r.propertyDependencies?.vswitchId?.[0];
    return vswitch?.propertyDependencies?.vpcId?.[0]?.urn;
}

export const publicIpBehindNat: StackValidationPolicy = {
    name: "public-ip-behind-nat",
    description: "Instances in a VPC that has a NAT gateway should egress through it rather than hold their own public IP.",
    enforcementLevel: "advisory",
    severity: "low",
    validateStack: (args, report) => {
        const nats = args.resources.filter((r) => r.type === NAT);
        if (nats.length === 0) {
            return;
        }
        const natVpcs = new Set(nats.map(vpcOf));
        for (const r of args.resources) {
            if (!WITH_PUBLIC_IP.includes(r.type) || !(Number(r.props.internetMaxBandwidthOut) > 0)) {
                continue;
            }
            const vpc = vpcOf(r);
            if (vpc === undefined || natVpcs.has(vpc) || natVpcs.has(undefined)) {
                report(`${r.name} has internetMaxBandwidthOut ${r.props.internetMaxBandwidthOut}, a public IP of its own, while a ` +
                    `NAT gateway serves its VPC; set it to 0 and egress through the NAT (SNAT entry), which also keeps the host unreachable from outside.`, r.urn);
            }
        }
    },
};
