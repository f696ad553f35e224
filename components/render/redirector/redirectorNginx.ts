// nginx.conf of the redirector (cn-hongkong): visitors from mainland China asking for an old name get a redirect to
// its public name, path and query kept; everyone else, and the exempt paths, pass through to the existing service.
import { HostPair, regexLiteral } from "china-edge-policy/kernel/hosts";
import { blank, block, comment, directive, printConf, q } from "../shared/nginxConf";
import { UPGRADE_HEADERS, accessLog, clientTls, connectionUpgradeMap, hashBuckets, listen, upstreamTls } from "../shared/nginxShared";
import { V } from "../originProxy/nginxVariables";
import { NginxPaths } from "../shared/paths";
import { CLIENT_MAX_BODY, CONNECT_TIMEOUT, TUNNEL_TIMEOUT, UPSTREAM_KEEPALIVE, nginxSizing } from "../shared/capacity";
import { fewOf } from "../shared/summary";

export interface GeoipLookup {
    /** The GeoIP2/GeoLite2 country database. */
    database: string;
    /** ngx_http_geoip2_module, loaded explicitly: a rendered nginx.conf does not include modules-enabled. */
    module: string;
    /** How often nginx checks the database file for a new version. */
    reloadInterval: string;
}

export interface RedirectorNginxInput {
    /** Old name → public name, e.g. example.com → example.cn. */
    hosts: HostPair[];
    status: 301 | 302;
    /** Path prefixes never redirected. */
    exemptPaths: string[];
    /** The existing service, "host:port", reached over verified TLS with the old name as SNI and Host. */
    upstream: string;
    geoip: GeoipLookup;
    /** Address and port of the TLS listener; the address is omitted for all. */
    listen: { address?: string; port: number };
    /** Port of the plain HTTP listener (same rules, the redirect always to https). */
    httpPort: number;
    fileLimit: number;
    user?: string;
    paths: NginxPaths;
}

/** The country nginx assigns when the database has no answer for an address. */
export const UNKNOWN_COUNTRY = "XX";
/** The country whose visitors are redirected. */
export const REDIRECTED_COUNTRY = "CN";
/** Response header naming the country the redirector saw: makes a GeoIP mistake visible from the client side. */
export const COUNTRY_HEADER = "X-China-Edge-Country";

/** The redirector's nginx.conf. */
export function renderRedirectorNginx(input: RedirectorNginxInput): string {
    const { workerConnections, workerRlimitNofile } = nginxSizing(input.fileLimit);
    const p = input.paths;
    const { address } = input.listen;
    return printConf([
        comment(`Rendered by china-edge: redirector for ${fewOf(input.hosts.map((r) => `${r.origin} -> ${r.public}`))}`),
        directive("load_module", input.geoip.module),
        input.user ? directive("user", input.user) : undefined,
        directive("worker_processes", "auto"),
        directive("worker_rlimit_nofile", String(workerRlimitNofile)),
        directive("pid", p.pidFile),
        directive("error_log", p.errorLog, "warn"),
        blank,
        block("events", [], [directive("worker_connections", String(workerConnections))]),
        blank,
        block("http", [], [
            directive("include", p.mimeTypes),
            directive("default_type", "application/octet-stream"),
            directive("server_tokens", "off"),
            ...hashBuckets(input.hosts.flatMap((h) => [h.public, h.origin])),
            directive("keepalive_timeout", "75s"),
            directive("client_max_body_size", CLIENT_MAX_BODY),
            blank,
            ...accessLog("china_edge_redirector", { country: V.country }, p.accessLog),
            blank,
            ...clientTls(p, "10m"),
            blank,
            comment("The visitor's country by the connection's own address: nothing in front of this server rewrites it."),
            block("geoip2", [input.geoip.database], [
                directive("auto_reload", input.geoip.reloadInterval),
                directive(V.country, `default=${UNKNOWN_COUNTRY}`, "source=$remote_addr", "country", "iso_code"),
            ]),
            blank,
            comment("Only page loads are redirected: a redirected POST would lose its body, and API clients do not follow."),
            block("map", ["$request_method", V.methodRedirects], [directive("default", "0"), directive("GET", "1"), directive("HEAD", "1")]),
            block("map", ["$uri", V.exempt], [
                directive("default", "0"),
                input.exemptPaths.length === 0 ? undefined : directive(q(`~^(?:${input.exemptPaths.map(regexLiteral).join("|")})`), "1"),
            ]),
            block("map", [`"${V.country}:${V.methodRedirects}:${V.exempt}"`, V.redirect], [
                directive("default", "0"), directive(`"${REDIRECTED_COUNTRY}:1:0"`, "1"),
            ]),
            block("map", ["$host", V.publicHost], input.hosts.map((r) => directive(r.origin, r.public))),
            ...connectionUpgradeMap(false),
            blank,
            block("upstream", ["existing_service"], [
                directive("server", input.upstream, "max_fails=3", "fail_timeout=10s"),
                directive("keepalive", String(UPSTREAM_KEEPALIVE)),
            ]),
            blank,
            comment("Names other than the old ones get no certificate and no answer."),
            block("server", [], [
                listen(address, input.listen.port, "ssl", "http2", "default_server"),
                listen(address, input.httpPort, "default_server"),
                directive("ssl_reject_handshake", "on"),
                directive("return", "444"),
            ]),
            blank,
            block("server", [], [
                listen(address, input.listen.port, "ssl", "http2"),
                listen(address, input.httpPort),
                directive("server_name", ...input.hosts.map((r) => r.origin)),
                directive("add_header", COUNTRY_HEADER, V.country, "always"),
                blank,
                block("location", ["/"], [
                    block("if", [`(${V.redirect})`], [directive("return", String(input.status), `https://${V.publicHost}$request_uri`)]),
                    directive("proxy_pass", "https://existing_service"),
                    directive("proxy_http_version", "1.1"),
                    directive("proxy_connect_timeout", CONNECT_TIMEOUT),
                    directive("proxy_read_timeout", TUNNEL_TIMEOUT),
                    directive("proxy_send_timeout", TUNNEL_TIMEOUT),
                    ...upstreamTls("$host", p.caBundle),
                    directive("proxy_set_header", "Host", "$host"),
                    directive("proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for"),
                    directive("proxy_set_header", "X-Forwarded-Proto", "$scheme"),
                    directive("proxy_set_header", "X-Real-IP", "$remote_addr"),
                    ...UPGRADE_HEADERS,
                ]),
            ]),
        ]),
    ]);
}
