// The config of the edge services: the container registry (both stacks), and in cn the public DNS records, DCDN and
// the redirector of the old domain. Defaults live in Pulumi.yaml with the other keys.
import { parseIpv4Cidr } from "../components/network/cidr";
import { HostPair } from "../components/render/hostMap";
import { Reader, TlsKeys, isHostName, isSteadyInstanceType, steadyInstanceTypeText, tlsPair } from "./configReader";
import { TlsMaterial } from "./tls";

export const REGISTRY_EDITIONS = ["personal", "enterprise", "none"] as const;
export type RegistryEdition = (typeof REGISTRY_EDITIONS)[number];

/** The smallest record TTL each Alibaba Cloud DNS edition accepts, seconds (86400 is the largest for all). */
export const DNS_EDITION_MIN_TTL = { free: 600, basic: 120, standard: 60, ultimate: 10 } as const;
export type DnsEdition = keyof typeof DNS_EDITION_MIN_TTL;
const MAX_TTL = 86_400;

export const DCDN_SCOPES = ["domestic", "overseas", "global"] as const;
export const REDIRECT_STATUSES = [301, 302] as const;

export const SERVICE_KEYS: readonly string[] = [
    "registryEdition", "registryRepositories", "registryPersonalInstanceId",
    "dns", "dnsManageDomain", "dnsEdition", "dnsTtl", "oldDomainDns", "originTarget",
    "dcdn", "dcdnScope", "dcdnStaticPaths", "dcdnStaticTypes",
    "redirector", "redirectorZone", "redirectorInstanceType", "redirectorTlsCertificate", "redirectorTlsPrivateKey",
    "redirectorStatus", "redirectorExemptPaths", "geoipDatabase", "geoipRefreshHours", "geoipAccountId", "geoipLicenseKey",
];

export interface RegistryConfig {
    /** Personal Edition (free), Enterprise Edition (a paid instance with a VPC link), or no registry. */
    edition: RegistryEdition;
    /** Repositories created in the stack's namespace. */
    repositories: string[];
    /** The region's Personal Edition instance (crpi-…), made once in the console; gives its own VPC endpoint. */
    personalInstanceId?: string;
}

export interface DnsConfig {
    /** Records for the public names in Alibaba Cloud DNS. */
    enabled: boolean;
    /** Whether the stack also adds the public domain itself to Alibaba Cloud DNS. */
    manageDomain: boolean;
    edition: DnsEdition;
    /** TTL of every record, within what the edition accepts. */
    ttl: number;
    /** The old domain is hosted on Alibaba Cloud DNS: mainland resolvers get the redirector, the rest `originTarget`. */
    oldDomain: boolean;
    /** The existing service as DNS answers it (IPv4 → A, name → CNAME); the redirector passes through to it. */
    originTarget?: string;
}

export interface DcdnConfig {
    enabled: boolean;
    scope: (typeof DCDN_SCOPES)[number];
    /** Paths cached at the edge (wildcards * and ?); everything else goes dynamic to the origin. */
    staticPaths: string[];
    /** File extensions cached at the edge, without the dot. */
    staticTypes: string[];
    /** Certificate DCDN presents for the public names; undefined: DCDN's own free certificate. */
    tls?: TlsMaterial;
}

export interface GeoipConfig {
    /** Where the GeoIP2/GeoLite2 country database lives on the redirector. */
    database: string;
    /** How often the database is downloaded again, hours. */
    refreshHours: number;
    /** MaxMind account for GeoLite2-Country; undefined: DB-IP's free country database (no account needed). */
    maxmind?: { accountId: string; licenseKey: string };
}

export interface RedirectorConfig {
    enabled: boolean;
    zone: string;
    instanceType: string;
    /** Certificate of the old names; undefined: self-signed at first boot (fine for trying, not for users). */
    tls?: TlsMaterial;
    status: (typeof REDIRECT_STATUSES)[number];
    /** Path prefixes never redirected (WebSockets, APIs, webhooks): passed through to the existing service. */
    exemptPaths: string[];
    geoip: GeoipConfig;
}

export interface ServicesConfig {
    registry: RegistryConfig;
    dns: DnsConfig;
    dcdn: DcdnConfig;
    redirector: RedirectorConfig;
}

const REDIRECTOR_TLS_KEYS: TlsKeys = { certificate: "redirectorTlsCertificate", privateKey: "redirectorTlsPrivateKey" };
const REPOSITORY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const URL_PATH = /^\/[A-Za-z0-9._~!$&'()*+=:@%/?-]*$/;

function registry(r: Reader): RegistryConfig | undefined {
    const edition = r.oneOf("registryEdition", REGISTRY_EDITIONS);
    const repositories = r.list("registryRepositories", "repository names such as \"web\"") ?? [];
    repositories.forEach((name, i) => {
        if (name.length < 2 || name.length > 64 || !REPOSITORY_NAME.test(name)) {
            r.fail("registryRepositories", name, "repository names of 2 to 64 lower-case letters and digits, joined by . _ or -");
        } else if (repositories.indexOf(name) !== i) {
            r.fail("registryRepositories", name, "each repository once");
        }
    });
    const personalInstanceId = r.optional("registryPersonalInstanceId");
    if (personalInstanceId && !/^crpi-[a-z0-9]+$/.test(personalInstanceId)) {
        r.fail("registryPersonalInstanceId", personalInstanceId, "the Personal Edition instance ID from the console, such as crpi-abc123def456");
    } else if (personalInstanceId && edition !== undefined && edition !== "personal") {
        r.fail("registryPersonalInstanceId", personalInstanceId, `to be empty unless registryEdition is personal (it is ${edition})`);
    }
    return edition ? { edition, repositories, personalInstanceId } : undefined;
}

function dns(r: Reader, servedOrigins: string[]): DnsConfig | undefined {
    const enabled = r.boolean("dns");
    const manageDomain = r.boolean("dnsManageDomain");
    const edition = r.oneOf("dnsEdition", Object.keys(DNS_EDITION_MIN_TTL) as DnsEdition[]);
    const min = edition ? DNS_EDITION_MIN_TTL[edition] : 1;
    const ttlText = r.optional("dnsTtl");
    const ttl = ttlText === "0" ? min : r.integer("dnsTtl", min, MAX_TTL, `seconds (the ${edition ?? "DNS"} edition's range; 0 takes its minimum)`);
    const oldDomain = r.boolean("oldDomainDns");
    const originTarget = r.optional("originTarget");
    if (originTarget !== undefined && !isHostName(originTarget) && !isIpv4(originTarget)) {
        r.fail("originTarget", originTarget, "the existing service's IPv4 address or host name, such as 203.0.113.10 or lb-1.elb.example.net");
    } else if (originTarget !== undefined && servedOrigins.includes(originTarget)) {
        r.fail("originTarget", originTarget, "an address or name other than the old names themselves (their records would point at themselves)");
    }
    if (oldDomain && originTarget === undefined) {
        r.fail("originTarget", undefined, "the existing service's address or name: oldDomainDns answers resolvers outside the mainland with it");
    }
    if ([enabled, manageDomain, edition, ttl, oldDomain].includes(undefined)) {
        return undefined;
    }
    return { enabled: enabled!, manageDomain: manageDomain!, edition: edition!, ttl: ttl!, oldDomain: oldDomain!, originTarget };
}

function dcdn(r: Reader, tls: TlsMaterial | undefined): DcdnConfig | undefined {
    const enabled = r.boolean("dcdn");
    const scope = r.oneOf("dcdnScope", DCDN_SCOPES);
    const staticPaths = r.list("dcdnStaticPaths", "paths such as \"/static/*\"") ?? [];
    for (const p of staticPaths) {
        if (!URL_PATH.test(p) || p.includes(",")) {
            r.fail("dcdnStaticPaths", p, "paths that start with / (wildcards * and ?), without spaces or commas");
        }
    }
    const staticTypes = (r.list("dcdnStaticTypes", "file extensions such as \"js\"") ?? []).map((t) => t.replace(/^\./, ""));
    for (const t of staticTypes) {
        if (!/^[a-z0-9]{1,10}$/.test(t)) {
            r.fail("dcdnStaticTypes", t, "file extensions of lower-case letters and digits, such as js or woff2");
        }
    }
    if (enabled === undefined || scope === undefined) {
        return undefined;
    }
    return { enabled, scope, staticPaths, staticTypes, tls };
}

function geoip(r: Reader, secretKeys: string[]): GeoipConfig | undefined {
    const database = r.string("geoipDatabase", "an absolute path ending in .mmdb, such as /var/lib/GeoIP/GeoLite2-Country.mmdb",
        (v) => /^\/[A-Za-z0-9._/-]+\.mmdb$/.test(v) && !v.includes(".."));
    const refreshHours = r.integer("geoipRefreshHours", 1, 720, "hours");
    const accountId = r.optional("geoipAccountId");
    const licenseKey = r.optional("geoipLicenseKey");
    if (accountId !== undefined && !/^\d{1,12}$/.test(accountId)) {
        r.fail("geoipAccountId", accountId, "the MaxMind account ID, a number");
    }
    if ((accountId === undefined) !== (licenseKey === undefined)) {
        r.fail(accountId ? "geoipLicenseKey" : "geoipAccountId", undefined, "both geoipAccountId and geoipLicenseKey, or neither (DB-IP's free database is used then)");
    } else if (licenseKey !== undefined && !secretKeys.includes("geoipLicenseKey")) {
        r.fail("geoipLicenseKey", "[plain text]", "a secret: set it with `pulumi config set --secret china-edge:geoipLicenseKey`");
    } else if (licenseKey !== undefined && !/^[A-Za-z0-9_]{6,64}$/.test(licenseKey)) {
        r.fail("geoipLicenseKey", "[secret]", "a MaxMind licence key: letters, digits and _");
    }
    if (database === undefined || refreshHours === undefined) {
        return undefined;
    }
    return { database, refreshHours, ...(accountId && licenseKey ? { maxmind: { accountId, licenseKey } } : {}) };
}

function redirector(r: Reader, servedOrigins: string[], secretKeys: string[]): RedirectorConfig | undefined {
    const enabled = r.boolean("redirector");
    const zone = r.string("redirectorZone", "a zone of cn-hongkong, such as cn-hongkong-b", (v) => /^cn-hongkong-[a-z]$/.test(v));
    const instanceType = r.string("redirectorInstanceType", steadyInstanceTypeText("ecs.c8i.large"), isSteadyInstanceType);
    const tls = tlsPair(r, REDIRECTOR_TLS_KEYS, servedOrigins, secretKeys, "the redirector then self-signs at first boot");
    const statusText = r.optional("redirectorStatus");
    const status = REDIRECT_STATUSES.find((s) => String(s) === statusText)
        ?? r.fail("redirectorStatus", statusText, "301 (permanent, cached by browsers) or 302 (while trying it out)");
    const exemptPaths = r.list("redirectorExemptPaths", "path prefixes such as \"/api/\"") ?? [];
    for (const p of exemptPaths) {
        if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(p)) {
            r.fail("redirectorExemptPaths", p, "path prefixes that start with / and hold no spaces, quotes or braces");
        }
    }
    const geo = geoip(r, secretKeys);
    if (enabled === undefined || zone === undefined || instanceType === undefined || status === undefined || geo === undefined) {
        return undefined;
    }
    return { enabled, zone, instanceType, tls, status, exemptPaths, geoip: geo };
}

function isIpv4(v: string): boolean {
    return parseIpv4Cidr(`${v}/32`) !== undefined;
}

/**
 * The edge services' keys. `hosts` are the served pairs as this stack's config names them; `tls` is the stack's
 * certificate for the public names, which DCDN presents.
 */
export function parseServices(r: Reader, hosts: HostPair[], tls: TlsMaterial | undefined, secretKeys: string[]): ServicesConfig | undefined {
    const origins = hosts.map((h) => h.origin);
    const parts = {
        registry: registry(r),
        dns: dns(r, origins),
        dcdn: dcdn(r, tls),
        redirector: redirector(r, origins, secretKeys),
    };
    if (parts.dns?.oldDomain && parts.redirector) {
        if (!parts.redirector.enabled) {
            r.fail("oldDomainDns", "true", "redirector true as well: mainland resolvers are pointed at the redirector");
        } else if (!parts.redirector.tls) {
            r.fail("redirectorTlsCertificate", undefined, "the old names' certificate before oldDomainDns sends users to the redirector " +
                "(a self-signed one would break every visit)");
        }
    }
    const { registry: reg, dns: d, dcdn: c, redirector: red } = parts;
    return reg && d && c && red ? { registry: reg, dns: d, dcdn: c, redirector: red } : undefined;
}
