import { ResourceValidationArgs, ResourceValidation, ReportViolation } from "@pulumi/policy";
import { Found, byToken, readInput } from "../coverage/paths";

/** Props of a resource as the pack sees them (inputs during preview, unknown values throw when read). */
export type Props = Record<string, any>;

export type Check<C> = (props: Props, report: ReportViolation, config: C) => void;

/**
 * One validation for several resource types, dispatched on the type token: one call per resource, instead of an
 * array of validateResourceOfType entries that all run and throw for every other type.
 */
export function forTypes<C extends object>(defaults: C, checks: Record<string, Check<C>>): ResourceValidation {
    return (args: ResourceValidationArgs, report: ReportViolation) => {
        const check = checks[args.type];
        if (!check) {
            args.notApplicable(`applies to ${Object.keys(checks).join(", ")}`);
        }
        check(args.props, report, withDefaults(defaults, args.getConfig<Partial<C>>()));
    };
}

/** The engine fills schema defaults when the CLI runs the pack; a pack served on its own gets them here. */
export function withDefaults<C extends object>(defaults: C, given: Partial<C> | undefined): C {
    const config = { ...defaults };
    for (const [k, v] of Object.entries(given ?? {})) {
        if (v !== undefined && k in defaults) {
            (config as Record<string, unknown>)[k] = v;
        }
    }
    return config;
}

/** A JSON-schema property with its default, for configSchema. */
export function schemaOf(defaults: Record<string, unknown>, descriptions: Record<string, string>) {
    const properties: Record<string, any> = {};
    for (const [k, v] of Object.entries(defaults)) {
        properties[k] = Array.isArray(v)
            ? { type: "array", items: { type: typeof v[0] === "number" ? "integer" : "string" }, default: v, description: descriptions[k] }
            : { type: typeof v === "number" ? "integer" : typeof v, default: v, description: descriptions[k] };
    }
    return { properties };
}

/**
 * The checks of a coverage table (policy/coverage/judged.ts), one per resource type: every place each entry's path
 * reaches in the resource's inputs, judged by `judge`.
 */
export function tableChecks<E extends { token: string; path: string }, C>(entries: E[],
    judge: (entry: E, found: Found, report: ReportViolation, config: C) => void): Record<string, Check<C>> {
    const checks: Record<string, Check<C>> = {};
    for (const [token, ofToken] of byToken(entries)) {
        checks[token] = (props, report, config) => {
            for (const entry of ofToken) {
                for (const found of readInput(props, entry.path)) {
                    judge(entry, found, report, config);
                }
            }
        };
    }
    return checks;
}
