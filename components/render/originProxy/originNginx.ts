// nginx.conf of the origin proxy (US East): terminates TLS for the public names, converts them to the old names
// and back by the rules of conversionRules.ts, and proxies to the existing service over verified TLS.
import * as path from "path";
import { HostPair } from "china-edge-policy/kernel/hosts";
import { ThirdParty } from "../../thirdParty/hosts";
import { VPC_RESOLVERS, relayLocations, relayMaps } from "./relay";
import { CONVERSION_RULES, rulesOf } from "./conversionRules";
import { CONVERTED_TYPES, STREAMED_TYPES } from "./convertedTypes";
import { Node, blank, block, comment, directive, printConf, q } from "../shared/nginxConf";
import { UPGRADE_HEADERS, accessLog, clientTls, connectionUpgradeMap, hashBuckets, listen, statusServer, upstreamTls } from "../shared/nginxShared";
import { V } from "./nginxVariables";
import { MODULE } from "./conversionModule";
import { LUA_MODULES, NginxPaths } from "../shared/paths";
import { CLIENT_MAX_BODY, CONNECT_TIMEOUT, LINK_IDLE_TIMEOUT, LISTEN_BACKLOG, TUNNEL_TIMEOUT, UPSTREAM_KEEPALIVE, WORKER_SHUTDOWN_TIMEOUT, nginxSizing } from "../shared/capacity";
import { HEALTH_PATH, NGINX_STATUS_PATH, REQUEST_ID_HEADER } from "../shared/endpoints";
import { fewOf } from "../shared/summary";

/** The filing numbers mainland sites show at their foot. */
export interface IcpFooter {
    /** ICP filing number, e.g. 沪ICP备12345678号-1; links to the MIIT filing system. */
    icpNumber: string;
    /** Optional public-security filing number, e.g. 沪公网安备31010402000001号. */
    psbNumber?: string;
}

export interface OriginProxyNginxInput {
    /** Served names; the first is the primary (health checks use it). */
    hosts: HostPair[];
    /** Third-party hosts and their treatment: relayed under /_ext/<host>/, mirrored, dropped or kept. */
    thirdParty: ThirdParty[];
    /** Resolvers of relayed hosts' names; default VPC_RESOLVERS. */
    resolvers?: string[];
    /** Third-party host → "address:port" to connect to when relayed; by default the host itself on 443. */
    relayAddresses?: Record<string, string>;
    /** Origin host → "address:port" to connect to; by default the origin host itself on 443, resolved at start. */
    upstreamAddresses?: Record<string, string>;
    /** Ranges whose PROXY protocol header is trusted for the client address (the edge's VPC). */
    trustedProxyCidrs: string[];
    /** Address and port of the TLS listener (PROXY protocol); the address is omitted for all. */
    listen: { address?: string; port: number };
    /** Port of the plain listener for ACME challenges and redirects, behind PROXY protocol; omitted for none. */
    httpPort?: number;
    /**
     * Where the host's HAProxy, which ends the terminating edges' link, hands their requests (`port`) and WebSockets
     * (`websocketPort`): plain HTTP/1.1 on `address`, the client address from X-Forwarded-For of that address only;
     * omitted for none.
     */
    link?: { address: string; port: number; websocketPort: number };
    /** Footer with filing numbers inserted into every HTML page; omitted for none. */
    icp?: IcpFooter;
    /** The connection counters' port and the ranges that may read them; omitted for none. */
    stats?: { port: number; allowed: string[] };
    /**
     * The port where this origin proxy hands its ACME certificate (paths.sitePem) to the others, which present the
     * link certificate whose subject is `clientName`; omitted for none.
     */
    share?: { port: number; path: string; clientName: string };
    /** Descriptor limit the service runs with; sizes worker_connections. */
    fileLimit: number;
    /** Unix user of the workers; omitted to keep nginx's default. */
    user?: string;
    paths: NginxPaths;
}

/** Response header the origin proxy sets on every answer (its host name): proof a request crossed the chain. */
export const CHAIN_HEADER = "X-China-Edge";

/** The errors nginx itself answers when the origin fails, and what each says. */
const ORIGIN_ERRORS: Record<string, string> = {
    502: "could not be reached",
    504: "did not answer in time",
};

function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The footer inserted before </body>: the ICP number links to MIIT, the public-security number to its register. */
export function icpFooterHtml(icp: IcpFooter): string {
    const links = [`<a href="https://beian.miit.gov.cn/" target="_blank" rel="noopener">${escapeHtml(icp.icpNumber)}</a>`];
    if (icp.psbNumber) {
        const code = icp.psbNumber.replace(/\D/g, "");
        links.push(`<a href="https://beian.mps.gov.cn/#/query/webSearch?code=${code}" target="_blank" rel="noopener">${escapeHtml(icp.psbNumber)}</a>`);
    }
    return `<div id="china-edge-filing" style="text-align:center;font-size:12px;padding:8px 0">${links.join(" ")}</div>`;
}

/** Upstream block name of an old name. */
export function upstreamName(originHost: string): string {
    return `origin_${originHost.replace(/[^a-z0-9]/gi, "_")}`;
}

const ACCEPT_ENCODING: Node[] = [
    comment("sub_filter cannot see into compressed bodies: ask the origin for identity, compress again above."),
    directive("proxy_set_header", "Accept-Encoding", "\"\""),
];

/**
 * The location that proxies to the existing service, converting on the way in and out; with `bodies` false (a server
 * of WebSockets only) the names in requests and response headers alone.
 */
function proxyLocation(input: OriginProxyNginxInput, bodies = true): Node {
    const rules = (...kinds: Parameters<typeof rulesOf>) => rulesOf(...kinds).flatMap((r) => r.location?.(input) ?? []);
    return block("location", ["/"], [
        comment("A variable naming an upstream block uses that block (and its keepalive pool); no resolver involved."),
        directive("proxy_pass", `https://${V.upstream}`),
        directive("proxy_http_version", "1.1"),
        comment("Relay what the origin sends as it arrives: a stream (server-sent events, NDJSON) leaves converted event by",
            "event, since sub_filter lets go of its output on each flush (buffered, every event waited for the stream's end)."),
        directive("proxy_buffering", "off"),
        directive("proxy_connect_timeout", CONNECT_TIMEOUT),
        directive("proxy_read_timeout", TUNNEL_TIMEOUT),
        directive("proxy_send_timeout", TUNNEL_TIMEOUT),
        blank,
        directive("proxy_set_header", "Host", V.originHost),
        directive("proxy_set_header", "X-Forwarded-Host", "$host"),
        directive("proxy_set_header", "X-Forwarded-Proto", "https"),
        directive("proxy_set_header", "X-Forwarded-For", "$remote_addr"),
        directive("proxy_set_header", "X-Real-IP", "$remote_addr"),
        ...UPGRADE_HEADERS,
        ...rules("request header"),
        ...ACCEPT_ENCODING,
        blank,
        ...rules("redirect", "cookie", "response header"),
        ...(bodies ? [
            blank,
            comment("The body rules' sub_filter lines are set at http level, once for every server."),
            ...rules("body"),
            directive("sub_filter_once", "off"),
            directive("sub_filter_types", ...CONVERTED_TYPES, ...STREAMED_TYPES),
        ] : []),
    ].filter((n): n is Node => n !== undefined));
}

/**
 * One server for every served name: maps pick the old name and upstream of the request's host. `front` is how
 * requests arrive (the listener and what it trusts).
 */
function siteServer(input: OriginProxyNginxInput, front: Node[]): Node {
    return block("server", [], [
        ...front,
        directive("server_name", ...input.hosts.map((h) => h.public)),
        blank,
        comment("Upstream TLS at server level: every location shares one TLS context per upstream (mixed settings over",
            "one keepalive pool gave intermittent 502s)."),
        ...upstreamTls(V.originHost, input.paths.caBundle),
        blank,
        comment("Response headers are set here only: a location with its own add_header would drop these."),
        directive("proxy_hide_header", "Alt-Svc"),
        directive("add_header", CHAIN_HEADER, "$hostname", "always"),
        blank,
        comment("Errors nginx makes itself when the origin does not answer (the origin's own error pages pass unchanged)."),
        ...Object.entries(ORIGIN_ERRORS).flatMap(([code, what]) => [
            directive("error_page", code, `@ce_origin_${code}`),
            block("location", [`@ce_origin_${code}`], [
                directive("default_type", "text/plain"),
                directive("return", code, `"${code}: the origin ${V.originHost} ${what} (origin proxy $hostname); try again shortly\\n"`),
            ]),
        ]),
        blank,
        block("location", ["=", HEALTH_PATH], [
            directive("access_log", "off"), directive("default_type", "text/plain"), directive("return", "200", "\"ok\\n\""),
        ]),
        blank,
        ...relayLocations(relayInput(input), CHAIN_HEADER),
        blank,
        proxyLocation(input),
    ]);
}

function relayInput(input: OriginProxyNginxInput) {
    return { thirdParty: input.thirdParty, resolvers: input.resolvers ?? VPC_RESOLVERS, upstreamAddresses: input.relayAddresses, paths: input.paths };
}

/** Plain HTTP from the edge: ACME http-01 challenges are answered here, everything else goes to https. */
function httpServer(input: OriginProxyNginxInput, port: number): Node[] {
    return [
        blank,
        comment("Plain HTTP from the edge: ACME http-01 challenges are answered here, everything else goes to https."),
        block("server", [], [
            listen(input.listen.address, port, "proxy_protocol", "default_server", "reuseport", `backlog=${LISTEN_BACKLOG}`),
            block("location", ["/.well-known/acme-challenge/"], [directive("root", input.paths.acmeRoot)]),
            block("location", ["/"], [directive("return", "301", "https://$host$request_uri")]),
        ]),
    ];
}

/** What the host's HAProxy hands over from the link: plain HTTP/1.1 on loopback, the client as the edge saw it. */
function linkFront(link: { address: string }, port: number): Node[] {
    return [
        comment("The link's requests from this host's HAProxy, which ends the edges' mutual TLS: the client address they saw,",
            "from X-Forwarded-For, trusted from HAProxy only."),
        listen(link.address, port, `backlog=${LISTEN_BACKLOG}`),
        directive("keepalive_timeout", LINK_IDLE_TIMEOUT),
        directive("keepalive_requests", "100000"),
        directive("set_real_ip_from", link.address),
        directive("real_ip_header", "X-Forwarded-For"),
    ];
}

/**
 * WebSockets from the link (HAProxy sends only upgrades here): the names in the request and the answer's headers
 * converted as for pages, no bodies. An upgraded connection holds a buffer of proxy_buffer_size each way, so this
 * server keeps it small (the pages' 16k is for long CSP headers).
 */
function websocketServer(input: OriginProxyNginxInput, link: { address: string; websocketPort: number }): Node {
    return block("server", [], [
        ...linkFront(link, link.websocketPort),
        directive("server_name", ...input.hosts.map((h) => h.public)),
        directive("proxy_buffer_size", "4k"),
        ...upstreamTls(V.originHost, input.paths.caBundle),
        directive("add_header", CHAIN_HEADER, "$hostname", "always"),
        proxyLocation(input, false),
    ]);
}

function icpFooterMap(icp: IcpFooter): Node {
    return block("map", ["$sent_http_content_type", V.icpFooter], [
        directive("default", "'</body>'"),
        directive("'~*^text/html'", q(`${icpFooterHtml(icp)}</body>`)),
    ]);
}

/** The certificate and key as the other origin proxies copy them: over mutual TLS with the link's CA, to them only. */
function shareServer(p: NginxPaths, share: { port: number; path: string; clientName: string }): Node[] {
    return [
        comment("The other origin proxies copy the certificate the first one renews (certificate and key): only they may."),
        block("server", [], [
            directive("listen", String(share.port), "ssl"),
            directive("ssl_certificate", p.linkCertificate),
            directive("ssl_certificate_key", p.linkPrivateKey),
            directive("ssl_client_certificate", p.linkCa),
            directive("ssl_verify_client", "on"),
            directive("access_log", "off"),
            block("location", ["=", share.path], [
                block("if", [`($ssl_client_s_dn != "CN=${share.clientName}")`], [directive("return", "403")]),
                directive("default_type", "application/x-pem-file"),
                directive("alias", p.sitePem),
            ]),
            block("location", ["/"], [directive("return", "404")]),
        ]),
    ];
}

/** The origin proxy's nginx.conf. */
export function renderOriginNginx(input: OriginProxyNginxInput): string {
    const { workerConnections, workerRlimitNofile } = nginxSizing(input.fileLimit);
    const p = input.paths;
    const origins = [...new Set(input.hosts.map((h) => h.origin))];
    return printConf([
        comment(`Rendered by china-edge: origin proxy for ${fewOf(input.hosts.map((h) => `${h.public} -> ${h.origin}`))}`),
        input.user ? directive("user", input.user) : undefined,
        ...LUA_MODULES.map((m) => directive("load_module", m)),
        directive("worker_processes", "auto"),
        directive("worker_rlimit_nofile", String(workerRlimitNofile)),
        directive("worker_shutdown_timeout", WORKER_SHUTDOWN_TIMEOUT),
        directive("pid", p.pidFile),
        directive("error_log", p.errorLog, "warn"),
        blank,
        block("events", [], [
            comment("Every proxied WebSocket holds two connections of a worker: the client's and the origin's."),
            directive("worker_connections", String(workerConnections)),
            directive("multi_accept", "on"),
        ]),
        blank,
        block("http", [], [
            directive("include", p.mimeTypes),
            directive("default_type", "application/octet-stream"),
            directive("server_tokens", "off"),
            directive("sendfile", "on"),
            directive("tcp_nopush", "on"),
            directive("tcp_nodelay", "on"),
            directive("keepalive_timeout", "75s"),
            directive("keepalive_requests", "1000"),
            directive("client_max_body_size", CLIENT_MAX_BODY),
            directive("large_client_header_buffers", "4", "16k"),
            directive("proxy_buffer_size", "16k"),
            directive("proxy_buffers", "8", "16k"),
            directive("proxy_busy_buffers_size", "32k"),
            directive("ssl_buffer_size", "4k"),
            ...hashBuckets(input.hosts.flatMap((h) => [h.public, h.origin])),
            blank,
            // The client as the edge saw it; the edge's own address; the edge's id of the request (its log has the same).
            ...accessLog("china_edge", { peer: "$realip_remote_addr", edge_request: `$http_${REQUEST_ID_HEADER.toLowerCase().replace(/-/g, "_")}` }, p.accessLog),
            blank,
            ...clientTls(p, "50m", "1d"),
            blank,
            comment("The client address comes from the edge's PROXY protocol header, trusted from the edge's range only."),
            ...input.trustedProxyCidrs.map((c) => directive("set_real_ip_from", c)),
            directive("real_ip_header", "proxy_protocol"),
            blank,
            directive("gzip", "on"),
            directive("gzip_proxied", "any"),
            directive("gzip_vary", "on"),
            directive("gzip_comp_level", "5"),
            directive("gzip_min_length", "256"),
            directive("gzip_types", ...CONVERTED_TYPES.filter((t) => t !== "text/html")),
            blank,
            directive("lua_package_path", q(`${path.posix.dirname(p.conversionModule)}/?.lua;;`)),
            comment("Loaded with the config: nginx will not start or reload with a module that does not compile."),
            block("init_by_lua_block", [], [directive(`require("${MODULE.name}")`)]),
            ...connectionUpgradeMap(true),
            ...CONVERSION_RULES.flatMap((r) => r.maps?.(input) ?? []),
            input.icp ? icpFooterMap(input.icp) : undefined,
            blank,
            comment("The conversion's rules for each served name, once: every location that proxies to the existing service",
                "inherits them (a location with a sub_filter, proxy_redirect or proxy_cookie_domain of its own inherits none)."),
            ...CONVERSION_RULES.flatMap((r) => r.http?.(input) ?? []),
            input.icp ? directive("sub_filter", "'</body>'", V.icpFooter) : undefined,
            ...relayMaps(relayInput(input)),
            blank,
            block("map", ["$host", V.originHost], input.hosts.map((h) => directive(h.public, h.origin))),
            block("map", ["$host", V.upstream], [
                directive("default", upstreamName(input.hosts[0].origin)),
                ...input.hosts.map((h) => directive(h.public, upstreamName(h.origin))),
            ]),
            ...origins.map((o) => block("upstream", [upstreamName(o)], [
                directive("server", input.upstreamAddresses?.[o] ?? `${o}:443`, "max_fails=3", "fail_timeout=10s"),
                directive("keepalive", String(UPSTREAM_KEEPALIVE)),
                directive("keepalive_timeout", "60s"),
            ])),
            blank,
            comment("Names outside the served list get no certificate at all."),
            block("server", [], [
                listen(input.listen.address, input.listen.port, "ssl", "http2", "proxy_protocol", "default_server", "reuseport", `backlog=${LISTEN_BACKLOG}`),
                directive("ssl_reject_handshake", "on"),
                directive("return", "421"),
            ]),
            ...(input.httpPort === undefined ? [] : httpServer(input, input.httpPort)),
            blank,
            siteServer(input, [listen(input.listen.address, input.listen.port, "ssl", "http2", "proxy_protocol")]),
            ...(input.link ? [blank, siteServer(input, linkFront(input.link, input.link.port)), blank, websocketServer(input, input.link)] : []),
            ...(input.stats ? [blank, ...statusServer(input.stats.port, input.stats.allowed, NGINX_STATUS_PATH)] : []),
            ...(input.share ? [blank, ...shareServer(input.paths, input.share)] : []),
        ]),
    ]);
}
