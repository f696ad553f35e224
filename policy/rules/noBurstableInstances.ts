import { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { FORBIDDEN_FAMILIES, FORBIDDEN_FAMILY_LEVELS, FORBIDDEN_CATEGORIES, familyOfPattern, instanceFamily } from "../kernel/limits";
import { InstanceCheck, JUDGED_INSTANCE_INPUTS } from "../coverage/judged";
import { forTypes, schemaOf, tableChecks } from "./dispatch";

const defaults = { forbiddenFamilies: FORBIDDEN_FAMILIES, forbiddenFamilyLevels: FORBIDDEN_FAMILY_LEVELS, forbiddenCategories: FORBIDDEN_CATEGORIES };
type Config = typeof defaults;

const USE_INSTEAD = "use a non-burstable family such as ecs.g8i.large or ecs.c8i.large";

/** Each check judges one set value; unset values pass (no burstable type is chosen by leaving one out). */
const judge: Record<InstanceCheck, (value: unknown, field: string, report: ReportViolation, config: Config) => void> = {
    instanceType: (v, field, report, config) => {
        const family = typeof v === "string" ? instanceFamily(v) : undefined;
        if (family && config.forbiddenFamilies.includes(family)) {
            report(`${field} "${v}" is of the burstable or shared family ${family}; ${USE_INSTEAD}.`);
        }
    },
    instanceFamily: (v, field, report, config) => {
        const family = typeof v === "string" ? familyOfPattern(v) : undefined;
        if (family && config.forbiddenFamilies.includes(family)) {
            report(`${field} "${v}" lets the cloud pick the burstable or shared family ${family}; name non-burstable families such as ecs.g8i.`);
        }
    },
    familyLevel: (v, field, report, config) => {
        if (typeof v === "string" && config.forbiddenFamilyLevels.includes(v)) {
            report(`${field} "${v}" lets the cloud pick shared or burstable types; set it to "EnterpriseLevel".`);
        }
    },
    instanceCategory: (v, field, report, config) => {
        if (typeof v === "string" && config.forbiddenCategories.includes(v)) {
            report(`${field} "${v}" lets the cloud pick shared types; name categories such as General-purpose or Compute-optimized.`);
        }
    },
    burstablePerformance: (v, field, report) => {
        if (v === "Include" || v === "Required") {
            report(`${field} "${v}" lets the cloud pick burstable types; set it to "Exclude".`);
        }
    },
    creditSpecification: (v, field, report) => {
        if (v !== undefined && v !== null && v !== "") {
            report(`${field} "${v}" is set, which only burstable instances use; remove it and ${USE_INSTEAD}.`);
        }
    },
};

export const noBurstableInstances: ResourceValidationPolicy = {
    name: "no-burstable-instances",
    description: "ECS capacity must not come from burstable (t5, t6) or shared families: their CPU credits run out under a proxy's steady load.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: schemaOf(defaults, {
        forbiddenFamilies: "Instance families refused, e.g. t6 for ecs.t6-c1m1.large.",
        forbiddenFamilyLevels: "Family levels of instance patterns refused (EntryLevel is shared, CreditEntryLevel burstable).",
        forbiddenCategories: "Instance categories of instance patterns refused.",
    }),
    validateResource: forTypes(defaults, tableChecks(JUDGED_INSTANCE_INPUTS,
        (entry, found, report, config: Config) => judge[entry.check](found.value, found.field, report, config))),
};
