// The origin proxy host: its first boot (nginx with Lua, its limits, the renewer) and its bundle (nginx.conf, the
// conversion module, certificates).
import { TlsMaterial } from "china-edge-policy/kernel/tls";
import { renderApplyCommand } from "../shared/bundle";
import { ENABLE_RENEWER, RENEWER_FILES, RENEW_DAYS_BEFORE, RENEW_METRICS, RENEW_SETTINGS, RENEW_STATE, RUN_RENEWER, RenewSettings, renewSource } from "../shared/renew";
import { renderUserData } from "../shared/cloudInit";
import { HEALTH_PATH, LINK_SERVER_NAME, ORIGIN_PROXY_HEALTH_CHECK } from "../shared/endpoints";
import { NGINX_PATHS, NGINX_USER } from "../shared/paths";
import { LinkFiles, METRICS_PACKAGES, NGINX_CHECK, NGINX_LOGROTATE, NGINX_RELOAD, NGINX_SERVICE, SETTLE_COMMANDS, hostFiles, linkFiles, readyCheck, selfSigned, tlsFiles } from "../shared/hostSetup";

/** Exits 0 while this origin proxy answers its health path through its TLS listener, PROXY protocol first, as from an edge. */
export function originHealthCommand(publicHost: string): string[] {
    return ["curl", "-fsSk", "--haproxy-protocol", "--max-time", "3", "-o", "/dev/null",
        "--resolve", `${publicHost}:443:127.0.0.1`, `https://${publicHost}${HEALTH_PATH}`];
}

/** What the origin proxy's nginx runs: its nginx.conf and the Lua module that conf requires. */
export interface OriginConfigs {
    nginxConf: string;
    conversionModule: string;
}

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
