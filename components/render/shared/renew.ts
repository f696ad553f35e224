// The renewer of the public names' certificate (apply/china-edge-renew.py): its settings, as the host's
// /etc/china-edge/renew.json holds them, and its pieces on the hosts (the tool, its unit and timer, its run after a
// delivery). It orders with DNS-01 through lego, or copies from the host that orders, then hands the certificate to
// the apply tool, so a renewal is a delivery like any other: checked, swapped in, reloaded.
import * as fs from "fs";
import * as path from "path";
import { ProxyBundle } from "./bundle";
import { CloudFile } from "./cloudInit";
import { SHARE_PATH, SHARE_PORT } from "./endpoints";

export const RENEW_TOOL = "/usr/local/sbin/china-edge-renew";
export const RENEW_TOOL_SOURCE = fs.readFileSync(path.join(__dirname, "apply", "china-edge-renew.py"), "utf8");

/** Where the public names' certificate comes from. */
export const CERTIFICATE_SOURCES = ["acme", "provided", "self-signed"] as const;

/** ACME directories by short name: Let's Encrypt's, and its staging CA (untrusted certificates, generous limits). */
export const ACME_SERVERS: Record<string, string> = {
    "letsencrypt": "https://acme-v02.api.letsencrypt.org/directory",
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
};

/** The names one certificate may hold at Let's Encrypt (https://letsencrypt.org/docs/rate-limits/). */
export const ACME_NAMES_PER_CERTIFICATE = 100;

/**
 * The names the ACME certificate is ordered for: the served names themselves while they fit one certificate; beyond
 * that, names one label below the primary name (or below a name under it) share a wildcard, the largest groups first,
 * until they fit (DNS-01, which the renewer uses, is what a wildcard needs). The result may still exceed the limit:
 * the config refuses that.
 */
export function certificateNames(publicHosts: string[]): string[] {
    const [primary] = publicHosts;
    const names = [...publicHosts];
    const parentOf = (n: string) => n.slice(n.indexOf(".") + 1);
    const groups = new Map<string, string[]>();
    for (const n of publicHosts.slice(1)) {
        const parent = parentOf(n);
        if (parent === primary || parent.endsWith(`.${primary}`)) {
            groups.set(parent, [...(groups.get(parent) ?? []), n]);
        }
    }
    for (const [parent, members] of [...groups].sort(([, a], [, b]) => b.length - a.length)) {
        if (names.length <= ACME_NAMES_PER_CERTIFICATE || members.length < 2) {
            break;
        }
        const at = names.indexOf(members[0]);
        const rest = names.filter((n) => !members.includes(n));
        rest.splice(at, 0, `*.${parent}`);
        names.splice(0, names.length, ...rest);
    }
    return names;
}

/** Days before expiry a certificate is renewed (Let's Encrypt's are valid 90). */
export const RENEW_DAYS_BEFORE = 30;

/** An order from an ACME CA with DNS-01 through lego: what the edge that renews does. */
export interface AcmeSource {
    kind: "acme";
    /** The ACME directory URL. */
    server: string;
    /** The ACME account's e-mail address. */
    email: string;
    /** lego's DNS provider code: `alidns` on the hosts (with ALICLOUD_RAM_ROLE in `env`). */
    dns: string;
    /** More lego flags, and the provider's environment. */
    lego: string[];
    env: Record<string, string>;
}

/**
 * A copy of what the ordering host serves, fetched from its share port (`address`, "host:port") over TLS: its
 * certificate verified for `serverName` against `ca`, this host presenting `clientCertificate` (with its key, or the
 * key in `clientKey`).
 */
export interface PeerSource {
    kind: "peer";
    address: string;
    serverName: string;
    path: string;
    ca: string;
    clientCertificate: string;
    clientKey?: string;
}

/**
 * The fleet's one certificate in the stack's bucket, for hosts that come and go (a scaling group): each host reads it
 * with its RAM role; the one that finds it missing or due takes a lease (an object written only if absent), orders
 * through `acme`, stores the certificate with its key (encrypted at rest) and gives the lease back.
 */
export interface StoreSource {
    kind: "store";
    bucket: string;
    /** The bucket's region (OSS's V4 signature names it) and its internal endpoint. */
    region: string;
    endpoint: string;
    /** The certificate's object (chain and key, PEM) and the lease's. */
    certificate: string;
    lease: string;
    /** Seconds a lease holds: longer than an order takes, short enough that a host gone mid-order does not block the next. */
    leaseSeconds: number;
    acme: Omit<AcmeSource, "kind">;
}

/** Where a scaling group keeps its certificate and lease in its bucket; its hosts' role may write there. */
export const STORED_CERTIFICATE_PREFIX = "certificates/";

export interface RenewSettings extends Pick<ProxyBundle, "name" | "check" | "reload" | "start" | "active"> {
    /** The names the certificate covers, the first its subject. */
    domains: string[];
    /** Where the certificate comes from: one edge orders it and the others copy it from that edge, or the fleet's store. */
    source: AcmeSource | PeerSource | StoreSource;
    /** The renewer's directory: lego's account and certificate, status.json. */
    state: string;
    /** Renew when fewer days are left. */
    days: number;
    /**
     * Where the certificate goes: one PEM with its key (HAProxy), or the two files (nginx), then also as one PEM in
     * `pem` when given (what an ordering nginx hands to its peers, read by its workers: group `pemGroup`, mode 0640).
     */
    files: { pem: string } | { certificate: string; key: string; pem?: string; pemGroup?: string };
    /** A file for node exporter's textfile collector: the expiry and the last outcome as metrics; omitted for none. */
    metrics?: string;
    /** The names DCDN accelerates, given the same certificate by the host that orders it (with its RAM role). */
    dcdn?: { domains: string[]; endpoint?: string };
}

/** Where the renewer's settings live on the hosts that hold an ACME certificate; its timer does nothing on the others. */
export const RENEW_SETTINGS = "/etc/china-edge/renew.json";
export const RENEW_UNIT = "china-edge-renew";
/** lego's account, certificates and the renewer's status.json on the host. */
export const RENEW_STATE = "/var/lib/china-edge/acme";
/** Where Debian's prometheus-node-exporter reads textfile metrics from. */
export const RENEW_METRICS = "/var/lib/prometheus/node-exporter/china-edge-certificate.prom";

/**
 * The Alibaba Cloud DNS actions lego's alidns provider calls (v4.9.1, providers/dns/alidns/alidns.go): to find the
 * zone, then add, find and delete the challenge's TXT record.
 */
export const ALIDNS_ACTIONS = ["alidns:DescribeDomains", "alidns:AddDomainRecord", "alidns:DescribeDomainRecords", "alidns:DeleteDomainRecord"];

/** What the renewer calls to hand the certificate to DCDN (SetDcdnDomainSSLCertificate, CertType upload). */
export const DCDN_CERTIFICATE_ACTIONS = ["dcdn:SetDcdnDomainSSLCertificate"];

/** Runs the renewer now and prints its status: what a deploy runs on the ordering host once DCDN has its names. */
export const RUN_RENEWER_NOW = `systemctl start ${RENEW_UNIT}.service; rc=$?; cat ${RENEW_STATE}/status.json; exit $rc`;

/**
 * The renewer's systemd service: runs only where the settings are; a failure leaves the unit failed, in the journal.
 * Bounded, as a delivery waits for it.
 */
export function renderRenewService(): string {
    return `# Rendered by china-edge
[Unit]
Description=china-edge: order or renew the public names' certificate
ConditionPathExists=${RENEW_SETTINGS}
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
TimeoutStartSec=${RENEW_TIMEOUT_SECONDS}
ExecStart=${RENEW_TOOL} ${RENEW_SETTINGS}
`;
}

/** Seconds the renewer may take (an order waits for DNS to answer the challenge). */
export const RENEW_TIMEOUT_SECONDS = 600;

/**
 * Every hour, at a random minute (Let's Encrypt asks clients not to renew all at the same time): the host that orders
 * renews when RENEW_DAYS_BEFORE are left and otherwise only reads its certificate, and a new certificate reaches the
 * other hosts within the hour; a first order that failed is retried as often.
 */
export function renderRenewTimer(): string {
    return `# Rendered by china-edge
[Unit]
Description=china-edge: the certificate's renewal, every hour

[Timer]
OnCalendar=hourly
RandomizedDelaySec=45min
Persistent=true

[Install]
WantedBy=timers.target
`;
}

/** The certificate's renewer and its timer, on every host where TLS ends for clients; idle without its settings. */
export const RENEWER_FILES: CloudFile[] = [
    { path: RENEW_TOOL, content: RENEW_TOOL_SOURCE, permissions: "0755" },
    { path: `/etc/systemd/system/${RENEW_UNIT}.service`, content: renderRenewService() },
    { path: `/etc/systemd/system/${RENEW_UNIT}.timer`, content: renderRenewTimer() },
];
export const ENABLE_RENEWER = ["systemctl", "enable", "--now", `${RENEW_UNIT}.timer`];

/** Runs the renewer once a bundle carrying its settings is in place; the delivery waits for it but does not fail with it. */
export const RUN_RENEWER = `systemctl start ${RENEW_UNIT}.service || echo "china-edge: no ACME certificate in place yet: journalctl -u ${RENEW_UNIT}" >&2`;

/** The store of a scaling group's certificate in its bucket (`bucket` in `region`, read over `endpoint`), ordered through Alibaba Cloud DNS with the hosts' role. */
export function storeSource(acme: { email: string; server: string }, role: string, bucket: { bucket: string; region: string; endpoint: string }): StoreSource {
    return {
        kind: "store", ...bucket, certificate: `${STORED_CERTIFICATE_PREFIX}site.pem`, lease: `${STORED_CERTIFICATE_PREFIX}lease.json`,
        leaseSeconds: RENEW_TIMEOUT_SECONDS + 300,
        acme: { server: acme.server, email: acme.email, dns: "alidns", lego: [], env: { ALICLOUD_RAM_ROLE: role } },
    };
}

/** An order through Alibaba Cloud DNS with the host's RAM role `role`, or (with `peer`) a copy from that address's share port. */
export function renewSource(acme: { email: string; server: string }, role: string, peer: string | undefined,
    client: Pick<PeerSource, "ca" | "clientCertificate" | "clientKey" | "serverName">): AcmeSource | PeerSource {
    return peer === undefined
        ? { kind: "acme", server: acme.server, email: acme.email, dns: "alidns", lego: [], env: { ALICLOUD_RAM_ROLE: role } }
        : { kind: "peer", address: `${peer}:${SHARE_PORT}`, path: SHARE_PATH, ...client };
}
