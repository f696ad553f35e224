// The checks that need more than one key, or the other stack: they also turn related keys into the values the
// programs use (the hosts host pairs, the certificates, the filing footer, the TTL).
import { Ipv4Range, contains, overlaps, parseIpv4Cidr } from "china-edge-policy/kernel/cidr";
import { HostPair } from "china-edge-policy/kernel/hosts";
import { ThirdParty, thirdParties } from "../../components/thirdParty/hosts";
import { ROLES, Role } from "china-edge-policy/kernel/stacks";
import { SiteCertificate, TlsMaterial, checkTls } from "china-edge-policy/kernel/tls";
import { IcpFooter } from "../../components/render/originProxy/originNginx";
import { SUB_FILTER_LIMIT, subFilterStrings } from "../../components/render/originProxy/conversionRules";
import { ACME_NAMES_PER_CERTIFICATE, ACME_SERVERS, certificateNames } from "../../components/render/shared/renew";
import { ConfigError, Issues, NAMESPACE, ReadContext } from "./fields";
import { DNS_EDITION_MIN_TTL, DNS_MAX_TTL, KeyValues } from "./keys";

/** Mainland China regions are cn-*, except Hong Kong, which is outside the mainland. */
export function isMainlandRegion(region: string): boolean {
    return region.startsWith("cn-") && region !== "cn-hongkong";
}

const isRole = (text: string): text is Role => (ROLES as readonly string[]).includes(text);

/** The program the stack runs; every other check depends on it, so a bad role stops here. */
function role(k: KeyValues, stack: string): Role {
    const text = k.stack.role || stack;
    if (isRole(text)) {
        return text;
    }
    throw new ConfigError([{ key: "role", value: k.stack.role, accepted: `"cn" or "us" (when empty, the stack name "${stack}" must be one of them)` }]);
}

function network(issues: Issues, k: KeyValues, stackRole: Role): void {
    const { region, zones, vpcCidr, vswitchCidrs } = k.network;
    if (isMainlandRegion(region) !== (stackRole === "cn")) {
        issues.fail("region", region, stackRole === "us" ? "a region outside mainland China, such as us-east-1" : "a mainland China region, such as cn-shanghai");
    }
    if (zones.length < 2 || new Set(zones).size !== zones.length || zones.some((z) => !z.startsWith(region) || z.length === region.length)) {
        issues.fail("zones", JSON.stringify(zones), `two or more distinct zones of ${region}, such as ${region}${region.endsWith("-1") ? "a" : "-l"}`);
    }
    if (vswitchCidrs.length !== zones.length) {
        issues.fail("vswitchCidrs", JSON.stringify(vswitchCidrs.map((v) => v.text)), `one range per zone (${zones.length} zones, ${vswitchCidrs.length} ranges)`);
    }
    const vpc = parseIpv4Cidr(vpcCidr);
    const seen: Ipv4Range[] = [];
    for (const range of vswitchCidrs) {
        const text = range.text;
        const clash = seen.find((other) => overlaps(other, range));
        if (vpc && !contains(vpc, range)) {
            issues.fail("vswitchCidrs", text, `ranges inside vpcCidr ${vpcCidr}`);
        } else if (clash) {
            issues.fail("vswitchCidrs", text, `ranges that do not overlap each other (${text} overlaps ${clash.text})`);
        }
        seen.push(range);
    }
    if (stackRole === "us" && k.network.edgeVpcCidr === undefined) {
        issues.fail("edgeVpcCidr", undefined, "the cn stack's VPC range, such as 10.10.0.0/16");
    }
}

/** The primary pair, then every "origin=public" entry of hosts; every name appears once. */
function hostPairs(issues: Issues, k: KeyValues): HostPair[] {
    const { publicDomain, originDomain } = k.site;
    if (publicDomain === originDomain) {
        issues.fail("publicDomain", publicDomain, `a name other than originDomain ${originDomain}: the proxy converts one into the other`);
    }
    const pairs: HostPair[] = [{ origin: originDomain, public: publicDomain }];
    for (const { from, to } of k.site.hosts) {
        if (pairs.some((p) => [p.origin, p.public].includes(from) || [p.origin, p.public].includes(to))) {
            issues.fail("hosts", `${from}=${to}`, "pairs whose names appear once (originDomain and publicDomain are already a pair)");
        } else {
            pairs.push({ origin: from, public: to });
        }
    }
    return pairs;
}

/** The third-party table with config's changes: never a served name, each host once. */
function thirdParty(issues: Issues, k: KeyValues, hosts: HostPair[]): ThirdParty[] {
    const served = hosts.flatMap((h) => [h.origin, h.public]);
    const seen: string[] = [];
    for (const o of k.site.thirdParty) {
        const text = `${o.host}=${o.treatment}${o.mirror ? `=${o.mirror}` : ""}`;
        if (served.includes(o.host) || (o.mirror && served.includes(o.mirror))) {
            issues.fail("thirdParty", text, "third-party hosts and mirrors that are not served names (those are converted by hosts)");
        } else if (seen.includes(o.host)) {
            issues.fail("thirdParty", text, "each host once");
        }
        seen.push(o.host);
    }
    const treated = thirdParties(k.site.thirdParty);
    const strings = subFilterStrings({ hosts, thirdParty: treated });
    if (strings > SUB_FILTER_LIMIT) {
        issues.fail("thirdParty", `${k.site.thirdParty.length} entries`, `hosts relayed or mirrored that nginx's sub_filter can point at in pages: ` +
            `at most ${SUB_FILTER_LIMIT} strings, and the table with these takes ${strings}; keep or drop some instead`);
    }
    return treated;
}

/** A certificate and its key, both or neither (`without` says what happens then); they must match and cover `names`. */
function certificate(issues: Issues, keys: { certificate: string; privateKey: string }, pem: { certificate?: string; privateKey?: string },
    names: string[], without: string): TlsMaterial | undefined {
    const { certificate, privateKey } = pem;
    if (!certificate && !privateKey) {
        return undefined;
    }
    if (!certificate || !privateKey) {
        return issues.fail(certificate ? keys.privateKey : keys.certificate, undefined, `both ${keys.certificate} and ${keys.privateKey}, or neither (${without})`);
    }
    return checked(issues, keys, { certificate, privateKey }, names);
}

function checked(issues: Issues, keys: { certificate: string; privateKey: string }, tls: TlsMaterial, names: string[], purpose = ""): TlsMaterial | undefined {
    const problem = checkTls(tls, names);
    if (!problem) {
        return tls;
    }
    return problem.key === "tlsPrivateKey" ? issues.fail(keys.privateKey, "[secret]", `${purpose}${problem.accepted}`)
        : issues.fail(keys.certificate, problem.value, `${purpose}${problem.accepted}`);
}

const SITE_TLS = { certificate: "tlsCertificate", privateKey: "tlsPrivateKey" };
const REDIRECTOR_TLS = { certificate: "redirectorTlsCertificate", privateKey: "redirectorTlsPrivateKey" };

/**
 * The certificate where this stack ends clients' TLS, as `certificates` says, with what each source needs: on us the
 * origin proxies', on cn the terminating edges'.
 */
function siteCertificate(issues: Issues, k: KeyValues, tls: TlsMaterial | undefined): SiteCertificate {
    const { certificates: source, acmeEmail, acmeServer, tlsCertificate: provided } = k.tls;
    if (source === "provided" && !provided) {
        issues.fail("certificates", source, "`acme` or `self-signed` unless tlsCertificate and tlsPrivateKey are set");
    }
    if (source !== "provided" && provided) {
        issues.fail("certificates", source, "`provided` when tlsCertificate is set (or leave tlsCertificate empty)");
    }
    if (source === "provided") {
        // An unusable certificate is already an issue of tlsCertificate; the placeholder is never used.
        return tls ? { source, tls } : { source: "self-signed" };
    }
    if (source !== "acme") {
        return { source: "self-signed" };
    }
    if (!acmeEmail) {
        issues.fail("acmeEmail", undefined, "an e-mail address for the ACME account, such as ops@example.cn (certificates is acme)");
    }
    return { source, acme: { email: acmeEmail ?? "", server: ACME_SERVERS[acmeServer] ?? acmeServer } };
}

/** Why one ACME certificate cannot hold `publicHosts`, or undefined when it can. */
function acmeOverflow(publicHosts: string[]): string | undefined {
    const names = certificateNames(publicHosts);
    return names.length <= ACME_NAMES_PER_CERTIFICATE ? undefined
        : `at most ${ACME_NAMES_PER_CERTIFICATE} names on one ACME certificate (Let's Encrypt's limit): ${publicHosts.length} served names take ` +
            `${names.length} even with a wildcard for each group of names one label below ${publicHosts[0]} or a name under it; ` +
            "serve fewer names, group them under shared parents, or use certificates provided";
}

/**
 * Where the cn stack's edges end clients' TLS: at the edge, with the site's certificate (and the link to the origin
 * proxies, which the us stack provides), or at the origin proxies, the edge passing TLS through.
 */
export type EdgeTls = { kind: "terminate"; certificate: SiteCertificate } | { kind: "passthrough" };

/** The one place `edgeTls` is read; a cn stack whose edges pass TLS through holds no certificate and ignores the keys. */
function edgeTls(issues: Issues, k: KeyValues, tls: TlsMaterial | undefined): EdgeTls {
    return k.proxy.edgeTls === "terminate" ? { kind: "terminate", certificate: siteCertificate(issues, k, tls) } : { kind: "passthrough" };
}

/** The stack's proxies as an Auto Scaling group: how many, what its target-tracking rule keeps their CPU at, and how many are spot. */
export interface ProxyScaling {
    min: number;
    max: number;
    cpuPercent: number;
    /** Proxies always pay-as-you-go; spotPercent of those above them are spot instances. */
    onDemandBase: number;
    spotPercent: number;
}

/** The one place the scaling keys are read: undefined keeps the fixed `replicas`. */
function proxyScaling(issues: Issues, k: KeyValues, stackRole: Role): ProxyScaling | undefined {
    const { replicas, minReplicas: min, maxReplicas: max, scalingCpuPercent: cpuPercent, onDemandBase, spotPercent } = k.proxy;
    if (max === 0) {
        if (min !== 0) {
            issues.fail("minReplicas", String(min), "0 unless maxReplicas is set (the proxies are then the fixed `replicas`)");
        }
        if (spotPercent !== 0) {
            issues.fail("spotPercent", String(spotPercent), "0 unless maxReplicas is set (the fixed `replicas` are pay-as-you-go)");
        }
        return undefined;
    }
    if (replicas !== 1) {
        issues.fail("replicas", String(replicas), `its default 1 with maxReplicas ${max}: the group's minReplicas to maxReplicas replace the fixed count`);
    }
    if (min < 1 || min > max) {
        issues.fail("minReplicas", String(min), `1 to maxReplicas (${max}): the fewest proxies the group keeps`);
    }
    if (onDemandBase > max) {
        issues.fail("onDemandBase", String(onDemandBase), `at most maxReplicas (${max})`);
    } else if (spotPercent > 0 && onDemandBase < 1) {
        issues.fail("onDemandBase", String(onDemandBase), `1 or more with spotPercent ${spotPercent}: one wave of reclamations must not take every proxy`);
    }
    if (stackRole === "us" && k.proxy.originEgress !== "nat") {
        issues.fail("originEgress", k.proxy.originEgress, `nat with maxReplicas ${max}: a scaling group's hosts come and go, the NAT gateway's EIP is ` +
            "the one address the existing service sees them from");
    }
    return { min, max, cpuPercent, onDemandBase, spotPercent };
}

function filing(issues: Issues, k: KeyValues): IcpFooter | undefined {
    const { icpNumber, psbNumber } = k.filing;
    if (psbNumber && !icpNumber) {
        issues.fail("psbNumber", psbNumber, "to be set together with icpNumber (the footer shows the ICP number first)");
    }
    return icpNumber ? { icpNumber, ...(psbNumber ? { psbNumber } : {}) } : undefined;
}

function dns(issues: Issues, k: KeyValues, hosts: HostPair[]) {
    const { dnsTtl: ttl, dnsEdition: edition, originTarget } = k.dns;
    const min = DNS_EDITION_MIN_TTL[edition];
    if (ttl !== 0 && ttl < min) {
        issues.fail("dnsTtl", String(ttl), `a whole number of seconds from ${min} to ${DNS_MAX_TTL} (the ${edition} edition's range; 0 takes its minimum)`);
    }
    if (originTarget !== undefined && hosts.some((h) => h.origin === originTarget)) {
        issues.fail("originTarget", originTarget, "an address or name other than the old names themselves (their records would point at themselves)");
    }
    return { ...k.dns, dnsTtl: ttl === 0 ? min : ttl };
}

function redirector(issues: Issues, k: KeyValues, hosts: HostPair[]) {
    const { redirectorTlsCertificate: cert, redirectorTlsPrivateKey: privateKey, ...rest } = k.redirector;
    const tls = certificate(issues, REDIRECTOR_TLS, { certificate: cert, privateKey }, hosts.map((h) => h.origin), "the redirector then self-signs at first boot");
    if (k.dns.oldDomainDns && !rest.redirector) {
        issues.fail("oldDomainDns", "true", "redirector true as well: mainland resolvers are pointed at the redirector");
    } else if (k.dns.oldDomainDns && !cert) {
        issues.fail("redirectorTlsCertificate", undefined, "the old names' certificate before oldDomainDns sends users to the redirector " +
            "(a self-signed one would break every visit)");
    }
    return { ...rest, tls };
}

function geoip(issues: Issues, k: KeyValues) {
    const { geoipAccountId: accountId, geoipLicenseKey: licenseKey, ...rest } = k.geoip;
    if ((accountId === undefined) !== (licenseKey === undefined)) {
        issues.fail(accountId ? "geoipLicenseKey" : "geoipAccountId", undefined, "both geoipAccountId and geoipLicenseKey, or neither (DB-IP's free database is used then)");
    }
    return { ...rest, ...(accountId && licenseKey ? { maxmind: { accountId, licenseKey } } : {}) };
}

function registry(issues: Issues, k: KeyValues) {
    const { registryEdition: edition, registryPersonalInstanceId: personalInstanceId } = k.registry;
    if (personalInstanceId && edition !== "personal") {
        issues.fail("registryPersonalInstanceId", personalInstanceId, `to be empty unless registryEdition is personal (it is ${edition})`);
    }
    return k.registry;
}

/** What both stacks' programs read, once every check across keys has passed. */
function common(issues: Issues, k: KeyValues, stackRole: Role) {
    network(issues, k, stackRole);
    const hosts = hostPairs(issues, k);
    // edgeTls and the scaling keys leave the proxy group: each is read once, into the cn config's edgeTls and either config's scaling.
    const { edgeTls: _readOnce, minReplicas: _min, maxReplicas: _max, scalingCpuPercent: _cpu, onDemandBase: _base, spotPercent: _spot, ...proxy } = k.proxy;
    const scaling = proxyScaling(issues, k, stackRole);
    return {
        ...k,
        ...(scaling ? { scaling } : {}),
        stack: { ...k.stack, role: stackRole },
        network: { ...k.network, edgeVpcCidr: k.network.edgeVpcCidr ?? "" },
        proxy,
        site: { ...k.site, hosts, thirdParty: thirdParty(issues, k, hosts) },
        tls: certificate(issues, SITE_TLS, { certificate: k.tls.tlsCertificate, privateKey: k.tls.tlsPrivateKey }, hosts.map((h) => h.public),
            "the origin proxies then self-sign"),
        filing: filing(issues, k),
        registry: registry(issues, k),
        dns: dns(issues, k, hosts),
        dcdn: { ...k.dcdn, dcdnStaticTypes: k.dcdn.dcdnStaticTypes.map((t) => t.replace(/^\./, "")) },
        redirector: redirector(issues, k, hosts),
        geoip: geoip(issues, k),
    };
}

type Common = ReturnType<typeof common>;

/** The cn stack's config: where its edges end TLS is decided here, once. */
export type CnConfig = Omit<Common, "stack"> & { stack: Common["stack"] & { role: "cn" }; edgeTls: EdgeTls };

/** The us stack's config: the certificate its origin proxies serve. */
export type UsConfig = Omit<Common, "stack"> & { stack: Common["stack"] & { role: "us" }; certificate: SiteCertificate };

export type StackConfig = CnConfig | UsConfig;

export function isCnConfig(config: StackConfig): config is CnConfig {
    return config.stack.role === "cn";
}

/** The stack's config as the programs use it, once every check across keys has passed; throws every issue found. */
export function resolve(k: KeyValues, context: ReadContext): StackConfig {
    const stackRole = role(k, context.stack);
    const issues = new Issues();
    const config = common(issues, k, stackRole);
    const cnTls = stackRole === "cn" ? edgeTls(issues, k, config.tls) : undefined;
    const resolved: StackConfig = cnTls
        ? { ...config, stack: { ...config.stack, role: "cn" }, edgeTls: cnTls }
        : { ...config, stack: { ...config.stack, role: "us" }, certificate: siteCertificate(issues, k, config.tls) };
    const overflow = resolved.stack.role === "us" && k.tls.certificates === "acme" ? acmeOverflow(config.site.hosts.map((h) => h.public)) : undefined;
    if (overflow) {
        issues.fail("hosts", `${config.site.hosts.length} pairs with certificates acme`, overflow);
    }
    if (isCnConfig(resolved) && resolved.dcdn.dcdn && !dcdnHasCertificate(resolved)) {
        issues.fail("dcdn", "true", "a certificate DCDN can serve alongside it: certificates acme with edgeTls terminate (the edge that orders it " +
            "hands each renewal to DCDN) or provided (tlsCertificate, uploaded); DCDN's free certificate is not a value its API documents. " +
            "Or set dcdn false");
    }
    issues.throwIfAny();
    return resolved;
}

/** Whether DCDN gets a certificate: the one configured (uploaded), or the edges' ACME certificate (pushed by its renewer). */
export function dcdnHasCertificate(config: CnConfig): boolean {
    return config.tls !== undefined || (config.edgeTls.kind === "terminate" && config.edgeTls.certificate.source === "acme");
}

/** CEN cannot route between overlapping ranges: the cn VPC must not overlap the us VPC it reads by reference. */
export function checkPeerVpcCidr(config: StackConfig, peerVpcCidr: string): void {
    const issues = new Issues();
    const [mine, peer] = [parseIpv4Cidr(config.network.vpcCidr), parseIpv4Cidr(peerVpcCidr)];
    if (mine && peer && overlaps(mine, peer)) {
        issues.fail("vpcCidr", config.network.vpcCidr,
            `a range that does not overlap the ${config.stack.usStack} VPC ${peerVpcCidr} (CEN cannot route overlapping ranges)`);
    }
    issues.throwIfAny();
}

/** What cn reads of the us stack to check itself against. */
export interface ServedByUs {
    publicHosts: string[];
    hostPairs: HostPair[];
    edgeVpcCidr: string;
}

/**
 * The edge passes what the us origin proxies serve and accept (the same primary name, from this VPC), and the
 * certificates of the cn config cover the names the us stack serves, which only now are known.
 */
export function checkServedByUs(config: StackConfig, us: ServedByUs): void {
    const issues = new Issues();
    if (us.publicHosts[0] !== config.site.publicDomain) {
        issues.fail("publicDomain", config.site.publicDomain, `the us stack's publicDomain ${us.publicHosts[0]} (both stacks serve one name)`);
    }
    const [mine, allowed] = [parseIpv4Cidr(config.network.vpcCidr), parseIpv4Cidr(us.edgeVpcCidr)];
    if (!mine || !allowed || !contains(allowed, mine)) {
        issues.fail("vpcCidr", config.network.vpcCidr, `a range inside the us stack's edgeVpcCidr ${us.edgeVpcCidr}, the only source its origin proxies accept`);
    }
    if (config.dcdn.dcdn && config.tls) {
        checked(issues, SITE_TLS, config.tls, us.publicHosts, "(for DCDN) ");
    }
    const overflow = isCnConfig(config) && config.edgeTls.kind === "terminate" && config.edgeTls.certificate.source === "acme" ? acmeOverflow(us.publicHosts) : undefined;
    if (overflow) {
        issues.fail("certificates", "acme", `for the us stack's ${us.publicHosts.length} served names, ${overflow}`);
    }
    if (config.redirector.redirector && config.redirector.tls) {
        checked(issues, REDIRECTOR_TLS, config.redirector.tls, us.hostPairs.map((p) => p.origin));
    }
    issues.throwIfAny();
}

export { NAMESPACE };
