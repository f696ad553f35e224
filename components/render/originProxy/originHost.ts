// The origin proxy host: its first boot (nginx with Lua and HAProxy, their limits, the renewer) and its bundle
// (nginx.conf, the conversion module, haproxy.cfg, certificates). HAProxy ends the edges' link and hands it to nginx.
import { TlsMaterial } from "china-edge-policy/kernel/tls";
import { BUNDLE_PACKAGES, ProxyBundle } from "../shared/bundle";
import { UNAVAILABLE_ANSWER } from "./linkHaproxy";
import { ENABLE_RENEWER, RENEWER_FILES, RENEW_DAYS_BEFORE, RENEW_METRICS, RENEW_SETTINGS, RENEW_STATE, RUN_RENEWER, RenewSettings, certificateNames, renewSource, storeSource } from "../shared/renew";
import { LEAVE_FILES, LEAVE_SETTINGS, START_SPOT_WATCH, originLeaveSettings } from "../shared/leave";
import { renderUserData } from "../shared/cloudInit";
import { HEALTH_PATH, LINK_PORT, LINK_SERVER_NAME, NLB_HEALTH_CHECK, ORIGIN_PROXY_HEALTH_CHECK } from "../shared/endpoints";
import { HAPROXY_PATHS, NGINX_PATHS, NGINX_USER } from "../shared/paths";
import {
    HAPROXY_CHECK, HAPROXY_RELOAD, LinkFiles, METRICS_PACKAGES, NGINX_CHECK, NGINX_LOGROTATE, NGINX_RELOAD, NGINX_SERVICE, SETTLE_COMMANDS,
    hostFiles, linkFiles, readyCheck, selfSigned, serviceOverrideFile, tlsFiles,
} from "../shared/hostSetup";

/**
 * Exits 0 while this origin proxy answers its health path both ways the edges come: its TLS listener, PROXY protocol
 * first, as from a passthrough edge; and the link through HAProxy, with the link's certificate, as from a terminating one.
 */
export function originHealthCommand(publicHost: string): string[] {
    const probe = ["-fsS", "--max-time", "3", "-o", "/dev/null"];
    return ["curl", "--fail-early",
        ...probe, "-k", "--haproxy-protocol", "--resolve", `${publicHost}:443:127.0.0.1`, `https://${publicHost}${HEALTH_PATH}`,
        "--next", ...probe, "--cacert", NGINX_PATHS.linkCa, "--cert", NGINX_PATHS.linkCertificate, "--key", NGINX_PATHS.linkPrivateKey,
        "--resolve", `${LINK_SERVER_NAME}:${LINK_PORT}:127.0.0.1`, "-H", `Host: ${publicHost}`, `https://${LINK_SERVER_NAME}:${LINK_PORT}${HEALTH_PATH}`];
}

/** What the origin proxy host runs: nginx's nginx.conf and the Lua module it requires, HAProxy's haproxy.cfg. */
export interface OriginConfigs {
    nginxConf: string;
    conversionModule: string;
    haproxyCfg: string;
}

/** Both services of the host, checked, reloaded, started and asked together: nginx first, since HAProxy hands it the link. */
export const ORIGIN_SERVICES: Pick<ProxyBundle, "check" | "reload" | "start" | "active"> = {
    check: ["sh", "-c", `nginx -t -q && haproxy -c -q -f ${HAPROXY_PATHS.config}`],
    reload: ["sh", "-c", "systemctl reload nginx && systemctl reload haproxy"],
    start: ["sh", "-c", "systemctl enable nginx haproxy && systemctl restart nginx && systemctl restart haproxy"],
    active: ["sh", "-c", "systemctl is-active --quiet nginx && systemctl is-active --quiet haproxy"],
};

/** The origin proxy host: nginx with Lua and HAProxy, their limits, overrides and log rotation, the apply and leave tools, the renewer with its timer. */
export function originUserData(): string {
    return renderUserData({
        // BUNDLE_PACKAGES' libbrotli1 also decodes the brotli bodies the conversion module meets (zlib comes with nginx).
        packages: ["nginx", "libnginx-mod-http-lua", "haproxy", "ca-certificates", "openssl", "curl", "lego", ...METRICS_PACKAGES, ...BUNDLE_PACKAGES],
        files: [
            ...hostFiles("nginx", NGINX_CHECK, NGINX_RELOAD),
            serviceOverrideFile("haproxy", HAPROXY_CHECK, HAPROXY_RELOAD),
            { path: "/etc/logrotate.d/nginx", content: NGINX_LOGROTATE, defer: true },
            ...LEAVE_FILES,
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
        name, domains: certificateNames(publicHosts), source: renewSource(acme, role, peer, { ca: p.linkCa, clientCertificate: p.linkCertificate, clientKey: p.linkPrivateKey, serverName: LINK_SERVER_NAME }),
        state: RENEW_STATE, days: RENEW_DAYS_BEFORE, files: { certificate: p.certificate, key: p.privateKey, pem: p.sitePem, pemGroup: NGINX_USER },
        metrics: RENEW_METRICS, ...NGINX_SERVICE,
    };
}

/**
 * The renewer's settings on every origin proxy of the scaling group `name`, as on a group's edges
 * (edgeGroupRenewSettings): the group's one certificate in its bucket, ordered by whichever host finds it due.
 */
export function originGroupRenewSettings(name: string, publicHosts: string[], acme: { email: string; server: string }, role: string,
    store: { bucket: string; region: string; endpoint: string }): RenewSettings {
    const p = NGINX_PATHS;
    return {
        name, domains: certificateNames(publicHosts), source: storeSource(acme, role, store),
        state: RENEW_STATE, days: RENEW_DAYS_BEFORE, files: { certificate: p.certificate, key: p.privateKey, pem: p.sitePem, pemGroup: NGINX_USER },
        metrics: RENEW_METRICS, ...NGINX_SERVICE,
    };
}

/**
 * What the origin proxy `name` serves: its nginx.conf, the Lua module, haproxy.cfg, the site's certificate and the link's end;
 * with `renew`, the renewer's settings, and the renewer run once the bundle is in place (see edgeBundle); with `group`,
 * a host of a scaling group behind an NLB (spot: the watch of its reclamation notice started).
 * Without a configured certificate the host makes a self-signed one for `publicHosts` (the edge then skips verification).
 */
export function originBundle(name: string, configs: OriginConfigs, publicHosts: string[], tls?: TlsMaterial, link?: LinkFiles, renew?: RenewSettings,
    group?: { spot: boolean }): ProxyBundle {
    // In service as what checks it sees it: passing as many times in a row as the edges' checks, or the NLB's, need.
    const ready = readyCheck(originHealthCommand(publicHosts[0]), group ? NLB_HEALTH_CHECK : ORIGIN_PROXY_HEALTH_CHECK);
    return {
        name,
        ready,
        files: [
            ...tlsFiles(tls),
            ...linkFiles(link),
            { path: NGINX_PATHS.conversionModule, content: configs.conversionModule, mode: "0644" },
            { path: NGINX_PATHS.config, content: configs.nginxConf, mode: "0644" },
            { path: HAPROXY_PATHS.unavailableAnswer, content: UNAVAILABLE_ANSWER, mode: "0644" },
            { path: HAPROXY_PATHS.config, content: configs.haproxyCfg, mode: "0644" },
            // Empty but while china-edge-leave takes the host out of a scaling group's NLB.
            { path: HAPROXY_PATHS.leavingMap, content: "", mode: "0644" },
            { path: LEAVE_SETTINGS, content: JSON.stringify(originLeaveSettings(name), null, 2) + "\n", mode: "0644" },
            ...(renew ? [{ path: RENEW_SETTINGS, content: JSON.stringify(renew, null, 2) + "\n", mode: "0644" }] : []),
        ],
        ...ORIGIN_SERVICES,
        prepare: selfSigned(publicHosts, tls),
        after: [...(renew ? [RUN_RENEWER] : []), ...(group?.spot ? [START_SPOT_WATCH] : [])],
    };
}
