// The kinds of config key and how each reads its raw value: the CLI hands every value to a program as a string
// (lists as JSON). A value a key refuses becomes an issue naming the key, the value and what is accepted.
import { ROLES, Role } from "china-edge-policy/kernel/stacks";

export const NAMESPACE = "china-edge";

/** Raw config values as the Pulumi CLI hands them to a program, keyed without the namespace. */
export type RawConfig = Record<string, string | undefined>;

export interface ConfigIssue {
    key: string;
    value: string | undefined;
    accepted: string;
}

/** A stack config that cannot be used; carries every issue found. */
export class ConfigError extends Error {
    constructor(readonly issues: ConfigIssue[]) {
        super(issues.map(formatIssue).join("\n"));
        this.name = "ConfigError";
    }
}

export function formatIssue(issue: ConfigIssue): string {
    const value = issue.value === undefined ? "is not set" : `= ${JSON.stringify(issue.value)}`;
    return `${NAMESPACE}:${issue.key} ${value}: expected ${issue.accepted}`;
}

/** Collects issues; `fail` returns undefined so that a check can end with it. */
export class Issues {
    readonly list: ConfigIssue[] = [];

    fail(key: string, value: string | undefined, accepted: string): undefined {
        this.list.push({ key, value, accepted });
        return undefined;
    }

    /** Throws every issue collected so far, if any. */
    throwIfAny(): void {
        if (this.list.length > 0) {
            throw new ConfigError(this.list);
        }
    }
}

/** What a read needs beyond the key's own value. */
export interface ReadContext {
    stack: string;
    /** Keys whose values arrived as Pulumi secrets. */
    secretKeys: string[];
}

/** The declaration of one config key: everything Pulumi.yaml, the README and the parser say about it. */
export interface Field<T> {
    /** The key under the project's namespace. */
    key: string;
    /** Its type in Pulumi.yaml. */
    type: "string" | "integer" | "boolean" | "array";
    /** The default Pulumi.yaml declares; absent: the stack file must set it. */
    default?: string | number | boolean | readonly string[];
    /** One line for Pulumi.yaml. */
    description: string;
    /** What the key accepts, for the README and for every error about it. */
    accepted: string;
    /** The stacks whose program reads it. */
    stacks: readonly Role[];
    /** The value must arrive as a Pulumi secret. */
    secret?: boolean;
    /** The value, or undefined after recording the issues with it. */
    read(raw: string | undefined, issues: Issues, context: ReadContext): T | undefined;
}

interface Common {
    description: string;
    accepted: string;
    stacks?: readonly Role[];
}

const BOTH: readonly Role[] = ROLES;

function field<T>(key: string, type: Field<T>["type"], common: Common, defaultValue: Field<T>["default"],
    read: Field<T>["read"], secret?: boolean): Field<T> {
    return { key, type, description: common.description, accepted: common.accepted, stacks: common.stacks ?? BOTH,
        ...(defaultValue === undefined ? {} : { default: defaultValue }), ...(secret ? { secret } : {}), read };
}

/** A required string; `check` returns false to refuse it with `accepted`, or a text saying what else is accepted. */
export function text(key: string, spec: Common & { default?: string; check?: (v: string) => boolean | string }): Field<string> {
    return field(key, "string", spec, spec.default, (raw, issues) => {
        const verdict = raw === undefined ? false : spec.check ? spec.check(raw) : true;
        return raw !== undefined && verdict === true ? raw : issues.fail(key, raw, typeof verdict === "string" ? verdict : spec.accepted);
    });
}

/** A string that may be empty (the default): undefined when empty. A secret one must arrive as a secret. */
export function optionalText(key: string, spec: Common & { check?: (v: string) => boolean; secret?: boolean }): Field<string | undefined> {
    return field(key, "string", spec, "", (raw, issues, context) => {
        if (raw === undefined || raw === "") {
            return undefined;
        }
        if (spec.secret && !context.secretKeys.includes(key)) {
            return issues.fail(key, "[plain text]", `a secret: set it with \`pulumi config set --secret ${NAMESPACE}:${key}\``);
        }
        return !spec.check || spec.check(raw) ? raw : issues.fail(key, spec.secret ? "[secret]" : raw, spec.accepted);
    }, spec.secret);
}

export function oneOf<T extends string>(key: string, values: readonly T[], spec: Omit<Common, "accepted"> & { default?: T; accepted?: string }): Field<T> {
    const choices = `one of ${values.join(", ")}`;
    return field(key, "string", { ...spec, accepted: spec.accepted ?? choices }, spec.default, (raw, issues) =>
        raw !== undefined && (values as readonly string[]).includes(raw) ? raw as T : issues.fail(key, raw, choices));
}

export function whole(key: string, spec: Omit<Common, "accepted"> & { min: number; max: number; unit: string; default?: number; accepted?: string }): Field<number> {
    const range = `a whole number of ${spec.unit} from ${spec.min} to ${spec.max}`;
    return field(key, "integer", { ...spec, accepted: spec.accepted ?? `${spec.min}–${spec.max} ${spec.unit}` }, spec.default, (raw, issues) => {
        const n = raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
        return Number.isSafeInteger(n) && n >= spec.min && n <= spec.max ? n : issues.fail(key, raw, range);
    });
}

export function flag(key: string, spec: Omit<Common, "accepted"> & { default: boolean; accepted?: string }): Field<boolean> {
    return field(key, "boolean", { ...spec, accepted: spec.accepted ?? "`true` or `false`" }, spec.default, (raw, issues) =>
        raw === "true" ? true : raw === "false" ? false : issues.fail(key, raw, "true or false"));
}

type ListSpec = Common & { default?: readonly string[]; example: string };

/**
 * A list of strings. `item` returns what is accepted when it refuses an element (the element is then the value
 * named), or undefined.
 */
export function list(key: string, spec: ListSpec & { item?: (v: string, all: string[]) => string | undefined }): Field<string[]> {
    return listOf(key, { ...spec, item: (v, all) => spec.item?.(v, all) ?? { value: v } });
}

/** A list whose elements are each read into a value, or refused with what is accepted. */
export function listOf<T>(key: string, spec: ListSpec & { item: (v: string, all: string[]) => string | { value: T } }): Field<T[]> {
    return field(key, "array", spec, spec.default, (raw, issues) => {
        let parsed: unknown;
        try {
            parsed = raw === undefined ? undefined : JSON.parse(raw);
        } catch {
            parsed = undefined;
        }
        if (raw === undefined) {
            return issues.fail(key, raw, spec.example);
        }
        if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
            return issues.fail(key, raw, `a list of strings: ${spec.example}`);
        }
        const values: T[] = [];
        for (const text of parsed) {
            const result = spec.item(text, parsed);
            if (typeof result === "string") {
                issues.fail(key, text, result);
            } else {
                values.push(result.value);
            }
        }
        return values.length === parsed.length ? values : undefined;
    });
}

export function numberIn<T extends number>(key: string, values: readonly T[], spec: Common & { default: T }): Field<T> {
    return field(key, "integer", spec, spec.default, (raw, issues) =>
        values.find((v) => String(v) === raw) ?? issues.fail(key, raw, spec.accepted));
}
