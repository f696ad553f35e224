// Every config key of the project, declared once, grouped by concern: its type, default, description, what it
// accepts, the stacks that read it, and how one value is checked on its own. Checks that need several keys or the
// other stack are in checks.ts. Pulumi.yaml's `config:` block and the README's table are written from this table
// (`npm run config:docs`); a test fails when either drifts.
import { alignedNetwork, anyCidrPrefix, parseIpv4Cidr } from "china-edge-policy/kernel/cidr";
import { isHostName, parsePairText } from "china-edge-policy/kernel/hosts";
import { parseTreatmentOverride } from "../../components/thirdParty/hosts";
import { FORBIDDEN_FAMILIES, MIN_DISK_GB, instanceFamily } from "china-edge-policy/kernel/limits";
import { ACME_SERVERS, CERTIFICATE_SOURCES, RENEW_DAYS_BEFORE } from "../../components/render/shared/renew";
import { CERTIFICATE_DAYS_WARNING } from "../../components/render/shared/alertRules";
import { Field, flag, list, listOf, numberIn, oneOf, optionalText, text, whole } from "./fields";

export const SYSTEM_DISK_CATEGORIES = ["cloud_essd", "cloud_auto", "cloud_ssd"] as const;
export const ORIGIN_EGRESS = ["eip", "nat"] as const;
export const REGISTRY_EDITIONS = ["personal", "enterprise", "none"] as const;
/** The shortest record TTL each Alibaba Cloud DNS edition accepts, seconds (86400 is the longest for all). */
export const DNS_EDITION_MIN_TTL = { free: 600, basic: 120, standard: 60, ultimate: 10 } as const;
export const DNS_MAX_TTL = 86_400;
export const DCDN_SCOPES = ["domestic", "overseas", "global"] as const;
export const MAX_REPLICAS = 10;
/** The most proxies a scaling group may grow to (ESS takes up to 2000; the stack's zones and the NLB carry this many). */
export const MAX_SCALING_REPLICAS = 100;

const ICP_NUMBER = /^[\u4e00-\u9fa5]ICP备\d{6,10}号(-\d{1,3})?$/u;
const PSB_NUMBER = /^[\u4e00-\u9fa5]公网安备\s?\d{14}号$/u;
const REPOSITORY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const URL_PATH = /^\/[A-Za-z0-9._~!$&'()*+=:@%/?-]*$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const PATH_PREFIX = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

/** An ECS type of a family with steady performance (not burstable or shared), as the policy pack requires. */
function steadyType(example: string): { accepted: string; check: (v: string) => boolean } {
    return {
        accepted: `an ECS type such as ${example}, not of a burstable or shared family (${FORBIDDEN_FAMILIES.join(", ")})`,
        check: (v) => { const family = instanceFamily(v); return family !== undefined && !FORBIDDEN_FAMILIES.includes(family); },
    };
}

/** An IPv4 range from /min to /max, with the aligned network suggested when host bits are set. */
function cidrCheck(accepted: string, min: number, max: number): (v: string) => boolean | string {
    return (v) => {
        const range = parseIpv4Cidr(v);
        if (range && range.prefix >= min && range.prefix <= max) {
            return true;
        }
        const aligned = alignedNetwork(v);
        return aligned && aligned !== v ? `${accepted} (did you mean ${aligned}?)` : false;
    };
}

/** "from=to" of two lower-case host names (different ones when `distinct`), or what is accepted. */
function pairOfNames(v: string, distinct: boolean, accepted: string): { value: { from: string; to: string } } | string {
    const pair = parsePairText(v);
    return pair !== undefined && isHostName(pair.from) && isHostName(pair.to) && (!distinct || pair.from !== pair.to) ? { value: pair } : accepted;
}

/** Where the edges end clients' TLS: here, or at the origin proxies (passthrough). */
export const EDGE_MODES = ["terminate", "passthrough"] as const;
export type EdgeMode = (typeof EDGE_MODES)[number];

export const KEYS = {
    stack: {
        role: text("role", {
            default: "", description: "Which program the stack runs, cn or us; empty takes the stack name.",
            accepted: "`cn` or `us`; empty: the stack name",
        }),
        usStack: text("usStack", {
            stacks: ["cn"], default: "organization/china-edge/us",
            description: "Fully qualified name of the us stack, read through a StackReference.",
            accepted: "the us stack's name, such as organization/china-edge/us", check: (v) => /^[\w.-]+(\/[\w.-]+){0,2}$/.test(v),
        }),
    },
    network: {
        region: text("region", {
            description: "Alibaba Cloud region of the stack (cn-shanghai for cn, us-east-1 for us).",
            accepted: "a mainland China region (cn-shanghai) for cn, a region outside mainland China (us-east-1) for us",
            check: (v) => /^[a-z]{2}(-[a-z]+)+(-\d+)?$/.test(v),
        }),
        zones: list("zones", {
            description: "Two or more distinct zones of the region, one vSwitch each (transit-router capable).",
            accepted: "two or more distinct zones of the region (transit-router capable: Shanghai B, C, E, F, G, L, M, N)",
            example: "two or more distinct zones of the region, such as cn-shanghai-l",
        }),
        vpcCidr: text("vpcCidr", {
            description: "IPv4 range of the stack's VPC; must not overlap the other stack's.",
            accepted: "an IPv4 range from /8 to /24 such as 10.10.0.0/16; the two stacks' ranges must not overlap (CEN cannot route overlapping ranges)",
            check: cidrCheck("an IPv4 range from /8 to /24 such as 10.10.0.0/16", 8, 24),
        }),
        vswitchCidrs: listOf("vswitchCidrs", {
            description: "One vSwitch range per zone, in the order of zones, inside vpcCidr.",
            accepted: "one /16–/29 range per zone, inside vpcCidr, not overlapping each other",
            example: "one IPv4 range per zone inside vpcCidr, such as 10.10.1.0/24",
            item: (v) => {
                const accepted = "IPv4 ranges from /16 to /29 such as 10.10.1.0/24";
                const verdict = cidrCheck(accepted, 16, 29)(v);
                const range = parseIpv4Cidr(v);
                return verdict === true && range ? { value: range } : typeof verdict === "string" ? verdict : accepted;
            },
        }),
        adminCidrs: list("adminCidrs", {
            default: [], description: "IPv4 ranges allowed to reach SSH on the proxies; empty opens no SSH at all.",
            accepted: "IPv4 ranges allowed to SSH; empty creates no SSH rule; never 0.0.0.0/0 or ::/0",
            example: "IPv4 ranges allowed to reach SSH, never 0.0.0.0/0 or ::/0 (empty: no SSH)",
            item: (v) => anyCidrPrefix(v) === 0 ? "ranges narrower than the whole internet: SSH is never opened to 0.0.0.0/0 or ::/0"
                : parseIpv4Cidr(v) ? undefined : `IPv4 ranges such as 203.0.113.0/24${alignedNetwork(v) ? ` (did you mean ${alignedNetwork(v)}?)` : ""}`,
        }),
        edgeVpcCidr: optionalText("edgeVpcCidr", {
            stacks: ["us"],
            description: "The cn stack's VPC range, the only source allowed to reach the origin proxies (and to send PROXY protocol).",
            accepted: "the cn stack's VPC range, such as 10.10.0.0/16: the only source of 443/80 on the origin proxies and of trusted PROXY headers",
            check: (v) => { const r = parseIpv4Cidr(v); return r !== undefined && r.prefix >= 8 && r.prefix <= 24; },
        }),
        crossBorderBandwidthMbps: whole("crossBorderBandwidthMbps", {
            stacks: ["cn"], default: 100, min: 1, max: 10000, unit: "Mbps",
            description: "Bandwidth cap of the Shanghai to US East peer attachment, Mbps (pay by data transfer).",
            accepted: "1–10000 Mbps: the peer attachment's cap, paid by data transfer",
        }),
    },
    site: {
        publicDomain: text("publicDomain", {
            description: "The ICP-filed name users in mainland China reach, e.g. example.cn.",
            accepted: "the ICP-filed host name (example.cn), different from originDomain", check: isHostName,
        }),
        originDomain: text("originDomain", {
            description: "The existing service's name, e.g. example.com.",
            accepted: "the existing service's host name (example.com)", check: isHostName,
        }),
        hosts: listOf("hosts", {
            default: [], description: "Further served names as \"origin=public\" pairs (www.example.com=www.example.cn), converted both ways; any number (200 are tested); with certificates acme, beyond 100 names the siblings under publicDomain share a wildcard.",
            accepted: "further served names as `\"origin=public\"`, e.g. `www.example.com=www.example.cn`; each name once; any number, " +
                "but with certificates acme one certificate holds 100 names once siblings under publicDomain share a wildcard",
            example: "\"origin=public\" pairs such as \"www.example.com=www.example.cn\"",
            item: (v) => pairOfNames(v, false, "an \"origin=public\" pair of lower-case host names such as \"www.example.com=www.example.cn\""),
        }),
        thirdParty: listOf("thirdParty", {
            default: [],
            description: "Changes to how third-party hosts China blocks are treated, as \"HOST=relay|drop|keep|mirror=MIRROR\"; the table in components/thirdParty/hosts.ts is the default.",
            accepted: "`\"HOST=TREATMENT\"`, TREATMENT one of `relay` (the origin proxies fetch it, served under the public name at /_ext/HOST/), " +
                "`mirror=MIRROR` (references point at MIRROR), `drop` (references answered empty at once) or `keep`; " +
                "a host of the table changes treatment, another is added (`www.youtube.com=drop`, `cdn.vendor.com=relay`)",
            example: "\"HOST=TREATMENT\" items such as \"cdn.vendor.com=relay\" or \"www.youtube.com=drop\"",
            item: (v) => {
                const o = parseTreatmentOverride(v);
                return o && isHostName(o.host) && (o.mirror === undefined || (isHostName(o.mirror) && o.mirror !== o.host)) ? { value: o }
                    : "\"HOST=TREATMENT\" with a lower-case host name and TREATMENT one of relay, drop, keep or mirror=MIRROR (another host name), such as \"cdn.vendor.com=relay\"";
            },
        }),
    },
    proxy: {
        instanceType: text("instanceType", {
            default: "ecs.g8i.large", description: "ECS type of the proxies; burstable and shared families are refused.",
            ...steadyType("ecs.g8i.large"),
        }),
        systemDiskSize: whole("systemDiskSize", {
            default: 100, min: MIN_DISK_GB, max: 500, unit: "GB", description: "System disk of the proxies in GB (100 to 500).",
        }),
        systemDiskCategory: oneOf("systemDiskCategory", SYSTEM_DISK_CATEGORIES, {
            default: "cloud_essd", description: "System disk category (cloud_essd, cloud_auto or cloud_ssd; g8i has no cloud_efficiency).",
            accepted: `one of ${SYSTEM_DISK_CATEGORIES.join(", ")} (g8i has no cloud_efficiency)`,
        }),
        replicas: whole("replicas", {
            default: 1, min: 1, max: MAX_REPLICAS, unit: "proxies",
            description: "Proxies of the stack (edges in cn, origin proxies in us), spread over the zones; more than one edge puts an NLB in front. With maxReplicas, left at 1.",
            accepted: `1–${MAX_REPLICAS} proxies (edges in cn, origin proxies in us), round-robin over the zones; more than one edge puts an NLB in front`,
        }),
        maxReplicas: whole("maxReplicas", {
            default: 0, min: 0, max: MAX_SCALING_REPLICAS, unit: "proxies",
            description: "0: the fixed replicas; otherwise the stack's proxies (edges in cn, origin proxies in us) are an Auto Scaling group of minReplicas to maxReplicas behind an NLB (in us an internal one, at fixed addresses the edges reach), tracking scalingCpuPercent.",
            accepted: `0 (the fixed \`replicas\`) or 1–${MAX_SCALING_REPLICAS}: the proxies' Auto Scaling group grows up to this many, behind an NLB`,
        }),
        minReplicas: whole("minReplicas", {
            default: 0, min: 0, max: MAX_SCALING_REPLICAS, unit: "proxies",
            description: "With maxReplicas: the fewest proxies the Auto Scaling group keeps (1 or more).",
            accepted: `with \`maxReplicas\`, 1–${MAX_SCALING_REPLICAS} proxies, at most maxReplicas: the fewest the group keeps`,
        }),
        scalingCpuPercent: whole("scalingCpuPercent", {
            default: 60, min: 20, max: 90, unit: "%",
            description: "With maxReplicas: the proxies' average CPU the group's target-tracking rule keeps them at (20 to 90 %).",
            accepted: "20–90 %: the proxies' average CPU (CloudMonitor's CpuUtilization) the group adds or removes proxies to stay at",
        }),
        onDemandBase: whole("onDemandBase", {
            default: 1, min: 0, max: MAX_SCALING_REPLICAS, unit: "proxies",
            description: "With maxReplicas: the proxies always pay-as-you-go, never spot; spotPercent applies above them.",
            accepted: `with \`maxReplicas\`, 0–${MAX_SCALING_REPLICAS} proxies always pay-as-you-go (at most maxReplicas; 1 or more with spotPercent)`,
        }),
        spotPercent: whole("spotPercent", {
            default: 0, min: 0, max: 100, unit: "%",
            description: "With maxReplicas: the share of the proxies above onDemandBase that are spot instances (cheaper, reclaimable with a notice).",
            accepted: "0–100 %: of the proxies above `onDemandBase`, the share that are spot instances (SpotAsPriceGo); 0: none",
        }),
        originEgress: oneOf("originEgress", ORIGIN_EGRESS, {
            stacks: ["us"], default: "eip", description: "How the origin proxies reach the existing service, eip (one per proxy) or nat (a NAT gateway; with maxReplicas, the only choice).",
            accepted: "`eip` (one per origin proxy) or `nat` (one enhanced NAT gateway with an EIP)",
        }),
        edgeTls: oneOf("edgeTls", EDGE_MODES, {
            stacks: ["cn"], default: "terminate",
            description: "Where client TLS ends: terminate (at the edge: one round trip to the first byte, the public names' certificate in Shanghai) or passthrough (at the origin proxies, no key in Shanghai).",
            accepted: "`terminate`: TLS ends at the edge (its certificate as `certificates` says), which keeps warm mutually-authenticated connections across the border; `passthrough`: TLS passes to the origin proxies, no key in Shanghai",
        }),
        httpRedirect: flag("httpRedirect", {
            stacks: ["cn"], default: true, description: "The edge answers plain HTTP on 80 with a redirect to https and passes ACME challenges.",
            accepted: "the edge answers port 80: ACME challenges go through, everything else gets a 301 to https",
        }),
        edgeBandwidthMbps: whole("edgeBandwidthMbps", {
            stacks: ["cn"], default: 100, min: 1, max: 200, unit: "Mbps",
            description: "Bandwidth cap of each edge's EIP in Mbps (pay by traffic, 1 to 200).",
            accepted: "1–200 Mbps: the single edge's EIP cap (pay by traffic)",
        }),
        postDeployCheck: flag("postDeployCheck", {
            stacks: ["cn"], default: true,
            description: "After an update that changes the edge or the origin proxies, check with curl from where pulumi runs that the public name answers through the edge.",
            accepted: "after an update that changes the edges or the origin proxies, check the chain from where Pulumi runs",
        }),
    },
    tls: {
        tlsCertificate: optionalText("tlsCertificate", {
            description: "PEM certificate chain covering every public name (with certificates provided): on us the origin proxies', on cn the terminating edge's and DCDN's; empty: as certificates says.",
            accepted: "PEM chain covering every public name, with `certificates: provided`: on us the origin proxies' (passthrough), on cn the terminating edge's and DCDN's; empty: as `certificates` says",
        }),
        tlsPrivateKey: optionalText("tlsPrivateKey", {
            secret: true, description: "PEM private key of the certificate; must be set as a secret (pulumi config set --secret).",
            accepted: "its PEM key, set as a secret: `pulumi config set -s us --secret tlsPrivateKey < key.pem`",
        }),
        certificates: oneOf("certificates", CERTIFICATE_SOURCES, {
            default: "acme",
            description: "Where the public names' certificate comes from, where TLS ends for clients: on cn the terminating edges' (edgeTls terminate), on us the origin proxies' (what clients meet with edgeTls passthrough). acme (ordered and renewed on the first host, DNS-01 through Alibaba Cloud DNS, copied by the others; with maxReplicas, by whichever edge finds it due, kept in the group's bucket), provided (tlsCertificate) or self-signed.",
            accepted: "`acme` (from acmeServer, ordered and renewed on the first host, copied by the others, or with maxReplicas kept in the edges' bucket; needs acmeEmail), `provided` (tlsCertificate and tlsPrivateKey) or `self-signed` (browsers refuse it)",
        }),
        acmeEmail: optionalText("acmeEmail", {
            description: "E-mail address of the ACME account (the CA's expiry notices); needed with certificates acme.",
            accepted: "an e-mail address for the ACME account, such as ops@example.cn",
            check: (v) => EMAIL.test(v),
        }),
        acmeServer: text("acmeServer", {
            default: "letsencrypt",
            description: "The ACME CA: letsencrypt, letsencrypt-staging (try it first: untrusted certificates, generous limits) or a directory URL.",
            accepted: "`letsencrypt`, `letsencrypt-staging` or an ACME directory URL (https://…)",
            check: (v) => v in ACME_SERVERS || /^https:\/\/[^\s/]+\/\S*$/.test(v),
        }),
    },
    filing: {
        icpNumber: optionalText("icpNumber", {
            stacks: ["us"], description: "ICP filing number shown, linked to MIIT, at the foot of every HTML page; empty for none.",
            accepted: "an ICP filing number such as 沪ICP备12345678号 or 沪ICP备12345678号-1, shown at the foot of every HTML page, linked to beian.miit.gov.cn",
            check: (v) => ICP_NUMBER.test(v),
        }),
        psbNumber: optionalText("psbNumber", {
            stacks: ["us"], description: "Public-security filing number shown beside the ICP number; empty for none.",
            accepted: "a public-security filing number such as 沪公网安备31010402000001号, shown beside the ICP number (needs icpNumber)",
            check: (v) => PSB_NUMBER.test(v),
        }),
    },
    registry: {
        registryEdition: oneOf("registryEdition", REGISTRY_EDITIONS, {
            default: "personal", description: "Container registry of the stack's region, pulled over the VPC; personal (free), enterprise (paid instance with a VPC link) or none.",
            accepted: "`personal` (free), `enterprise` (a paid Basic instance with a VPC link) or `none`: the registry of the stack's region",
        }),
        registryRepositories: list("registryRepositories", {
            default: [], description: "Repositories made in the registry's namespace, e.g. [web, worker].",
            accepted: "repository names (2–64 lower-case letters and digits joined by `.` `_` `-`), each once",
            example: "repository names such as \"web\"",
            item: (v, all) => v.length < 2 || v.length > 64 || !REPOSITORY_NAME.test(v)
                ? "repository names of 2 to 64 lower-case letters and digits, joined by . _ or -"
                : all.indexOf(v) !== all.lastIndexOf(v) ? "each repository once" : undefined,
        }),
        registryPersonalInstanceId: optionalText("registryPersonalInstanceId", {
            description: "The region's Personal Edition instance (crpi-…, made once in the console): the namespace is made inside it and pulled from its own VPC endpoint. Empty uses the account's default instance (registry-vpc.<region>.aliyuncs.com).",
            accepted: "the region's Personal Edition instance ID from the console (`crpi-…`): the namespace is made inside it, pulled from its own VPC endpoint; only with `personal`; empty: the account's default instance through the legacy API",
            check: (v) => /^crpi-[a-z0-9]+$/.test(v),
        }),
    },
    dns: {
        dns: flag("dns", {
            stacks: ["cn"], default: true, description: "Records for the public names in Alibaba Cloud DNS, pointing at DCDN when it is on, else at the edge.",
            accepted: "records for the public names in Alibaba Cloud DNS",
        }),
        dnsManageDomain: flag("dnsManageDomain", {
            stacks: ["cn"], default: false, description: "Also add the public domain itself to Alibaba Cloud DNS (then set its name servers at the registrar).",
            accepted: "also add the public domain itself to Alibaba Cloud DNS (then set the output `dnsNameServers` at the registrar)",
        }),
        dnsEdition: oneOf("dnsEdition", Object.keys(DNS_EDITION_MIN_TTL) as (keyof typeof DNS_EDITION_MIN_TTL)[], {
            stacks: ["cn"], default: "free", description: "Alibaba Cloud DNS edition of the domains (free, basic, standard or ultimate); sets the shortest TTL accepted.",
            accepted: "`free`, `basic`, `standard`, `ultimate`: the DNS edition, which sets the shortest TTL (600, 120, 60, 10 s)",
        }),
        dnsTtl: whole("dnsTtl", {
            stacks: ["cn"], default: 0, min: 0, max: DNS_MAX_TTL, unit: "seconds",
            description: "TTL of the records in seconds, up to 86400; 0 takes the edition's shortest (free 600, basic 120, standard 60, ultimate 10).",
            accepted: "the records' TTL, from the edition's shortest to 86400 s; `0` takes the shortest",
        }),
        oldDomainDns: flag("oldDomainDns", {
            stacks: ["cn"], default: false, description: "The old domain is on Alibaba Cloud DNS too; each old name gets a record on the mainland line (internal) to the redirector, its live default-line records left as they are.",
            accepted: "the old domain is on Alibaba Cloud DNS too: each old name gets a record on the line `internal` (mainland) to the redirector; its live `default` records are never touched; needs `redirector` and `redirectorTlsCertificate` (see the deploy checklist)",
        }),
        originTarget: optionalText("originTarget", {
            stacks: ["cn"], description: "The existing service's address or host name; the redirector passes visitors it does not redirect to it. Empty passes them to the old name itself, resolved from Hong Kong.",
            accepted: "the existing service's IPv4 address or host name, such as 203.0.113.10 or lb-1.elb.example.net, never an old name itself; the redirector passes visitors to it (empty: to the old name, resolved from Hong Kong, outside the mainland line)",
            check: (v) => isHostName(v) || parseIpv4Cidr(`${v}/32`) !== undefined,
        }),
    },
    dcdn: {
        dcdn: flag("dcdn", {
            stacks: ["cn"], default: true, description: "Accelerate the public names with DCDN (needs the ICP filing and DCDN activated); static paths cached, the rest dynamic to the edge on 443. DCDN serves the edges' ACME certificate (handed over by the edge that renews it) or the provided one.",
            accepted: "DCDN in front of the edge (needs the ICP filing and DCDN activated, and certificates acme with edgeTls terminate, or provided)",
        }),
        dcdnWebsocket: flag("dcdnWebsocket", {
            stacks: ["cn"], default: true,
            description: "WebSockets through DCDN: the account's WebSocket switch and each public name's (billed apart; HTTP/2 stays off on those names; DCDN's heartbeat is 60 s).",
            accepted: "WebSockets through DCDN: the account's WebSocket function and each public name's, billed apart, no HTTP/2 on those names at DCDN, 60 s heartbeat; `false` for a site without WebSockets",
        }),
        dcdnScope: oneOf("dcdnScope", DCDN_SCOPES, {
            stacks: ["cn"], default: "domestic", description: "Where DCDN serves from, domestic, overseas or global.",
            accepted: "`domestic`, `overseas` or `global`",
        }),
        dcdnStaticPaths: list("dcdnStaticPaths", {
            stacks: ["cn"], default: ["/static/*", "/assets/*"], description: "Paths DCDN caches (wildcards * and ?); everything else is dynamic.",
            accepted: "paths DCDN caches (`*` and `?` wildcards); the rest is dynamic",
            example: "paths such as \"/static/*\"",
            item: (v) => URL_PATH.test(v) && !v.includes(",") ? undefined : "paths that start with / (wildcards * and ?), without spaces or commas",
        }),
        dcdnStaticTypes: list("dcdnStaticTypes", {
            stacks: ["cn"], default: ["js", "css", "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "woff", "woff2"],
            description: "File extensions DCDN caches.",
            accepted: "file extensions DCDN caches, one day unless the existing service says otherwise",
            example: "file extensions such as \"js\"",
            item: (v) => /^[a-z0-9]{1,10}$/.test(v.replace(/^\./, "")) ? undefined : "file extensions of lower-case letters and digits, such as js or woff2",
        }),
    },
    redirector: {
        redirector: flag("redirector", {
            stacks: ["cn"], default: true,
            description: "A small server in cn-hongkong answering the old names with a redirect to the public names for visitors from mainland China (GeoIP2), passing everyone else through.",
            accepted: "the redirector of the old names in `cn-hongkong`",
        }),
        redirectorZone: text("redirectorZone", {
            stacks: ["cn"], default: "cn-hongkong-b", description: "Zone of the redirector in cn-hongkong.",
            accepted: "a zone of cn-hongkong, such as cn-hongkong-b", check: (v) => /^cn-hongkong-[a-z]$/.test(v),
        }),
        redirectorInstanceType: text("redirectorInstanceType", {
            stacks: ["cn"], default: "ecs.c8i.large", description: "ECS type of the redirector; burstable and shared families are refused.",
            ...steadyType("ecs.c8i.large"),
        }),
        redirectorTlsCertificate: optionalText("redirectorTlsCertificate", {
            stacks: ["cn"], description: "PEM certificate chain covering the old names (the existing service's); empty makes the redirector self-sign at first boot.",
            accepted: "PEM chain covering every old name (the existing service's certificate); empty: self-signed at first boot, fine to try, refused by browsers",
        }),
        redirectorTlsPrivateKey: optionalText("redirectorTlsPrivateKey", {
            stacks: ["cn"], secret: true, description: "PEM private key of the redirector's certificate; must be set as a secret.",
            accepted: "its PEM key, as a secret",
        }),
        redirectorStatus: numberIn("redirectorStatus", [301, 302] as const, {
            stacks: ["cn"], default: 301, description: "Status of the redirect, 301 (browsers cache it for good) or 302 (while trying it out).",
            accepted: "301 (permanent, cached by browsers) or 302 (while trying it out)",
        }),
        redirectorExemptPaths: list("redirectorExemptPaths", {
            stacks: ["cn"], default: ["/api/", "/ws", "/.well-known/"],
            description: "Path prefixes never redirected (APIs, WebSockets, webhooks, ACME); passed through to the existing service.",
            accepted: "path prefixes never redirected (APIs, WebSockets, webhooks, ACME)",
            example: "path prefixes such as \"/api/\"",
            item: (v) => PATH_PREFIX.test(v) ? undefined : "path prefixes that start with / and hold no spaces, quotes or braces",
        }),
    },
    monitoring: {
        monitoring: flag("monitoring", {
            default: true,
            description: "CloudMonitor for the stack: alarms on its saturation points (and, on cn, HTTPS probes of the public and old names from mainland carriers), notifying alarmEmails and alarmDingTalkWebhook.",
            accepted: "CloudMonitor alarms for the stack's saturation points and, on cn, probes from mainland carriers; `false` makes none",
        }),
        alarmEmails: list("alarmEmails", {
            default: [], description: "E-mail addresses told of the stack's alarms (CloudMonitor asks each to confirm once).",
            accepted: "e-mail addresses told of the alarms, each once (CloudMonitor sends each a confirmation link)",
            example: "e-mail addresses such as \"ops@example.cn\"",
            item: (v, all) => !EMAIL.test(v) ? "e-mail addresses such as ops@example.cn"
                : all.indexOf(v) !== all.lastIndexOf(v) ? "each address once" : undefined,
        }),
        alarmDingTalkWebhook: optionalText("alarmDingTalkWebhook", {
            secret: true, description: "A DingTalk robot's webhook URL told of the stack's alarms; must be set as a secret (its access token).",
            accepted: "a DingTalk robot's webhook, https://oapi.dingtalk.com/robot/send?access_token=…, as a secret",
            check: (v) => /^https:\/\/oapi\.dingtalk\.com\/robot\/send\?access_token=[A-Za-z0-9]+$/.test(v),
        }),
        probePoints: listOf("probePoints", {
            stacks: ["cn"], default: [],
            description: "Mainland detection points of the probes as \"isp:city\" CloudMonitor ids (`aliyun cms DescribeSiteMonitorISPCityList`); empty lets CloudMonitor choose three.",
            accepted: "detection points as `\"isp:city\"` ids from DescribeSiteMonitorISPCityList, one per carrier you care for (China Telecom, China Unicom, China Mobile); empty: three chosen by CloudMonitor",
            example: "\"isp:city\" ids such as \"232:546\"",
            item: (v, all) => {
                const m = /^(\d{1,6}):(\d{1,6})$/.exec(v);
                return !m ? "\"isp:city\" pairs of CloudMonitor ids such as \"232:546\""
                    : all.indexOf(v) !== all.lastIndexOf(v) ? "each point once" : { value: { isp: m[1], city: m[2] } };
            },
        }),
        probeIntervalMinutes: numberIn("probeIntervalMinutes", [1, 5, 15, 30, 60] as const, {
            stacks: ["cn"], default: 1, description: "Minutes between two rounds of probes (1, 5, 15, 30 or 60).",
            accepted: "1, 5, 15, 30 or 60 minutes between two rounds of probes",
        }),
        alarmProbeAvailabilityPercent: whole("alarmProbeAvailabilityPercent", {
            stacks: ["cn"], default: 90, min: 1, max: 100, unit: "%",
            description: "Alarm when fewer than this share of the mainland probes reach a name, twice in a row.",
        }),
        alarmProbeResponseMs: whole("alarmProbeResponseMs", {
            stacks: ["cn"], default: 3000, min: 100, max: 60000, unit: "ms",
            description: "Alarm when the mainland probes' response time stays above this, twice in a row.",
        }),
        alarmCpuPercent: whole("alarmCpuPercent", {
            default: 80, min: 1, max: 100, unit: "%", description: "Alarm when a proxy's CPU stays above this for three minutes.",
        }),
        alarmMemoryPercent: whole("alarmMemoryPercent", {
            default: 85, min: 1, max: 100, unit: "%", description: "Alarm when a proxy's memory stays above this for three minutes.",
        }),
        alarmBandwidthPercent: whole("alarmBandwidthPercent", {
            default: 80, min: 1, max: 100, unit: "%",
            description: "Alarm when an EIP or either direction of the cross-border link stays above this share of its cap for three minutes.",
        }),
        alarmOriginErrorPercent: whole("alarmOriginErrorPercent", {
            default: 5, min: 1, max: 100, unit: "%",
            description: "Prometheus alert when more than this share of an origin proxy's answers at an edge are 5xx for five minutes.",
        }),
        alarmCertificateDays: whole("alarmCertificateDays", {
            default: CERTIFICATE_DAYS_WARNING, min: 1, max: RENEW_DAYS_BEFORE - 1, unit: "days",
            description: `Prometheus alert, and a problem for \`npm run status\`, when a served certificate has fewer days left than this (the renewer renews ${RENEW_DAYS_BEFORE} days ahead).`,
        }),
        alarmDcdnErrorPercent: whole("alarmDcdnErrorPercent", {
            stacks: ["cn"], default: 5, min: 1, max: 100, unit: "%",
            description: "With DCDN on, `npm run status` counts it a problem when more than this share of DCDN's answers for a public name were 5xx in the latest 15 minutes.",
        }),
    },
    logs: {
        logService: flag("logService", {
            default: false,
            description: "Ship the proxies' JSON access logs to Simple Log Service: a project and logstore per stack, Logtail installed on each running host by Cloud Assistant (no instance is replaced).",
            accepted: "the proxies' access logs shipped to Simple Log Service; `false` ships none",
        }),
        logRetentionDays: whole("logRetentionDays", {
            default: 30, min: 1, max: 3650, unit: "days", description: "Days Simple Log Service keeps the access logs (logService on).",
        }),
    },
    geoip: {
        geoipDatabase: text("geoipDatabase", {
            stacks: ["cn"], default: "/var/lib/GeoIP/GeoLite2-Country.mmdb", description: "Where the redirector keeps its GeoIP2 country database.",
            accepted: "an absolute path ending in .mmdb, such as /var/lib/GeoIP/GeoLite2-Country.mmdb",
            check: (v) => /^\/[A-Za-z0-9._/-]+\.mmdb$/.test(v) && !v.includes(".."),
        }),
        geoipRefreshHours: whole("geoipRefreshHours", {
            stacks: ["cn"], default: 24, min: 1, max: 720, unit: "hours",
            description: "How often the redirector downloads the database again, hours (1 to 720); nginx picks up the new file by itself.",
            accepted: "1–720 hours: how often the redirector downloads the database again",
        }),
        geoipAccountId: optionalText("geoipAccountId", {
            stacks: ["cn"], description: "MaxMind account ID for GeoLite2-Country; empty uses DB-IP's free country database (CC BY 4.0).",
            accepted: "the MaxMind account ID, a number, for GeoLite2-Country; empty: DB-IP's free country database (CC BY 4.0, no account)",
            check: (v) => /^\d{1,12}$/.test(v),
        }),
        geoipLicenseKey: optionalText("geoipLicenseKey", {
            stacks: ["cn"], secret: true, description: "MaxMind licence key; must be set as a secret.",
            accepted: "a MaxMind licence key (letters, digits and _), as a secret; with `geoipAccountId`",
            check: (v) => /^[A-Za-z0-9_]{6,64}$/.test(v),
        }),
    },
} as const;

type Groups = typeof KEYS;
type ValueOf<F> = F extends Field<infer T> ? T : never;

/** Every key's value, grouped as in KEYS, once each has passed its own check. */
export type KeyValues = { [G in keyof Groups]: { [F in keyof Groups[G]]: ValueOf<Groups[G][F]> } };

/** Every key, in the table's order. */
export function allFields(): Field<unknown>[] {
    return Object.values(KEYS).flatMap((group) => Object.values(group) as Field<unknown>[]);
}
