import { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_SYSTEM_DISK_GB, MIN_DISK_GB } from "../kernel/limits";
import { Check, Props, forTypes, list, schemaOf } from "./dispatch";
import { ECS_INSTANCE } from "../kernel/tokens";

const defaults = { minSizeGb: MIN_DISK_GB, unsetSystemDiskGb: DEFAULT_SYSTEM_DISK_GB };
type Config = typeof defaults;

function systemDisk(size: unknown, field: string, report: ReportViolation, config: Config): void {
    if (size === undefined || size === null) {
        if (config.unsetSystemDiskGb < config.minSizeGb) {
            report(`${field} is not set, so Alibaba Cloud gives the system disk ${config.unsetSystemDiskGb} GB; set it to ${config.minSizeGb} or more.`);
        }
    } else if (Number(size) < config.minSizeGb) {
        report(`${field} is ${size} GB; set it to ${config.minSizeGb} or more.`);
    }
}

function dataDisks(disks: Props[], sizeField: string, report: ReportViolation, config: Config): void {
    disks.forEach((disk, i) => dataDisk(disk[sizeField], disk.snapshotId, `dataDisks[${i}].${sizeField}`, report, config));
}

function dataDisk(size: unknown, snapshotId: unknown, field: string, report: ReportViolation, config: Config): void {
    if (size === undefined || size === null) {
        report(snapshotId
            ? `${field} is not set and comes from snapshot ${snapshotId}, which the pack cannot measure; set it to ${config.minSizeGb} or more.`
            : `${field} is not set; set it to ${config.minSizeGb} or more.`);
    } else if (Number(size) < config.minSizeGb) {
        report(`${field} is ${size} GB; set it to ${config.minSizeGb} or more.`);
    }
}

const instanceLike: Check<Config> = (p, r, c) => {
    systemDisk(p.systemDiskSize, "systemDiskSize", r, c);
    dataDisks(list(p.dataDisks), "size", r, c);
};

const launchTemplate: Check<Config> = (p, r, c) => {
    const size = p.systemDisk?.size ?? p.systemDiskSize;
    systemDisk(size, p.systemDisk?.size !== undefined ? "systemDisk.size" : "systemDisk.size (or systemDiskSize)", r, c);
    dataDisks(list(p.dataDisks), "size", r, c);
};

export const minimumDiskSize: ResourceValidationPolicy = {
    name: "minimum-disk-size",
    description: "System and data disks must be 100 GB or more: logs, images and caches fill small disks, and performance scales with size.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: schemaOf(defaults, {
        minSizeGb: "Smallest disk accepted, GB.",
        unsetSystemDiskGb: "What the cloud gives a system disk whose size is not set, GB.",
    }),
    validateResource: forTypes(defaults, {
        [ECS_INSTANCE]: instanceLike,
        "alicloud:ess/scalingConfiguration:ScalingConfiguration": instanceLike,
        "alicloud:cs/nodePool:NodePool": instanceLike,
        "alicloud:ecs/ecsInstanceSet:EcsInstanceSet": (p, r, c) => {
            systemDisk(p.systemDiskSize, "systemDiskSize", r, c);
            dataDisks(list(p.dataDisks), "diskSize", r, c);
        },
        "alicloud:ecs/ecsLaunchTemplate:EcsLaunchTemplate": launchTemplate,
        "alicloud:ecs/launchTemplate:LaunchTemplate": launchTemplate,
        "alicloud:cs/kubernetes:Kubernetes": (p, r, c) => systemDisk(p.masterDiskSize, "masterDiskSize", r, c),
        "alicloud:ecs/disk:Disk": (p, r, c) => dataDisk(p.size, p.snapshotId, "size", r, c),
        "alicloud:ecs/ecsDisk:EcsDisk": (p, r, c) => dataDisk(p.size, p.snapshotId, "size", r, c),
    }),
};
