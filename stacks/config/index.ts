// A stack's config, parsed once: every key checked on its own (keys.ts), then across keys (checks.ts). Any bad
// value stops the program before anything is created, with every issue named.
import { Issues, NAMESPACE, RawConfig, ReadContext } from "./fields";
import { KEYS, KeyValues, allFields } from "./keys";
import { StackConfig, resolve } from "./checks";

export { ConfigError, ConfigIssue, NAMESPACE, RawConfig, formatIssue } from "./fields";
export { EDGE_MODES, EdgeMode } from "./keys";
export { CnConfig, EdgeTls, StackConfig, ServedByUs, UsConfig, checkPeerVpcCidr, isCnConfig, checkServedByUs, isMainlandRegion } from "./checks";

/** The project's keys, without their namespace, from config as the engine hands it ("namespace:key" → value). */
export function projectConfig(all: Record<string, string>): RawConfig {
    const prefix = `${NAMESPACE}:`;
    return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/** Keys that were renamed or folded into another, with what to write instead. */
const RETIRED: Record<string, string> = {
    mirrors: "no key: mirrors folded into thirdParty, where \"HOST=MIRROR\" is written \"HOST=mirror=MIRROR\" (blocked hosts are relayed by default)",
};

function readKeys(raw: RawConfig, context: ReadContext): KeyValues {
    const issues = new Issues();
    const known = allFields().map((f) => f.key);
    for (const key of Object.keys(raw).filter((k) => !known.includes(k))) {
        issues.fail(key, raw[key], RETIRED[key] ?? `a key the program knows (${known.join(", ")}); check its spelling`);
    }
    const values = Object.fromEntries(Object.entries(KEYS).map(([group, fields]) => [group,
        Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.read(raw[f.key], issues, context)]))]));
    issues.throwIfAny();
    return values as KeyValues;
}

/**
 * Validates a stack's raw config (`raw` holds the project's keys without the prefix; `secretKeys` names those whose
 * values arrived as Pulumi secrets) and returns only a config every later step can trust.
 */
export function parseStackConfig(raw: RawConfig, stack: string, secretKeys: string[] = []): StackConfig {
    const context = { stack, secretKeys };
    return resolve(readKeys(raw, context), context);
}
