import { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { MIN_DISK_GB } from "../kernel/limits";
import { DiskCheck, JUDGED_DISK_INPUTS, JudgedInput } from "../coverage/judged";
import { Found } from "../coverage/paths";
import { forTypes, schemaOf, tableChecks } from "./dispatch";

const defaults = { minSizeGb: MIN_DISK_GB };
type Config = typeof defaults;

/** A size as the provider takes it, a number or (some Kubernetes inputs) a string of digits. */
function gigabytes(v: unknown): number | undefined {
    const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
    return Number.isFinite(n) ? n : undefined;
}

function judge(entry: JudgedInput<DiskCheck>, found: Found, report: ReportViolation, config: Config): void {
    const { field, value, holder } = found;
    const wanted = `set it to ${config.minSizeGb} or more`;
    if (value === undefined || value === null) {
        if (entry.check === "dataDiskSize" && holder.snapshotId) {
            report(`${field} is not set and comes from snapshot ${holder.snapshotId}, which the pack cannot measure; ${wanted}.`);
        } else if (entry.unsetGb !== undefined) {
            if (entry.unsetGb < config.minSizeGb) {
                report(`${field} is not set, so Alibaba Cloud gives the ${entry.check === "systemDiskSize" ? "system" : "data"} disk ${entry.unsetGb} GB; ${wanted}.`);
            }
        } else if (entry.check === "dataDiskSize") {
            report(`${field} is not set; ${wanted}.`);
        }
        return;
    }
    const size = gigabytes(value);
    if (size === undefined) {
        report(`${field} is ${JSON.stringify(value)}, which is not a size in GB; ${wanted}.`);
    } else if (size < config.minSizeGb) {
        report(`${field} is ${size} GB; ${wanted}.`);
    }
}

export const minimumDiskSize: ResourceValidationPolicy = {
    name: "minimum-disk-size",
    description: "System and data disks must be 100 GB or more: logs, images and caches fill small disks, and performance scales with size.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: schemaOf(defaults, { minSizeGb: "Smallest disk accepted, GB." }),
    validateResource: forTypes(defaults, tableChecks(JUDGED_DISK_INPUTS, judge)),
};
