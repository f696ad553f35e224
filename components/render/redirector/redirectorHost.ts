// The redirector host: its first boot (nginx with GeoIP2, the database and its refresh timer) and its bundle.
import { TlsMaterial } from "china-edge-policy/kernel/tls";
import { BUNDLE_PACKAGES, ProxyBundle } from "../shared/bundle";
import { renderUserData } from "../shared/cloudInit";
import { NGINX_PATHS } from "../shared/paths";
import { GEOIP_UPDATE_SCRIPT, GEOIP_UPDATE_UNIT, GeoipSource, maxmindCredentials, renderGeoipUpdateScript, renderGeoipUpdateService, renderGeoipUpdateTimer } from "./geoipUpdate";
import { NGINX_CHECK, NGINX_LOGROTATE, NGINX_RELOAD, NGINX_SERVICE, SETTLE_COMMANDS, hostFiles, selfSigned, tlsFiles } from "../shared/hostSetup";

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
        packages: ["nginx", "libnginx-mod-http-geoip2", "ca-certificates", "openssl", "curl", ...BUNDLE_PACKAGES],
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
export function redirectorBundle(name: string, nginxConf: string, oldNames: string[], tls?: TlsMaterial): ProxyBundle {
    return {
        name,
        files: [...tlsFiles(tls), { path: NGINX_PATHS.config, content: nginxConf, mode: "0644" }],
        ...NGINX_SERVICE,
        prepare: selfSigned(oldNames, tls),
    };
}
