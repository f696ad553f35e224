// Reading raw stack config: every bad value becomes an issue naming the key, the value and what is accepted.
import { FORBIDDEN_FAMILIES, instanceFamily } from "../policy/limits";
import { TlsMaterial, checkTls } from "./tls";

export const NAMESPACE = "china-edge";

export interface ConfigIssue {
    key: string;
    value: string | undefined;
    accepted: string;
}

/** A stack config that cannot be used; carries every issue found, each naming key, value and what is accepted. */
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

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Raw config values are strings, as the Pulumi CLI hands them to a program; lists are JSON. */
export type RawConfig = Record<string, string | undefined>;

/** The project's keys, without their namespace, from config as the engine hands it ("namespace:key" → value). */
export function projectConfig(all: Record<string, string>): RawConfig {
    const prefix = `${NAMESPACE}:`;
    return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

export class Reader {
    readonly issues: ConfigIssue[] = [];
    constructor(private readonly raw: RawConfig) {}

    fail(key: string, value: string | undefined, accepted: string): undefined {
        this.issues.push({ key, value, accepted });
        return undefined;
    }

    string(key: string, accepted: string, ok: (v: string) => boolean): string | undefined {
        const v = this.raw[key];
        return v !== undefined && ok(v) ? v : this.fail(key, v, accepted);
    }

    /** A string that may be empty or unset; undefined for both. */
    optional(key: string): string | undefined {
        const v = this.raw[key];
        return v === undefined || v === "" ? undefined : v;
    }

    oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
        return this.string(key, `one of ${values.join(", ")}`, (v) => (values as readonly string[]).includes(v)) as T | undefined;
    }

    boolean(key: string): boolean | undefined {
        const v = this.raw[key];
        return v === "true" ? true : v === "false" ? false : this.fail(key, v, "true or false");
    }

    list(key: string, accepted: string): string[] | undefined {
        const v = this.raw[key];
        if (v === undefined) {
            return this.fail(key, v, accepted);
        }
        try {
            const parsed: unknown = JSON.parse(v);
            if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) {
                return parsed;
            }
        } catch {
            // falls through to the error below
        }
        return this.fail(key, v, `a list of strings: ${accepted}`);
    }

    integer(key: string, min: number, max: number, unit: string): number | undefined {
        const v = this.raw[key];
        const n = v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
        return Number.isSafeInteger(n) && n >= min && n <= max
            ? n
            : this.fail(key, v, `a whole number of ${unit} from ${min} to ${max}`);
    }
}

export function isHostName(v: string): boolean {
    const labels = v.split(".");
    return v.length <= 253 && labels.length >= 2 && labels.every((l) => HOST_LABEL.test(l)) && /^[a-z]{2,63}$/.test(labels[labels.length - 1]);
}


/** The config keys of a certificate and its private key. */
export interface TlsKeys {
    certificate: string;
    privateKey: string;
}

export const TLS_KEYS: TlsKeys = { certificate: "tlsCertificate", privateKey: "tlsPrivateKey" };

/**
 * A certificate and key from config, both or neither (`without` says what happens then): the key must be a secret,
 * and the pair must match and cover `names`.
 */
export function tlsPair(r: Reader, keys: TlsKeys, names: string[], secretKeys: string[], without: string): TlsMaterial | undefined {
    const certificate = r.optional(keys.certificate);
    const privateKey = r.optional(keys.privateKey);
    if (!certificate && !privateKey) {
        return undefined;
    }
    if (!certificate || !privateKey) {
        r.fail(certificate ? keys.privateKey : keys.certificate, undefined, `both ${keys.certificate} and ${keys.privateKey}, or neither (${without})`);
        return undefined;
    }
    if (!secretKeys.includes(keys.privateKey)) {
        r.fail(keys.privateKey, "[plain text]", `a secret: set it with \`pulumi config set --secret ${NAMESPACE}:${keys.privateKey} < key.pem\``);
        return undefined;
    }
    const problem = checkTls({ certificate, privateKey }, names);
    if (problem) {
        const isKey = problem.key === "tlsPrivateKey";
        r.fail(isKey ? keys.privateKey : keys.certificate, isKey ? "[secret]" : problem.value, problem.accepted);
        return undefined;
    }
    return { certificate, privateKey };
}

/** An ECS type of a family with steady performance (not burstable or shared), as the policy pack requires. */
export function isSteadyInstanceType(v: string): boolean {
    const family = instanceFamily(v);
    return family !== undefined && !FORBIDDEN_FAMILIES.includes(family);
}

export function steadyInstanceTypeText(example: string): string {
    return `an ECS type such as ${example}, not of a burstable or shared family (${FORBIDDEN_FAMILIES.join(", ")})`;
}
