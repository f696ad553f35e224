import { MIN_DISK_GB } from "../policy/limits";
import { Ipv4Range, alignedNetwork, anyCidrPrefix, contains, overlaps, parseIpv4Cidr } from "../components/network/cidr";
import { HostPair, Mirror, parsePairText } from "../components/render/hostMap";
import { IcpFooter } from "../components/render/nginx";
import { TlsMaterial } from "./tls";
import { ConfigError, RawConfig, Reader, TLS_KEYS, isHostName, isSteadyInstanceType, steadyInstanceTypeText, tlsPair } from "./configReader";
import { SERVICE_KEYS, ServicesConfig, parseServices } from "./servicesConfig";

export { ConfigError, ConfigIssue, NAMESPACE, RawConfig, formatIssue, isHostName, projectConfig } from "./configReader";

export type Role = "cn" | "us";

export const SYSTEM_DISK_CATEGORIES = ["cloud_essd", "cloud_auto", "cloud_ssd"];
const MAX_SYSTEM_DISK_GB = 500;

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
    /** Proxies of the stack (edges in cn, origin proxies in us), spread over the zones. */
    replicas: number;
    /** Served names, the primary pair (originDomain → publicDomain) first, then the configured hosts. */
    hosts: HostPair[];
    /** Third-party hosts rewritten to reachable mirrors in bodies. */
    mirrors: Mirror[];
    /** us only: the site's certificate and key; undefined makes the origin proxies self-sign at first boot. */
    tls?: TlsMaterial;
    /** us only: how the origin proxies reach the origin. */
    originEgress: "eip" | "nat";
    /** cn only: the edge answers plain HTTP on 80 with a redirect (and passes ACME challenges). */
    httpRedirect: boolean;
    /** us only: the filing numbers shown at the foot of every HTML page; undefined for none. */
    icp?: IcpFooter;
    /** us only: the edge stack's VPC range, the only source of PROXY protocol and of 443 on the origin proxies. */
    edgeVpcCidr: string;
    /** cn only: bandwidth cap of each edge's EIP, Mbps (pay by traffic). */
    edgeBandwidthMbps: number;
    /** cn only: check the chain through the edge's public address at the end of every update that changes it. */
    postDeployCheck: boolean;
    /** The registry (both stacks); DNS, DCDN and the redirector (cn). */
    services: ServicesConfig;
}

export function isRegionId(v: string): boolean {
    return /^[a-z]{2}(-[a-z]+)+(-\d+)?$/.test(v);
}

/** Mainland China regions are cn-*, except Hong Kong, which is outside the mainland. */
export function isMainlandRegion(region: string): boolean {
    return region.startsWith("cn-") && region !== "cn-hongkong";
}

/** The keys a stack may set under the project's namespace. */
export const CONFIG_KEYS: readonly string[] = [
    "role", "region", "zones", "vpcCidr", "vswitchCidrs", "publicDomain", "originDomain", "instanceType",
    "systemDiskSize", "systemDiskCategory", "adminCidrs", "usStack", "crossBorderBandwidthMbps",
    "replicas", "hosts", "mirrors", "tlsCertificate", "tlsPrivateKey", "originEgress", "httpRedirect", "icpNumber",
    "psbNumber", "edgeVpcCidr", "edgeBandwidthMbps", "postDeployCheck", ...SERVICE_KEYS,
];

export const ORIGIN_EGRESS = ["eip", "nat"] as const;
export const MAX_REPLICAS = 10;
const ICP_NUMBER = /^[\u4e00-\u9fa5]ICP备\d{6,10}号(-\d{1,3})?$/u;
const PSB_NUMBER = /^[\u4e00-\u9fa5]公网安备\s?\d{14}号$/u;

/**
 * Validates a stack's raw config. `raw` holds the keys of the project's namespace without the prefix.
 * `secretKeys` names the keys whose values arrived as Pulumi secrets.
 * Throws a ConfigError listing every issue; returns only a config that every later step can trust.
 */
export function parseStackConfig(raw: RawConfig, stackName: string, secretKeys: string[] = []): StackConfig {
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

    const instanceType = r.string("instanceType", steadyInstanceTypeText("ecs.g8i.large"), isSteadyInstanceType);
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

    const replicas = r.integer("replicas", 1, MAX_REPLICAS, "proxies");
    const served = publicDomain && originDomain ? hostPairs(r, { origin: originDomain, public: publicDomain }) : undefined;
    const mirrors = mirrorList(r, served ?? []);
    const tls = tlsPair(r, TLS_KEYS, (served ?? []).map((h) => h.public), secretKeys, "the origin proxies then self-sign");
    const originEgress = r.oneOf("originEgress", ORIGIN_EGRESS);
    const httpRedirect = r.boolean("httpRedirect");
    const icp = icpFooter(r);
    const edgeVpc = role === "us" ? cidr(r, "edgeVpcCidr", raw.edgeVpcCidr, "the cn stack's VPC range, such as 10.10.0.0/16", 8, 24) : undefined;
    const edgeBandwidthMbps = r.integer("edgeBandwidthMbps", 1, 200, "Mbps");
    const postDeployCheck = r.boolean("postDeployCheck");
    const services = parseServices(r, served ?? [], tls, secretKeys);

    if (r.issues.length > 0) {
        throw new ConfigError(r.issues);
    }
    return {
        role: role!, region: region!, zones: zones!, vpcCidr: vpc!.text, vswitchCidrs: vswitchTexts!,
        publicDomain: publicDomain!, originDomain: originDomain!, instanceType: instanceType!,
        systemDiskSize: systemDiskSize!, systemDiskCategory: systemDiskCategory!, adminCidrs: adminCidrs!,
        usStack: usStack!, crossBorderBandwidthMbps: crossBorderBandwidthMbps!, replicas: replicas!, hosts: served!,
        mirrors, tls, originEgress: originEgress!, httpRedirect: httpRedirect!, icp, edgeVpcCidr: edgeVpc?.text ?? "",
        edgeBandwidthMbps: edgeBandwidthMbps!, postDeployCheck: postDeployCheck!, services: services!,
    };
}

/** The primary pair, then every "origin=public" entry of hosts; names on each side must be distinct. */
function hostPairs(r: Reader, primary: HostPair): HostPair[] | undefined {
    const entries = r.list("hosts", "\"origin=public\" pairs such as \"www.example.com=www.example.cn\"");
    const pairs = [primary];
    for (const text of entries ?? []) {
        const pair = parsePairText(text);
        if (!pair || !isHostName(pair.from) || !isHostName(pair.to)) {
            r.fail("hosts", text, "an \"origin=public\" pair of lower-case host names such as \"www.example.com=www.example.cn\"");
        } else if (pairs.some((p) => p.origin === pair.from || p.public === pair.to || p.public === pair.from || p.origin === pair.to)) {
            r.fail("hosts", text, "pairs whose names appear once (originDomain and publicDomain are already a pair)");
        } else {
            pairs.push({ origin: pair.from, public: pair.to });
        }
    }
    return pairs;
}

function mirrorList(r: Reader, served: HostPair[]): Mirror[] {
    const out: Mirror[] = [];
    for (const text of r.list("mirrors", "\"host=mirror\" pairs such as \"fonts.googleapis.com=fonts.loli.net\"") ?? []) {
        const pair = parsePairText(text);
        if (!pair || !isHostName(pair.from) || !isHostName(pair.to) || pair.from === pair.to) {
            r.fail("mirrors", text, "a \"host=mirror\" pair of two different lower-case host names such as \"fonts.googleapis.com=fonts.loli.net\"");
        } else if (served.some((h) => h.origin === pair.from || h.public === pair.from) || out.some((m) => m.from === pair.from)) {
            r.fail("mirrors", text, "third-party hosts, each once, that are not served names (those are converted by hosts)");
        } else {
            out.push({ from: pair.from, to: pair.to });
        }
    }
    return out;
}

function icpFooter(r: Reader): IcpFooter | undefined {
    const icpNumber = r.optional("icpNumber");
    const psbNumber = r.optional("psbNumber");
    if (icpNumber && !ICP_NUMBER.test(icpNumber)) {
        r.fail("icpNumber", icpNumber, "an ICP filing number such as 沪ICP备12345678号 or 沪ICP备12345678号-1");
    }
    if (psbNumber && !PSB_NUMBER.test(psbNumber)) {
        r.fail("psbNumber", psbNumber, "a public-security filing number such as 沪公网安备31010402000001号");
    }
    if (psbNumber && !icpNumber) {
        r.fail("psbNumber", psbNumber, "to be set together with icpNumber (the footer shows the ICP number first)");
    }
    return icpNumber ? { icpNumber, ...(psbNumber ? { psbNumber } : {}) } : undefined;
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
