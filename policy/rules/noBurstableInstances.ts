import { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { FORBIDDEN_FAMILIES, instanceFamily } from "../kernel/limits";
import { Check, Props, forTypes, list, schemaOf } from "./dispatch";
import { ECS_INSTANCE } from "../kernel/tokens";

const defaults = { forbiddenFamilies: FORBIDDEN_FAMILIES };
type Config = typeof defaults;

function refuse(types: unknown[], field: string, report: ReportViolation, config: Config): void {
    for (const t of types) {
        const family = typeof t === "string" ? instanceFamily(t) : undefined;
        if (family && config.forbiddenFamilies.includes(family)) {
            report(`${field} "${t}" is of the burstable or shared family ${family}; use a non-burstable family such as ecs.g8i.large or ecs.c8i.large.`);
        }
    }
}

function refuseCredit(props: Props, report: ReportViolation): void {
    if (props.creditSpecification) {
        report(`creditSpecification "${props.creditSpecification}" is set, which only burstable instances use; remove it and use a non-burstable family.`);
    }
}

const byInstanceType: Check<Config> = (p, r, c) => refuse([p.instanceType], "instanceType", r, c);
const byInstanceTypes: Check<Config> = (p, r, c) => refuse(list(p.instanceTypes), "instanceTypes entry", r, c);

export const noBurstableInstances: ResourceValidationPolicy = {
    name: "no-burstable-instances",
    description: "ECS capacity must not come from burstable (t5, t6) or shared families: their CPU credits run out under a proxy's steady load.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: schemaOf(defaults, { forbiddenFamilies: "Instance families refused, e.g. t6 for ecs.t6-c1m1.large." }),
    validateResource: forTypes(defaults, {
        [ECS_INSTANCE]: (p, r, c) => { byInstanceType(p, r, c); refuseCredit(p, r); },
        "alicloud:ecs/ecsInstanceSet:EcsInstanceSet": byInstanceType,
        "alicloud:ecs/ecsLaunchTemplate:EcsLaunchTemplate": byInstanceType,
        "alicloud:ecs/launchTemplate:LaunchTemplate": byInstanceType,
        "alicloud:ess/scalingConfiguration:ScalingConfiguration": (p, r, c) => {
            byInstanceType(p, r, c);
            byInstanceTypes(p, r, c);
            refuseCredit(p, r);
            for (const pattern of list(p.instancePatternInfos)) {
                if (pattern.burstablePerformance === "Include" || pattern.burstablePerformance === "Required") {
                    r(`instancePatternInfos burstablePerformance "${pattern.burstablePerformance}" lets scaling pick burstable types; set it to "Exclude".`);
                }
            }
        },
        "alicloud:cs/nodePool:NodePool": byInstanceTypes,
        "alicloud:cs/kubernetes:Kubernetes": (p, r, c) => refuse(list(p.masterInstanceTypes), "masterInstanceTypes entry", r, c),
    }),
};
