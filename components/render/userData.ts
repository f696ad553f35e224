// Each proxy host in two parts. The user data sets the host up at first boot and never names what it serves:
// packages, kernel and file limits, the service's systemd overrides, log retention, the apply tool. What it serves
// (config, scripts, certificates) is its bundle, applied in place by that tool (bundle.ts), so changing it never
// replaces the instance. Pure: typed input in, text out.
import { TlsMaterial } from "china-edge-policy/kernel/tls";
import { APPLY_TOOL, APPLY_TOOL_SOURCE, BundleFile, ReadyCheck, renderApplyCommand, systemdCommands } from "./bundle";
import {
    ENABLE_RENEWER, RENEWER_FILES, RENEW_DAYS_BEFORE, RENEW_METRICS, RENEW_SETTINGS, RENEW_STATE, RUN_RENEWER, RenewSettings, renewSource,
} from "./renew";
import { CloudFile, renderUserData } from "./cloudInit";
import { renderSysctl } from "./sysctl";
import {
    EDGE_HEALTH_CHECK, EDGE_LINK_NAME, FILE_LIMIT, HEALTH_PATH, LINK_SERVER_NAME, ORIGIN_PROXY_HEALTH_CHECK, READY_TIMEOUT_SECONDS, STATS_PORT,
} from "./tuning";
import { HAPROXY_PATHS, NGINX_PATHS, NGINX_USER } from "./paths";
import {
    GEOIP_UPDATE_SCRIPT, GEOIP_UPDATE_UNIT, GeoipSource, maxmindCredentials, renderGeoipUpdateScript, renderGeoipUpdateService,
    renderGeoipUpdateTimer,
} from "./geoipUpdate";

/** systemd drop-in of a proxy service: file limit, restart on any exit, and the config checked before a reload. */
export function serviceOverride(checkCommand: string, reloadCommand: string): string {
    return `# Rendered by china-edge
[Service]
LimitNOFILE=${FILE_LIMIT}
Restart=always
RestartSec=2s
ExecReload=
ExecReload=${checkCommand}
ExecReload=${reloadCommand}
`;
}

function hostFiles(service: string, checkCommand: string, reloadCommand: string): CloudFile[] {
    return [
        { path: "/etc/sysctl.d/90-china-edge.conf", content: renderSysctl() },
        {
            path: "/etc/security/limits.d/90-china-edge.conf",
            content: `* soft nofile ${FILE_LIMIT}\n* hard nofile ${FILE_LIMIT}\nroot soft nofile ${FILE_LIMIT}\nroot hard nofile ${FILE_LIMIT}\n`,
        },
        { path: `/etc/systemd/system/${service}.service.d/china-edge.conf`, content: serviceOverride(checkCommand, reloadCommand) },
        // The journal holds HAProxy's log and every service's output: bounded in size and age.
        { path: "/etc/systemd/journald.conf.d/china-edge.conf", content: "[Journal]\nSystemMaxUse=1G\nMaxRetentionSec=14day\n" },
        { path: APPLY_TOOL, content: APPLY_TOOL_SOURCE, permissions: "0755" },
    ];
}

/** Applies the kernel settings and the service's overrides; the service gets its config from its bundle. */
const SETTLE_COMMANDS: string[][] = [
    ["systemctl", "restart", "systemd-sysctl"],
    ["systemctl", "daemon-reload"],
    ["systemctl", "restart", "systemd-journald"],
];

const HAPROXY_CHECK = `/usr/sbin/haproxy -Ws -f $CONFIG -c -q $EXTRAOPTS`;

/** One end of the link across the border: the CA both ends trust, this end's certificate and key (PEM). */
export interface LinkFiles {
    caCertificate: string;
    certificate: string;
    privateKey: string;
}

/** What a terminating edge holds: the public names' certificate (or none: self-signed at first boot) and its link end. */
export interface EdgeTlsFiles {
    publicHosts: string[];
    site?: TlsMaterial;
    link: LinkFiles;
}

/**
 * A shell line making a self-signed certificate for `names` unless one for exactly those names exists (kept across
 * deliveries and reboots; made again when the names change); `then` runs after it.
 */
function selfSignedOnce(names: string[], key: string, certificate: string, then = ""): string {
    const san = names.map((h) => `DNS:${h}`).join(",");
    return `{ test -s ${key} && test "$(cat ${key}.names 2>/dev/null)" = "${san}"; } || (mkdir -p ${key.replace(/\/[^/]+$/, "")} && ` +
        `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 -subj /CN=${names[0]} ` +
        `-addext subjectAltName=${san} -keyout ${key} -out ${certificate} && chmod 600 ${key} && echo "${san}" > ${key}.names${then})`;
}

/**
 * Debian's node exporter on every proxy host: the host's CPU, memory, disks and network on NODE_EXPORTER_PORT, and the
 * renewer's certificate metrics from its textfile directory.
 */
const METRICS_PACKAGES = ["prometheus-node-exporter"];

/** A proxy host as its bundle names it: the instance's name and its fixed private address. */
export interface ProxyHostName {
    name: string;
    privateIp: string;
}

function readyCheck(command: string[], check: { intervalSeconds: number; healthyThreshold: number }): ReadyCheck {
    return { command, passes: check.healthyThreshold, intervalSeconds: check.intervalSeconds, timeoutSeconds: READY_TIMEOUT_SECONDS };
}

/** The edge host: HAProxy, its limits and overrides, the apply tool, and the certificate's renewer with its timer. */
export function edgeUserData(): string {
    return renderUserData({
        packages: ["haproxy", "openssl", "curl", "lego", ...METRICS_PACKAGES],
        files: [...hostFiles("haproxy", HAPROXY_CHECK, "/bin/kill -USR2 $MAINPID"), ...RENEWER_FILES],
        runcmd: [...SETTLE_COMMANDS, ENABLE_RENEWER],
    });
}

const EDGE_SERVICE = systemdCommands("haproxy", ["haproxy", "-c", "-q", "-f", HAPROXY_PATHS.config]);

/**
 * The renewer's settings on the edge `name`. The first edge (`peer` undefined) orders the public names from
 * `acme.server`, DNS-01 through Alibaba Cloud DNS with the host's RAM role `role` (temporary credentials, no key on the
 * host); the others copy its certificate from `peer`, its private address, with the edges' link certificate.
 */
export function edgeRenewSettings(name: string, publicHosts: string[], acme: { email: string; server: string }, role: string, peer?: string): RenewSettings {
    const p = HAPROXY_PATHS;
    return {
        name, domains: publicHosts, source: renewSource(acme, role, peer, { ca: p.linkCa, clientCertificate: p.linkCertificate, serverName: EDGE_LINK_NAME }),
        state: RENEW_STATE, days: RENEW_DAYS_BEFORE, files: { pem: p.siteCertificate }, metrics: RENEW_METRICS, ...EDGE_SERVICE,
    };
}

/** Exits 0 while the edge at `privateIp` passes the health check the NLB makes. */
export function edgeHealthCommand(privateIp: string): string[] {
    return ["curl", "-fsS", "--max-time", "3", "-o", "/dev/null", `http://${privateIp}:${STATS_PORT}${HEALTH_PATH}`];
}

/** Exits 0 while this origin proxy answers its health path through its TLS listener, PROXY protocol first, as from an edge. */
export function originHealthCommand(publicHost: string): string[] {
    return ["curl", "-fsSk", "--haproxy-protocol", "--max-time", "3", "-o", "/dev/null",
        "--resolve", `${publicHost}:443:127.0.0.1`, `https://${publicHost}${HEALTH_PATH}`];
}

/**
 * What the edge `name` serves: the rendered haproxy.cfg and, when it ends TLS, its certificates; with `renew`, the
 * renewer's settings, and the renewer run once the bundle is in place. The delivery waits for it, so the edges after
 * the first find its certificate to copy; a failure there does not fail the delivery (the edge serves a self-signed
 * certificate, the timer tries again within the hour, and the renewer's status and metrics say so).
 */
export function edgeApplyCommand(host: ProxyHostName, haproxyCfg: string, tls?: EdgeTlsFiles, renew?: RenewSettings): string {
    const site = HAPROXY_PATHS.siteCertificate;
    const files: BundleFile[] = [
        ...(tls ? [
            ...(tls.site ? [{ path: site, content: tls.site.certificate + tls.site.privateKey, mode: "0600" }] : []),
            { path: HAPROXY_PATHS.linkCa, content: tls.link.caCertificate, mode: "0644" },
            { path: HAPROXY_PATHS.linkCertificate, content: tls.link.certificate + tls.link.privateKey, mode: "0600" },
        ] : []),
        { path: HAPROXY_PATHS.config, content: haproxyCfg, mode: "0644" },
        ...(renew ? [{ path: RENEW_SETTINGS, content: JSON.stringify(renew, null, 2) + "\n", mode: "0644" }] : []),
    ];
    // HAProxy takes the certificate and its key in one file.
    const prepare = tls && !tls.site
        ? [selfSignedOnce(tls.publicHosts, `${site}.key`, `${site}.crt`, ` && cat ${site}.crt ${site}.key > ${site} && chmod 600 ${site}`)]
        : [];
    const after = renew ? [RUN_RENEWER] : [];
    // In service as the NLB sees it: its health check passing as many times in a row as the NLB needs.
    const ready = readyCheck(edgeHealthCommand(host.privateIp), EDGE_HEALTH_CHECK);
    return renderApplyCommand({ name: host.name, files, ...EDGE_SERVICE, ready }, prepare, after);
}

const NGINX_LOGROTATE = `# Rendered by china-edge
/var/log/nginx/*.log {
    daily
    rotate 14
    maxsize 512M
    missingok
    notifempty
    compress
    delaycompress
    sharedscripts
    postrotate
        [ -s ${NGINX_PATHS.pidFile} ] && kill -USR1 "$(cat ${NGINX_PATHS.pidFile})" || true
    endscript
}
`;

/** Certificate files of an nginx host: the configured pair, or none (then made once by `selfSigned`). */
function tlsFiles(tls?: TlsMaterial): BundleFile[] {
    return tls ? [
        { path: NGINX_PATHS.certificate, content: tls.certificate, mode: "0644" },
        { path: NGINX_PATHS.privateKey, content: tls.privateKey, mode: "0600" },
    ] : [];
}

/** Without a configured certificate, a self-signed one for `names`, made once. */
function selfSigned(names: string[], tls?: TlsMaterial): string[] {
    return tls ? [] : [selfSignedOnce(names, NGINX_PATHS.privateKey, NGINX_PATHS.certificate)];
}

/** The origin proxy's end of the link: the CA of the edges' client certificates, its own certificate and key. */
function linkFiles(link?: LinkFiles): BundleFile[] {
    return link ? [
        { path: NGINX_PATHS.linkCa, content: link.caCertificate, mode: "0644" },
        { path: NGINX_PATHS.linkCertificate, content: link.certificate, mode: "0644" },
        { path: NGINX_PATHS.linkPrivateKey, content: link.privateKey, mode: "0600" },
    ] : [];
}

/** What the origin proxy's nginx runs: its nginx.conf and the Lua module that conf requires. */
export interface OriginConfigs {
    nginxConf: string;
    conversionModule: string;
}

const NGINX_CHECK = "/usr/sbin/nginx -t -q -g 'daemon on; master_process on;'";
const NGINX_RELOAD = "/usr/sbin/nginx -g 'daemon on; master_process on;' -s reload";

const NGINX_SERVICE = systemdCommands("nginx", ["nginx", "-t", "-q"]);

/** The origin proxy host: nginx with Lua, its limits, overrides and log rotation, the apply tool, the renewer with its timer. */
export function originUserData(): string {
    return renderUserData({
        packages: ["nginx", "libnginx-mod-http-lua", "ca-certificates", "openssl", "curl", "lego", ...METRICS_PACKAGES],
        files: [
            ...hostFiles("nginx", NGINX_CHECK, NGINX_RELOAD),
            { path: "/etc/logrotate.d/nginx", content: NGINX_LOGROTATE, defer: true },
            ...RENEWER_FILES,
        ],
        runcmd: [["mkdir", "-p", NGINX_PATHS.acmeRoot], ...SETTLE_COMMANDS, ENABLE_RENEWER],
    });
}

/**
 * The renewer's settings on the origin proxy `name`, as on the edges (edgeRenewSettings): the first orders, the others
 * copy from `peer` with the link's certificate; into nginx's two files, and on the first also the one its peers copy.
 */
export function originRenewSettings(name: string, publicHosts: string[], acme: { email: string; server: string }, role: string, peer?: string): RenewSettings {
    const p = NGINX_PATHS;
    return {
        name, domains: publicHosts, source: renewSource(acme, role, peer, { ca: p.linkCa, clientCertificate: p.linkCertificate, clientKey: p.linkPrivateKey, serverName: LINK_SERVER_NAME }),
        state: RENEW_STATE, days: RENEW_DAYS_BEFORE, files: { certificate: p.certificate, key: p.privateKey, pem: p.sitePem, pemGroup: NGINX_USER },
        metrics: RENEW_METRICS, ...NGINX_SERVICE,
    };
}

/**
 * What the origin proxy `name` serves: its nginx.conf, the Lua module, the site's certificate and the link's end;
 * with `renew`, the renewer's settings, and the renewer run once the bundle is in place (see edgeApplyCommand).
 * Without a configured certificate the host makes a self-signed one for `publicHosts` (the edge then skips verification).
 */
export function originApplyCommand(name: string, configs: OriginConfigs, publicHosts: string[], tls?: TlsMaterial, link?: LinkFiles, renew?: RenewSettings): string {
    // In service as the edges see it: passing as many times in a row as the edges' checks need.
    const ready = readyCheck(originHealthCommand(publicHosts[0]), ORIGIN_PROXY_HEALTH_CHECK);
    return renderApplyCommand({
        name,
        ready,
        files: [
            ...tlsFiles(tls),
            ...linkFiles(link),
            { path: NGINX_PATHS.conversionModule, content: configs.conversionModule, mode: "0644" },
            { path: NGINX_PATHS.config, content: configs.nginxConf, mode: "0644" },
            ...(renew ? [{ path: RENEW_SETTINGS, content: JSON.stringify(renew, null, 2) + "\n", mode: "0644" }] : []),
        ],
        ...NGINX_SERVICE,
    }, selfSigned(publicHosts, tls), renew ? [RUN_RENEWER] : []);
}

export interface RedirectorGeoip {
    database: string;
    refreshHours: number;
    /** MaxMind's account; undefined: DB-IP's free database. */
    maxmind?: { accountId: string; licenseKey: string };
}

const GEOIP_CREDENTIALS = "/etc/china-edge/maxmind.env";

/**
 * The redirector host: nginx with the GeoIP2 module, and the database downloaded at first boot, then refreshed by a
 * timer (nginx refuses a config whose database is missing, so the bundle waits for first boot to finish).
 */
export function redirectorUserData(geoip: RedirectorGeoip): string {
    const source: GeoipSource = geoip.maxmind ? { kind: "maxmind", credentialsFile: GEOIP_CREDENTIALS } : { kind: "dbip" };
    return renderUserData({
        packages: ["nginx", "libnginx-mod-http-geoip2", "ca-certificates", "openssl", "curl"],
        files: [
            ...hostFiles("nginx", NGINX_CHECK, NGINX_RELOAD),
            ...(geoip.maxmind ? [{ path: GEOIP_CREDENTIALS, content: maxmindCredentials(geoip.maxmind.accountId, geoip.maxmind.licenseKey), permissions: "0600" }] : []),
            { path: GEOIP_UPDATE_SCRIPT, content: renderGeoipUpdateScript({ database: geoip.database, source, refreshHours: geoip.refreshHours }), permissions: "0755" },
            { path: `/etc/systemd/system/${GEOIP_UPDATE_UNIT}.service`, content: renderGeoipUpdateService() },
            { path: `/etc/systemd/system/${GEOIP_UPDATE_UNIT}.timer`, content: renderGeoipUpdateTimer(geoip.refreshHours) },
            { path: "/etc/logrotate.d/nginx", content: NGINX_LOGROTATE, defer: true },
        ],
        runcmd: [
            ...SETTLE_COMMANDS,
            // The first download is retried until it lands.
            ["sh", "-c", `for i in 1 2 3 4 5 6 7 8 9 10; do ${GEOIP_UPDATE_SCRIPT} && break; sleep 30; done`],
            ["systemctl", "enable", "--now", `${GEOIP_UPDATE_UNIT}.timer`],
        ],
    });
}

/** What the redirector `name` serves: its nginx.conf and the old names' certificate (or a self-signed one). */
export function redirectorApplyCommand(name: string, nginxConf: string, oldNames: string[], tls?: TlsMaterial): string {
    return renderApplyCommand({
        name,
        files: [...tlsFiles(tls), { path: NGINX_PATHS.config, content: nginxConf, mode: "0644" }],
        ...NGINX_SERVICE,
    }, selfSigned(oldNames, tls));
}
