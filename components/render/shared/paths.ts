// Where the rendered files live on the proxies (Debian 12, the image the components look up). The lab and the
// validators render the same configs with their own paths.

export interface NginxPaths {
    config: string;
    pidFile: string;
    errorLog: string;
    accessLog: string;
    mimeTypes: string;
    /** CA bundle that verifies the origin's certificate. */
    caBundle: string;
    certificate: string;
    privateKey: string;
    /** The certificate and key in one file, as the first origin proxy hands them to the others (ACME). */
    sitePem: string;
    /** Files served for ACME http-01 challenges. */
    acmeRoot: string;
    /** The edges' link: the CA their client certificates chain to, and this proxy's own certificate and key. */
    linkCa: string;
    linkCertificate: string;
    linkPrivateKey: string;
    /** The origin proxy's Lua module (conversionModule.ts); nginx finds it by its directory and name. */
    conversionModule: string;
    /** The cache of relayed third-party answers (nginx makes the directory; its parent exists). */
    relayCache: string;
}

export interface HaproxyPaths {
    config: string;
    adminSocket: string;
    /** CA bundle that verifies the origin proxies' certificate in health checks. */
    caBundle: string;
    /** Terminating edge: the public names' certificate and key in one PEM. */
    siteCertificate: string;
    /** Terminating edge: the CA of the origin proxies' link certificates, and the edge's client certificate and key. */
    linkCa: string;
    linkCertificate: string;
    /** Origin proxy host: the answer HAProxy gives when nginx cannot take a request. */
    unavailableAnswer: string;
    /** Edge: the map whose "leaving" entry fails its health check (china-edge-leave adds it). */
    leavingMap: string;
}

/** The user nginx's workers run as on Debian (they read what they serve: the shared certificate file too). */
export const NGINX_USER = "www-data";

export const NGINX_PATHS: NginxPaths = {
    config: "/etc/nginx/nginx.conf",
    pidFile: "/run/nginx.pid",
    errorLog: "/var/log/nginx/error.log",
    accessLog: "/var/log/nginx/access.log",
    mimeTypes: "/etc/nginx/mime.types",
    caBundle: "/etc/ssl/certs/ca-certificates.crt",
    certificate: "/etc/nginx/tls/site.crt",
    privateKey: "/etc/nginx/tls/site.key",
    sitePem: "/etc/nginx/tls/site.pem",
    acmeRoot: "/var/www/acme",
    linkCa: "/etc/nginx/tls/link-ca.crt",
    linkCertificate: "/etc/nginx/tls/link.crt",
    linkPrivateKey: "/etc/nginx/tls/link.key",
    conversionModule: "/etc/nginx/china-edge/conversion.lua",
    relayCache: "/var/lib/nginx/china-edge-relay",
};

export const HAPROXY_PATHS: HaproxyPaths = {
    config: "/etc/haproxy/haproxy.cfg",
    adminSocket: "/run/haproxy/admin.sock",
    caBundle: "/etc/ssl/certs/ca-certificates.crt",
    siteCertificate: "/etc/haproxy/tls/site.pem",
    linkCa: "/etc/haproxy/tls/link-ca.crt",
    linkCertificate: "/etc/haproxy/tls/link.pem",
    unavailableAnswer: "/etc/haproxy/errors/china-edge-unavailable.http",
    leavingMap: "/etc/haproxy/leaving.map",
};

/** The proxy configs the offline plan writes out as artifacts, from each instance's user data. */
export const PROXY_CONFIG_FILES = [HAPROXY_PATHS.config, NGINX_PATHS.config, NGINX_PATHS.conversionModule];

/** Debian's libnginx-mod-http-lua and the kit it needs loaded first (libnginx-mod-http-ndk): the origin proxy's Lua. */
export const LUA_MODULES = ["/usr/lib/nginx/modules/ndk_http_module.so", "/usr/lib/nginx/modules/ngx_http_lua_module.so"];

/** Debian's libnginx-mod-http-geoip2, the GeoIP2 lookup module the redirector loads. */
export const GEOIP2_MODULE = "/usr/lib/nginx/modules/ngx_http_geoip2_module.so";
