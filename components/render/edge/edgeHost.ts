// The edge host: its first boot (HAProxy, its limits, the renewer) and its bundle (haproxy.cfg, certificates).
import { TlsMaterial } from "china-edge-policy/kernel/tls";
import { BUNDLE_PACKAGES, BundleFile, ProxyBundle, systemdCommands } from "../shared/bundle";
import { ENABLE_RENEWER, RENEWER_FILES, RENEW_DAYS_BEFORE, RENEW_METRICS, RENEW_SETTINGS, RENEW_STATE, RUN_RENEWER, RenewSettings, certificateNames, renewSource, storeSource } from "../shared/renew";
import { renderUserData } from "../shared/cloudInit";
import { NLB_HEALTH_CHECK, EDGE_LINK_NAME, HEALTH_PATH, STATS_PORT } from "../shared/endpoints";
import { HAPROXY_PATHS } from "../shared/paths";
import { LEAVE_FILES, LEAVE_SETTINGS, START_SPOT_WATCH, edgeLeaveSettings } from "../shared/leave";
import { HAPROXY_CHECK, HAPROXY_RELOAD, LinkFiles, METRICS_PACKAGES, ProxyHostName, SETTLE_COMMANDS, hostFiles, readyCheck, selfSignedOnce } from "../shared/hostSetup";

/** What a terminating edge holds: the public names' certificate (or none: self-signed at first boot) and its link end. */
export interface EdgeTlsFiles {
    publicHosts: string[];
    site?: TlsMaterial;
    link: LinkFiles;
}

/** The edge host: HAProxy, its limits and overrides, the apply and leave tools, and the certificate's renewer with its timer. */
export function edgeUserData(): string {
    return renderUserData({
        packages: ["haproxy", "openssl", "curl", "lego", ...METRICS_PACKAGES, ...BUNDLE_PACKAGES],
        files: [...hostFiles("haproxy", HAPROXY_CHECK, HAPROXY_RELOAD), ...LEAVE_FILES, ...RENEWER_FILES],
        runcmd: [...SETTLE_COMMANDS, ENABLE_RENEWER],
    });
}

const EDGE_SERVICE = systemdCommands("haproxy", ["haproxy", "-c", "-q", "-f", HAPROXY_PATHS.config]);

/**
 * The renewer's settings on the edge `name`. The first edge (`peer` undefined) orders the public names from
 * `acme.server`, DNS-01 through Alibaba Cloud DNS with the host's RAM role `role` (temporary credentials, no key on the
 * host); the others copy its certificate from `peer`, its private address, with the edges' link certificate. The
 * first also hands it to DCDN for `dcdnNames`.
 */
export function edgeRenewSettings(name: string, publicHosts: string[], acme: { email: string; server: string }, role: string, peer?: string,
    dcdnNames: string[] = []): RenewSettings {
    const p = HAPROXY_PATHS;
    return {
        name, domains: certificateNames(publicHosts), source: renewSource(acme, role, peer, { ca: p.linkCa, clientCertificate: p.linkCertificate, serverName: EDGE_LINK_NAME }),
        state: RENEW_STATE, days: RENEW_DAYS_BEFORE, files: { pem: p.siteCertificate }, metrics: RENEW_METRICS, ...EDGE_SERVICE,
        ...(peer === undefined && dcdnNames.length > 0 ? { dcdn: { domains: dcdnNames } } : {}),
    };
}

/**
 * The renewer's settings on every edge of the scaling group `name`: the group's one certificate in its bucket (`store`),
 * ordered from `acme.server` through Alibaba Cloud DNS with the hosts' RAM role `role` by whichever edge finds it due;
 * each edge hands it to DCDN for `dcdnNames`, once per certificate.
 */
export function edgeGroupRenewSettings(name: string, publicHosts: string[], acme: { email: string; server: string }, role: string,
    store: { bucket: string; region: string; endpoint: string }, dcdnNames: string[] = []): RenewSettings {
    return {
        name, domains: certificateNames(publicHosts), source: storeSource(acme, role, store),
        state: RENEW_STATE, days: RENEW_DAYS_BEFORE, files: { pem: HAPROXY_PATHS.siteCertificate }, metrics: RENEW_METRICS, ...EDGE_SERVICE,
        ...(dcdnNames.length > 0 ? { dcdn: { domains: dcdnNames } } : {}),
    };
}

/** Exits 0 while the edge at `privateIp` passes the health check the NLB makes. */
export function edgeHealthCommand(privateIp: string): string[] {
    return ["curl", "-fsS", "--max-time", "3", "-o", "/dev/null", `http://${privateIp}:${STATS_PORT}${HEALTH_PATH}`];
}

/**
 * What the edge `name` serves: the rendered haproxy.cfg and, when it ends TLS, its certificates; with `renew`, the
 * renewer's settings, and the renewer run once the bundle is in place. The delivery waits for it, so the edges after
 * the first find its certificate to copy; a failure there does not fail the delivery (the edge serves a self-signed
 * certificate, the timer tries again within the hour, and the renewer's status and metrics say so).
 */
export function edgeBundle(host: ProxyHostName, haproxyCfg: string, tls?: EdgeTlsFiles, renew?: RenewSettings, spot = false): ProxyBundle {
    const site = HAPROXY_PATHS.siteCertificate;
    const files: BundleFile[] = [
        ...(tls ? [
            ...(tls.site ? [{ path: site, content: tls.site.certificate + tls.site.privateKey, mode: "0600" }] : []),
            { path: HAPROXY_PATHS.linkCa, content: tls.link.caCertificate, mode: "0644" },
            { path: HAPROXY_PATHS.linkCertificate, content: tls.link.certificate + tls.link.privateKey, mode: "0600" },
        ] : []),
        { path: HAPROXY_PATHS.config, content: haproxyCfg, mode: "0644" },
        // Empty but while china-edge-leave takes the edge out, which writes it and adds to the running map.
        { path: HAPROXY_PATHS.leavingMap, content: "", mode: "0644" },
        { path: LEAVE_SETTINGS, content: JSON.stringify(edgeLeaveSettings(host.name), null, 2) + "\n", mode: "0644" },
        ...(renew ? [{ path: RENEW_SETTINGS, content: JSON.stringify(renew, null, 2) + "\n", mode: "0644" }] : []),
    ];
    // HAProxy takes the certificate and its key in one file.
    const prepare = tls && !tls.site
        ? [selfSignedOnce(tls.publicHosts, `${site}.key`, `${site}.crt`, ` && cat ${site}.crt ${site}.key > ${site} && chmod 600 ${site}`)]
        : [];
    const after = [...(renew ? [RUN_RENEWER] : []), ...(spot ? [START_SPOT_WATCH] : [])];
    // In service as the NLB sees it: its health check passing as many times in a row as the NLB needs.
    const ready = readyCheck(edgeHealthCommand(host.privateIp), NLB_HEALTH_CHECK);
    return { name: host.name, files, ...EDGE_SERVICE, ready, prepare, after };
}
