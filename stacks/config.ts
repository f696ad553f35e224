import { FORBIDDEN_FAMILIES, MIN_DISK_GB, instanceFamily } from "../policy/limits";
import { Ipv4Range, alignedNetwork, anyCidrPrefix, contains, overlaps, parseIpv4Cidr } from "../components/network/cidr";

export const NAMESPACE = "china-edge";

export type Role = "cn" | "us";

/** One stack's configuration, validated. Defaults live in Pulumi.yaml, the one place the CLI also reads. */
export interface StackConfig {
    /** Which program the stack runs. */
    role: Role;
    /** Alibaba Cloud region of the stack. */
    region: string;
    /** Two or more distinct zones of the region; one vSwitch each. */
    zones: string[];
    /** The VPC's IPv4 range. */
    vpcCidr: string;
    /** One vSwitch range per zone, in the same order, inside the VPC. */
    vswitchCidrs: string[];
    /** The ICP-filed name users in China reach (example.cn). */
    publicDomain: string;
    /** The existing service's name (example.com). */
    originDomain: string;
    /** ECS instance type of the proxies. */
    instanceType: string;
    /** System disk size of the proxies, GB. */
    systemDiskSize: number;
    /** System disk category of the proxies. */
    systemDiskCategory: string;
    /** IPv4 ranges allowed to reach SSH; empty means no SSH rule at all. */
    adminCidrs: string[];
    /** cn only: the fully qualified name of the us stack, read through a StackReference. */
    usStack: string;
    /** cn only: bandwidth cap of the cross-border peer attachment, Mbps. */
    crossBorderBandwidthMbps: number;
}

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

export const SYSTEM_DISK_CATEGORIES = ["cloud_essd", "cloud_auto", "cloud_ssd"];
const MAX_SYSTEM_DISK_GB = 500;
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Raw config values are strings, as the Pulumi CLI hands them to a program; lists are JSON. */
export type RawConfig = Record<string, string | undefined>;

class Reader {
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

export function isRegionId(v: string): boolean {
    return /^[a-z]{2}(-[a-z]+)+(-\d+)?$/.test(v);
}

/** Mainland China regions are cn-*, except Hong Kong, which is outside the mainland. */
export function isMainlandRegion(region: string): boolean {
    return region.startsWith("cn-") && region !== "cn-hongkong";
}

/** The keys a stack may set under the project's namespace. */
export const CONFIG_KEYS: readonly (keyof StackConfig)[] = [
    "role", "region", "zones", "vpcCidr", "vswitchCidrs", "publicDomain", "originDomain", "instanceType",
    "systemDiskSize", "systemDiskCategory", "adminCidrs", "usStack", "crossBorderBandwidthMbps",
];

/**
 * Validates a stack's raw config. `raw` holds the keys of the project's namespace without the prefix.
 * Throws a ConfigError listing every issue; returns only a config that every later step can trust.
 */
export function parseStackConfig(raw: RawConfig, stackName: string): StackConfig {
    const r = new Reader(raw);
    for (const key of Object.keys(raw)) {
        if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
            r.fail(key, raw[key], `a key the program knows (${CONFIG_KEYS.join(", ")}); check its spelling`);
        }
    }

    const roleText = raw.role ? raw.role : stackName;
    const role = roleText === "cn" || roleText === "us" ? roleText
        : r.fail("role", raw.role, `"cn" or "us" (when empty, the stack name "${stackName}" must be one of them)`);

    const region = r.string("region", role === "us" ? "a region outside mainland China, such as us-east-1"
        : "a mainland China region, such as cn-shanghai",
        (v) => isRegionId(v) && (role === undefined || isMainlandRegion(v) === (role === "cn")));

    const zones = r.list("zones", `two or more distinct zones of ${region ?? "the region"}, such as ${region ?? "cn-shanghai"}-l`);
    if (zones && region && (zones.length < 2 || new Set(zones).size !== zones.length
        || zones.some((z) => !z.startsWith(region) || z.length === region.length))) {
        r.fail("zones", JSON.stringify(zones), `two or more distinct zones of ${region}, such as ${region}${region.endsWith("-1") ? "a" : "-l"}`);
    }

    const vpc = cidr(r, "vpcCidr", raw.vpcCidr, "an IPv4 range from /8 to /24 such as 10.10.0.0/16", 8, 24);
    const vswitchTexts = r.list("vswitchCidrs", "one IPv4 range per zone inside vpcCidr, such as 10.10.1.0/24");
    if (vswitchTexts && zones && vswitchTexts.length !== zones.length) {
        r.fail("vswitchCidrs", JSON.stringify(vswitchTexts), `one range per zone (${zones.length} zones, ${vswitchTexts.length} ranges)`);
    }
    const vswitches: Ipv4Range[] = [];
    for (const text of vswitchTexts ?? []) {
        const range = cidr(r, "vswitchCidrs", text, "IPv4 ranges from /16 to /29 such as 10.10.1.0/24", 16, 29);
        if (!range) {
            continue;
        }
        if (vpc && !contains(vpc, range)) {
            r.fail("vswitchCidrs", text, `ranges inside vpcCidr ${vpc.text}`);
        }
        const clash = vswitches.find((other) => overlaps(other, range));
        if (clash) {
            r.fail("vswitchCidrs", text, `ranges that do not overlap each other (${text} overlaps ${clash.text})`);
        }
        vswitches.push(range);
    }

    const publicDomain = r.string("publicDomain", "a host name such as example.cn (lower case)", isHostName);
    const originDomain = r.string("originDomain", "a host name such as example.com (lower case)", isHostName);
    if (publicDomain && publicDomain === originDomain) {
        r.fail("publicDomain", publicDomain, `a name other than originDomain ${originDomain}: the proxy converts one into the other`);
    }

    const instanceType = r.string("instanceType",
        `an ECS type such as ecs.g8i.large, not of a burstable or shared family (${FORBIDDEN_FAMILIES.join(", ")})`,
        (v) => { const family = instanceFamily(v); return family !== undefined && !FORBIDDEN_FAMILIES.includes(family); });
    const systemDiskSize = r.integer("systemDiskSize", MIN_DISK_GB, MAX_SYSTEM_DISK_GB, "GB");
    const systemDiskCategory = r.string("systemDiskCategory", `one of ${SYSTEM_DISK_CATEGORIES.join(", ")}`,
        (v) => SYSTEM_DISK_CATEGORIES.includes(v));

    const adminCidrs = r.list("adminCidrs", "IPv4 ranges allowed to reach SSH, never 0.0.0.0/0 or ::/0 (empty: no SSH)");
    for (const text of adminCidrs ?? []) {
        const prefix = anyCidrPrefix(text);
        if (prefix === 0) {
            r.fail("adminCidrs", text, "ranges narrower than the whole internet: SSH is never opened to 0.0.0.0/0 or ::/0");
        } else if (!parseIpv4Cidr(text)) {
            r.fail("adminCidrs", text, `IPv4 ranges such as 203.0.113.0/24${alignedNetwork(text) ? ` (did you mean ${alignedNetwork(text)}?)` : ""}`);
        }
    }

    const usStack = r.string("usStack", "the us stack's name, such as organization/china-edge/us", (v) => /^[\w.-]+(\/[\w.-]+){0,2}$/.test(v));
    const crossBorderBandwidthMbps = r.integer("crossBorderBandwidthMbps", 1, 10000, "Mbps");

    if (r.issues.length > 0) {
        throw new ConfigError(r.issues);
    }
    return {
        role: role!, region: region!, zones: zones!, vpcCidr: vpc!.text, vswitchCidrs: vswitchTexts!,
        publicDomain: publicDomain!, originDomain: originDomain!, instanceType: instanceType!,
        systemDiskSize: systemDiskSize!, systemDiskCategory: systemDiskCategory!, adminCidrs: adminCidrs!,
        usStack: usStack!, crossBorderBandwidthMbps: crossBorderBandwidthMbps!,
    };
}

function cidr(r: Reader, key: string, text: string | undefined, accepted: string, minPrefix: number, maxPrefix: number): Ipv4Range | undefined {
    const range = text === undefined ? undefined : parseIpv4Cidr(text);
    if (range && range.prefix >= minPrefix && range.prefix <= maxPrefix) {
        return range;
    }
    const aligned = text === undefined ? undefined : alignedNetwork(text);
    return r.fail(key, text, aligned && aligned !== text ? `${accepted} (did you mean ${aligned}?)` : accepted);
}

/** CEN cannot route between overlapping ranges: the cn VPC must not overlap the us VPC it reads by reference. */
export function checkPeerVpcCidr(config: StackConfig, peerVpcCidr: string): void {
    const mine = parseIpv4Cidr(config.vpcCidr)!;
    const peer = parseIpv4Cidr(peerVpcCidr);
    if (peer && overlaps(mine, peer)) {
        throw new ConfigError([{
            key: "vpcCidr", value: config.vpcCidr,
            accepted: `a range that does not overlap the ${config.usStack} VPC ${peerVpcCidr} (CEN cannot route overlapping ranges)`,
        }]);
    }
}
