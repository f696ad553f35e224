// The first-boot setup of each proxy host: packages, the rendered config, kernel and file limits, the service's
// systemd overrides and log retention. Pure: typed input in, cloud-config text out.
import { TlsMaterial } from "china-edge-policy/kernel/tls";
import { CloudConfig, CloudFile, renderUserData } from "./cloudInit";
import { renderSysctl } from "./sysctl";
import { FILE_LIMIT } from "./tuning";
import { HAPROXY_PATHS, NGINX_PATHS } from "./paths";
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
    ];
}

/** Applies the kernel settings and overrides, then starts the service only if its config passes the check. */
function startCommands(service: string, checkCommand: string): string[][] {
    return [
        ["systemctl", "restart", "systemd-sysctl"],
        ["systemctl", "daemon-reload"],
        ["systemctl", "restart", "systemd-journald"],
        ["sh", "-c", `${checkCommand} && systemctl enable ${service} && systemctl restart ${service}`],
    ];
}

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

/** A self-signed certificate for `names` made at first boot unless `key` exists; `then` runs after it (kept across reboots). */
function selfSignedAtBoot(names: string[], key: string, certificate: string, then = ""): string[] {
    return [
        "sh", "-c",
        `test -s ${key} || (mkdir -p ${key.replace(/\/[^/]+$/, "")} && openssl req -x509 -newkey ec ` +
        `-pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 -subj /CN=${names[0]} ` +
        `-addext subjectAltName=${names.map((h) => `DNS:${h}`).join(",")} ` +
        `-keyout ${key} -out ${certificate} && chmod 600 ${key}${then})`,
    ];
}

/** The edge: HAProxy with the rendered haproxy.cfg, and when it ends TLS, its certificates. */
export function edgeUserData(haproxyCfg: string, tls?: EdgeTlsFiles): string {
    const site = HAPROXY_PATHS.siteCertificate;
    const config: CloudConfig = {
        packages: ["haproxy", ...(tls ? ["openssl"] : [])],
        files: [
            ...hostFiles("haproxy", HAPROXY_CHECK, "/bin/kill -USR2 $MAINPID"),
            ...(tls ? [
                ...(tls.site ? [{ path: site, content: tls.site.certificate + tls.site.privateKey, permissions: "0600" }] : []),
                { path: HAPROXY_PATHS.linkCa, content: tls.link.caCertificate, permissions: "0644" },
                { path: HAPROXY_PATHS.linkCertificate, content: tls.link.certificate + tls.link.privateKey, permissions: "0600" },
            ] : []),
            { path: HAPROXY_PATHS.config, content: haproxyCfg, defer: true },
        ],
        runcmd: [
            // HAProxy takes the certificate and its key in one file.
            ...(tls && !tls.site ? [selfSignedAtBoot(tls.publicHosts, `${site}.key`, `${site}.crt`, ` && cat ${site}.crt ${site}.key > ${site} && chmod 600 ${site}`)] : []),
            ...startCommands("haproxy", `haproxy -c -q -f ${HAPROXY_PATHS.config}`),
        ],
    };
    return renderUserData(config);
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

/** Certificate files of an nginx host: the configured pair, or none (then made at first boot by `selfSigned`). */
function tlsFiles(tls?: TlsMaterial): CloudFile[] {
    return tls ? [
        { path: NGINX_PATHS.certificate, content: tls.certificate, permissions: "0644" },
        { path: NGINX_PATHS.privateKey, content: tls.privateKey, permissions: "0600" },
    ] : [];
}

/** Without a configured certificate, a self-signed one for `names` made at first boot (kept across reboots). */
function selfSigned(names: string[], tls?: TlsMaterial): string[][] {
    return tls ? [] : [selfSignedAtBoot(names, NGINX_PATHS.privateKey, NGINX_PATHS.certificate)];
}

/** The origin proxy's end of the link: the CA of the edges' client certificates, its own certificate and key. */
function linkFiles(link?: LinkFiles): CloudFile[] {
    return link ? [
        { path: NGINX_PATHS.linkCa, content: link.caCertificate, permissions: "0644" },
        { path: NGINX_PATHS.linkCertificate, content: link.certificate, permissions: "0644" },
        { path: NGINX_PATHS.linkPrivateKey, content: link.privateKey, permissions: "0600" },
    ] : [];
}

/** What the origin proxy's nginx runs: its nginx.conf and the Lua module that conf requires. */
export interface OriginConfigs {
    nginxConf: string;
    conversionModule: string;
}

const NGINX_CHECK = "/usr/sbin/nginx -t -q -g 'daemon on; master_process on;'";
const NGINX_RELOAD = "/usr/sbin/nginx -g 'daemon on; master_process on;' -s reload";

/**
 * The origin proxy: nginx with the rendered nginx.conf and the site's certificate. Without a configured
 * certificate the host makes a self-signed one for `publicHosts` at first boot (the edge then skips verification).
 */
export function originUserData(configs: OriginConfigs, publicHosts: string[], tls?: TlsMaterial, link?: LinkFiles): string {
    const config: CloudConfig = {
        packages: ["nginx", "libnginx-mod-http-lua", "ca-certificates", "openssl"],
        files: [
            ...hostFiles("nginx", NGINX_CHECK, NGINX_RELOAD),
            ...tlsFiles(tls),
            ...linkFiles(link),
            { path: NGINX_PATHS.conversionModule, content: configs.conversionModule, defer: true },
            { path: NGINX_PATHS.config, content: configs.nginxConf, defer: true },
            { path: "/etc/logrotate.d/nginx", content: NGINX_LOGROTATE, defer: true },
        ],
        runcmd: [
            ["mkdir", "-p", NGINX_PATHS.acmeRoot],
            ...selfSigned(publicHosts, tls),
            ...startCommands("nginx", "nginx -t -q"),
        ],
    };
    return renderUserData(config);
}

export interface RedirectorGeoip {
    database: string;
    refreshHours: number;
    /** MaxMind's account; undefined: DB-IP's free database. */
    maxmind?: { accountId: string; licenseKey: string };
}

const GEOIP_CREDENTIALS = "/etc/china-edge/maxmind.env";

/**
 * The redirector: nginx with the GeoIP2 module and the rendered nginx.conf, the old names' certificate (or a
 * self-signed one), and the database downloaded before nginx starts, then refreshed by a timer.
 */
export function redirectorUserData(nginxConf: string, oldNames: string[], geoip: RedirectorGeoip, tls?: TlsMaterial): string {
    const source: GeoipSource = geoip.maxmind ? { kind: "maxmind", credentialsFile: GEOIP_CREDENTIALS } : { kind: "dbip" };
    const config: CloudConfig = {
        packages: ["nginx", "libnginx-mod-http-geoip2", "ca-certificates", "openssl", "curl"],
        files: [
            ...hostFiles("nginx", NGINX_CHECK, NGINX_RELOAD),
            ...tlsFiles(tls),
            ...(geoip.maxmind ? [{ path: GEOIP_CREDENTIALS, content: maxmindCredentials(geoip.maxmind.accountId, geoip.maxmind.licenseKey), permissions: "0600" }] : []),
            { path: GEOIP_UPDATE_SCRIPT, content: renderGeoipUpdateScript({ database: geoip.database, source, refreshHours: geoip.refreshHours }), permissions: "0755" },
            { path: `/etc/systemd/system/${GEOIP_UPDATE_UNIT}.service`, content: renderGeoipUpdateService() },
            { path: `/etc/systemd/system/${GEOIP_UPDATE_UNIT}.timer`, content: renderGeoipUpdateTimer(geoip.refreshHours) },
            { path: NGINX_PATHS.config, content: nginxConf, defer: true },
            { path: "/etc/logrotate.d/nginx", content: NGINX_LOGROTATE, defer: true },
        ],
        runcmd: [
            ...selfSigned(oldNames, tls),
            // nginx refuses to start without the database: the first download is retried until it lands.
            ["sh", "-c", `for i in 1 2 3 4 5 6 7 8 9 10; do ${GEOIP_UPDATE_SCRIPT} && break; sleep 30; done`],
            ...startCommands("nginx", "nginx -t -q"),
            ["systemctl", "enable", "--now", `${GEOIP_UPDATE_UNIT}.timer`],
        ],
    };
    return renderUserData(config);
}
