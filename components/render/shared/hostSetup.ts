// What every proxy host's user data and bundle share: limits and the service's systemd overrides, the apply
// tool, settling commands, certificates made once, the nginx service of the origin proxies and the redirector.
import { TlsMaterial } from "china-edge-policy/kernel/tls";
import { APPLY_TOOL, APPLY_TOOL_SOURCE, BundleFile, ReadyCheck, systemdCommands } from "./bundle";
import { CloudFile } from "./cloudInit";
import { renderSysctl } from "./sysctl";
import { FILE_LIMIT } from "./capacity";
import { READY_TIMEOUT_SECONDS } from "./endpoints";
import { NGINX_PATHS } from "./paths";

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

/** The systemd drop-in of a further service on a host (hostFiles gives the first its own). */
export function serviceOverrideFile(service: string, checkCommand: string, reloadCommand: string): CloudFile {
    return { path: `/etc/systemd/system/${service}.service.d/china-edge.conf`, content: serviceOverride(checkCommand, reloadCommand) };
}

export function hostFiles(service: string, checkCommand: string, reloadCommand: string): CloudFile[] {
    return [
        { path: "/etc/sysctl.d/90-china-edge.conf", content: renderSysctl() },
        {
            path: "/etc/security/limits.d/90-china-edge.conf",
            content: `* soft nofile ${FILE_LIMIT}\n* hard nofile ${FILE_LIMIT}\nroot soft nofile ${FILE_LIMIT}\nroot hard nofile ${FILE_LIMIT}\n`,
        },
        serviceOverrideFile(service, checkCommand, reloadCommand),
        // The journal holds HAProxy's log and every service's output: bounded in size and age.
        { path: "/etc/systemd/journald.conf.d/china-edge.conf", content: "[Journal]\nSystemMaxUse=1G\nMaxRetentionSec=14day\n" },
        { path: APPLY_TOOL, content: APPLY_TOOL_SOURCE, permissions: "0755" },
    ];
}

/** Applies the kernel settings and the service's overrides; the service gets its config from its bundle. */
export const SETTLE_COMMANDS: string[][] = [
    ["systemctl", "restart", "systemd-sysctl"],
    ["systemctl", "daemon-reload"],
    ["systemctl", "restart", "systemd-journald"],
];

/** One end of the link across the border: the CA both ends trust, this end's certificate and key (PEM). */
export interface LinkFiles {
    caCertificate: string;
    certificate: string;
    privateKey: string;
}

/**
 * A shell line making a self-signed certificate for `names` unless one for exactly those names exists (kept across
 * deliveries and reboots; made again when the names change); `then` runs after it.
 */
export function selfSignedOnce(names: string[], key: string, certificate: string, then = ""): string {
    // The names once, in a variable: with hundreds of them every copy counts against the command's limit.
    const san = names.map((h) => `DNS:${h}`).join(",");
    return `san=${san}; { test -s ${key} && test "$(cat ${key}.names 2>/dev/null)" = "$san"; } || (mkdir -p ${key.replace(/\/[^/]+$/, "")} && ` +
        `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 -subj /CN=${names[0]} ` +
        `-addext "subjectAltName=$san" -keyout ${key} -out ${certificate} && chmod 600 ${key} && echo "$san" > ${key}.names${then})`;
}

/**
 * Debian's node exporter on every proxy host: the host's CPU, memory, disks and network on NODE_EXPORTER_PORT, and the
 * renewer's certificate metrics from its textfile directory.
 */
export const METRICS_PACKAGES = ["prometheus-node-exporter"];

/** A proxy host as its bundle names it: the instance's name and its fixed private address. */
export interface ProxyHostName {
    name: string;
    privateIp: string;
}

export function readyCheck(command: string[], check: { intervalSeconds: number; healthyThreshold: number }): ReadyCheck {
    return { command, passes: check.healthyThreshold, intervalSeconds: check.intervalSeconds, timeoutSeconds: READY_TIMEOUT_SECONDS };
}

export const NGINX_LOGROTATE = `# Rendered by china-edge
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
export function tlsFiles(tls?: TlsMaterial): BundleFile[] {
    return tls ? [
        { path: NGINX_PATHS.certificate, content: tls.certificate, mode: "0644" },
        { path: NGINX_PATHS.privateKey, content: tls.privateKey, mode: "0600" },
    ] : [];
}

/** Without a configured certificate, a self-signed one for `names`, made once. */
export function selfSigned(names: string[], tls?: TlsMaterial): string[] {
    return tls ? [] : [selfSignedOnce(names, NGINX_PATHS.privateKey, NGINX_PATHS.certificate)];
}

/** The origin proxy's end of the link: the CA of the edges' client certificates, its own certificate and key. */
export function linkFiles(link?: LinkFiles): BundleFile[] {
    return link ? [
        { path: NGINX_PATHS.linkCa, content: link.caCertificate, mode: "0644" },
        { path: NGINX_PATHS.linkCertificate, content: link.certificate, mode: "0644" },
        { path: NGINX_PATHS.linkPrivateKey, content: link.privateKey, mode: "0600" },
    ] : [];
}

/** HAProxy's check and reload as Debian's unit runs them (a reload is SIGUSR2 to the master; old workers keep their connections). */
export const HAPROXY_CHECK = "/usr/sbin/haproxy -Ws -f $CONFIG -c -q $EXTRAOPTS";
export const HAPROXY_RELOAD = "/bin/kill -USR2 $MAINPID";

export const NGINX_CHECK = "/usr/sbin/nginx -t -q -g 'daemon on; master_process on;'";

export const NGINX_RELOAD = "/usr/sbin/nginx -g 'daemon on; master_process on;' -s reload";

export const NGINX_SERVICE = systemdCommands("nginx", ["nginx", "-t", "-q"]);
