import { ResourceValidationPolicy } from "@pulumi/policy";
import { Check, forTypes, schemaOf } from "./dispatch";
import { ECS_INSTANCE } from "../kernel/tokens";

const defaults = { discouraged: ["cloud_efficiency", "cloud"] };
type Config = typeof defaults;

function advise(category: unknown, field: string, report: (m: string) => void, config: Config): void {
    if (category === undefined || category === null) {
        report(`${field} is not set, and the API's default is cloud_efficiency, which g7/g8i/g8a instances reject; set it to cloud_essd.`);
    } else if (config.discouraged.includes(String(category))) {
        report(`${field} is ${category}, which current families (g7, g8i, g8a) reject; use cloud_essd (PL0 or PL1) or cloud_auto.`);
    }
}

const flat: Check<Config> = (p, r, c) => advise(p.systemDiskCategory, "systemDiskCategory", r, c);

export const essdSystemDisk: ResourceValidationPolicy = {
    name: "essd-system-disk",
    description: "System disks should be ESSD: current instance families do not support cloud_efficiency.",
    enforcementLevel: "advisory",
    severity: "low",
    configSchema: schemaOf(defaults, { discouraged: "System disk categories to advise against." }),
    validateResource: forTypes(defaults, {
        [ECS_INSTANCE]: flat,
        "alicloud:ecs/ecsInstanceSet:EcsInstanceSet": flat,
        "alicloud:ess/scalingConfiguration:ScalingConfiguration": flat,
        "alicloud:cs/nodePool:NodePool": flat,
        "alicloud:ecs/ecsLaunchTemplate:EcsLaunchTemplate": (p, r, c) => advise(p.systemDisk?.category ?? p.systemDiskCategory, "systemDisk.category", r, c),
        "alicloud:ecs/launchTemplate:LaunchTemplate": (p, r, c) => advise(p.systemDisk?.category ?? p.systemDiskCategory, "systemDisk.category", r, c),
    }),
};
