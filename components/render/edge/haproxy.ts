// haproxy.cfg of the edge (Shanghai), in one of two modes (https://docs.haproxy.org/2.6/configuration.html):
// - terminate: TLS ends here for the public names (HTTP/2 and HTTP/1.1 to clients); requests go to the origin
//   proxies over connections across CEN that stay open and are shared (`http-reuse always`, idle pool kept for
//   LINK_IDLE_TIMEOUT), re-encrypted and mutually authenticated, so a new client's first byte costs one round trip
//   across the border instead of three (TCP, TLS, request). WebSocket upgrades ride the same connections as HTTP/2
//   streams (RFC 8441, server `ws h2`): the origin proxy host's HAProxy takes them.
// - passthrough: TCP passthrough of TLS with an SNI allow-list and PROXY protocol v2; no key at the edge.
// Both: layer-7 health checks, redispatch, the plain HTTP port, stats on the private address.
import { HARD_STOP_AFTER, INSPECT_DELAY, LINK_IDLE_TIMEOUT, LISTEN_BACKLOG, SESSION_RATE_LIMIT, SLOWSTART, haproxySizing } from "../shared/capacity";
import { EDGE_LINK_NAME, HEALTH_PATH, ORIGIN_PROXY_UNAVAILABLE, REQUEST_ID_HEADER, LINK_SERVER_NAME, METRICS_PATH, ORIGIN_PROXY_HEALTH_CHECK, SHARE_PATH, SHARE_PORT } from "../shared/endpoints";
import { HaproxyPaths } from "../shared/paths";
import { Comment, Entry, Line, Node, Section, blank, comment, commonDefaults, cond, jsonLog, line, printHaproxy, quote, quoted, section } from "../shared/haproxyConf";
import { fewOf } from "../shared/summary";

export interface OriginProxyAddress {
    /** Server name in HAProxy's stats, e.g. us-origin-1. */
    name: string;
    address: string;
}

/**
 * Where client TLS ends. terminate: here; requests go to the origin proxies' link listener (mutual TLS) on `linkPort`,
 * and with `share` this edge, which orders the ACME certificate for several, hands it (with its key) to the others on
 * SHARE_PORT of its private address, to clients presenting the edges' link certificate. passthrough: at the origin
 * proxies, whose certificate health checks verify against paths.caBundle when `verifyOriginCertificate` (false:
 * self-signed).
 */
export type EdgeTlsInput = { kind: "terminate"; linkPort: number; share: boolean } | { kind: "passthrough"; verifyOriginCertificate: boolean };

export interface EdgeHaproxyInput {
    tls: EdgeTlsInput;
    /** Public names allowed through (SNI, and Host on the plain HTTP port); the first is used in health checks. */
    publicHosts: string[];
    /** Every origin proxy; each gets health checks and a share of the connections. */
    originProxies: OriginProxyAddress[];
    /** TLS port of the origin proxies (PROXY protocol). */
    originPort: number;
    /** Plain port of the origin proxies for ACME challenges; omitted when the edge serves no plain HTTP. */
    originHttpPort?: number;
    /** Address and port the edge listens on for TLS; the address is omitted for all. */
    listen: { address?: string; port: number };
    /** Port of the plain HTTP listener (redirect to https, ACME); omitted for none. */
    httpPort?: number;
    /** The stats and health endpoint: the host's private address, never a public one. */
    stats: { address: string; port: number };
    /** Descriptor limit the service runs with; sizes maxconn. */
    fileLimit: number;
    /** Unix user and group of the process; omitted to keep the starting user. */
    user?: string;
    paths: HaproxyPaths;
}

function bind(listen: { address?: string; port: number }): string {
    return `${listen.address ?? ""}:${listen.port}`;
}

type Sizing = ReturnType<typeof haproxySizing>;


/**
 * One JSON object per request (https://docs.haproxy.org/2.6/configuration.html#8.2.4): when it began (Unix time), the
 * client, what it asked, and the times of each step in ms: receiving the request, queueing, connecting to the origin
 * proxy across the border (-1: never connected), its answer's first byte, the whole exchange; with the id the origin
 * proxy logs too.
 */
const HTTP_LOG: Entry[] = [
    line("unique-id-format", "%{+X}o%ci:%cp_%fi:%fp_%Ts_%rt:%pid"),
    line("unique-id-header", REQUEST_ID_HEADER),
    line("http-request", "capture", "req.hdr(host)", "len", 128),
    jsonLog({
        start: "%Ts.%ms", client: quoted("%ci"), host: quoted("%[capture.req.hdr(0),json(utf8s)]"), method: quoted("%HM"),
        uri: quoted("%[capture.req.uri,json(utf8s)]"), status: "%ST", bytes: "%B", backend: quoted("%b"), server: quoted("%s"),
        request_ms: "%TR", queue_ms: "%Tw", connect_ms: "%Tc", response_ms: "%Tr", total_ms: "%Ta", retries: "%rc",
        termination: quoted("%tsc"), id: quoted("%ID"),
    }),
];

/**
 * After a reload the old process answers the next request on an idle keep-alive connection with "Connection: close"
 * instead of closing it under a client that may be sending (a request lost, a 502 at DCDN or a load balancer).
 */
const KEEP_IDLE_ON_RELOAD: Entry[] = [
    comment("A reload closes idle client connections only after answering their next request."),
    line("option", "idle-close-on-response"),
];

/** The same for a TCP passthrough connection: the name it asked for (SNI), the connect to the origin proxy, the bytes each way. */
const TCP_LOG: Entry[] = [
    line("tcp-request", "content", "capture", "req.ssl_sni", "len", 128),
    jsonLog({
        start: "%Ts.%ms", client: quoted("%ci"), sni: quoted("%[capture.req.hdr(0),json(utf8s)]"), backend: quoted("%b"), server: quoted("%s"),
        queue_ms: "%Tw", connect_ms: "%Tc", total_ms: "%Tt", bytes_down: "%B", bytes_up: "%U", retries: "%rc", termination: quoted("%ts"),
    }),
];

const ORIGIN_CHECK = ["inter", `${ORIGIN_PROXY_HEALTH_CHECK.intervalSeconds}s`, "fall", `${ORIGIN_PROXY_HEALTH_CHECK.unhealthyThreshold}`,
    "rise", `${ORIGIN_PROXY_HEALTH_CHECK.healthyThreshold}`];

const healthCheck = (primary: string): Entry[] => [
    line("option", "httpchk"),
    line("http-check", "send", "meth", "GET", "uri", HEALTH_PATH, "ver", "HTTP/1.1", "hdr", "Host", primary),
    line("http-check", "expect", "status", 200),
];

/** A section with what precedes it at the margin (a comment) and the blank line that follows it. */
interface Part {
    before?: Comment;
    section: Section;
}

/**
 * An ACL matching any of `names` (case-insensitive) by `fetch`: HAProxy reads at most 64 words and 2 KB a line, so a
 * long list takes several lines of the one ACL, which HAProxy ORs.
 */
function namesAcl(name: string, fetch: string, names: string[]): Line[] {
    const lines: string[][] = [];
    for (const n of names) {
        const last = lines[lines.length - 1];
        if (last && last.length < 40 && [...last, n].join(" ").length < 1500) {
            last.push(n);
        } else {
            lines.push([n]);
        }
    }
    return lines.map((l) => line("acl", name, fetch, "-i", ...l));
}

/** Each origin proxy as a server of a backend: name, address and port, then the server's options. */
type Servers = (port: number, options: string[]) => Line[];

function passthrough(input: EdgeHaproxyInput, tls: { verifyOriginCertificate: boolean }, sizing: Sizing, servers: Servers): Part[] {
    const verify = tls.verifyOriginCertificate ? ["verify", "required", "ca-file", input.paths.caBundle] : ["verify", "none"];
    const primary = input.publicHosts[0];
    return [
        {
            section: section("frontend", "fe_tls", [
                line("bind", bind(input.listen), "backlog", LISTEN_BACKLOG),
                line("maxconn", sizing.frontendMaxconn),
                comment("Smooths reconnect storms: excess new sessions wait in the listen backlog."),
                line("rate-limit", "sessions", SESSION_RATE_LIMIT),
                line("tcp-request", "inspect-delay", INSPECT_DELAY),
                TCP_LOG,
                line("tcp-request", "content", "accept", "if", ...cond("req.ssl_hello_type", "1")),
                namesAcl("served_sni", "req.ssl_sni", input.publicHosts),
                line("use_backend", "be_origin", "if", "served_sni"),
                line("default_backend", "be_refuse"),
            ]),
        },
        {
            section: section("backend", "be_origin", [
                line("balance", "leastconn"),
                healthCheck(primary),
                line("default-server", ...ORIGIN_CHECK, "slowstart", SLOWSTART, "maxconn", sizing.serverMaxconn),
                servers(input.originPort, ["check", "check-ssl", "check-sni", primary, "check-alpn", "http/1.1", ...verify]),
            ]),
        },
        { section: section("backend", "be_refuse", [line("tcp-request", "content", "reject")]) },
    ];
}

/**
 * A control character other than the tab, CR and LF that end each line of `req.hdrs` (HAProxy's parser refuses a CR
 * or LF inside a value itself); single-quoted so that PCRE, not HAProxy's parser, reads the escapes.
 */
export const HEADER_CONTROL_CHARACTERS = "'[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]'";

function terminating(input: EdgeHaproxyInput, tls: { linkPort: number; share: boolean }, sizing: Sizing): Part[] {
    const p = input.paths;
    const primary = input.publicHosts[0];
    const link = input.originProxies.map((o) => line("server", o.name, `${o.address}:${tls.linkPort}`,
        "ssl", "verify", "required", "ca-file", p.linkCa, "verifyhost", LINK_SERVER_NAME, "sni", `str(${LINK_SERVER_NAME})`, "crt", p.linkCertificate,
        "alpn", "h2", "ws", "h2", "check", "check-alpn", "http/1.1"));
    const parts: Part[] = [
        {
            section: section("frontend", "fe_https", [
                line("mode", "http"),
                HTTP_LOG,
                KEEP_IDLE_ON_RELOAD,
                comment("Names outside the allow-list get no certificate (strict-sni), and a request for another Host gets 421."),
                line("bind", bind(input.listen), "ssl", "crt", p.siteCertificate, "strict-sni", "alpn", "h2,http/1.1", "backlog", LISTEN_BACKLOG),
                line("maxconn", sizing.frontendMaxconn),
                line("rate-limit", "sessions", SESSION_RATE_LIMIT),
                line("timeout", "http-request", "10s"),
                line("timeout", "http-keep-alive", "75s"),
                comment("A control character in a header value is the client's error, answered here: HTTP/2 across the link would",
                    "refuse it (RFC 9113, 8.2.1) and the client would get a 502 counted against the origin proxies."),
                line("http-request", "deny", "deny_status", 400, "if", ...cond("req.hdrs", "-m", "reg", HEADER_CONTROL_CHARACTERS)),
                namesAcl("served_host", "req.hdr(host),field(1,:)", input.publicHosts),
                line("http-request", "deny", "deny_status", 421, "unless", "served_host"),
                comment("The client address the origin proxies trust, from this edge only (they accept only its client certificate)."),
                line("http-request", "del-header", "X-Forwarded-For"),
                line("option", "forwardfor"),
                line("http-request", "set-header", "X-Forwarded-Proto", "https"),
                line("default_backend", "be_origin"),
            ]),
        },
        {
            section: section("backend", "be_origin", [
                line("mode", "http"),
                line("balance", "roundrobin"),
                comment("A new client's first request, or its WebSocket, goes over a connection already open across the border."),
                line("http-reuse", "always"),
                comment(`${ORIGIN_PROXY_UNAVAILABLE}: the origin proxy host's HAProxy could not hand the request to its nginx, which never saw it.`),
                line("retry-on", "conn-failure", "empty-response", "response-timeout", ORIGIN_PROXY_UNAVAILABLE),
                healthCheck(primary),
                line("default-server", ...ORIGIN_CHECK, "slowstart", SLOWSTART, "maxconn", sizing.serverMaxconn, "pool-purge-delay", LINK_IDLE_TIMEOUT),
                link,
            ]),
        },
    ];
    return tls.share ? [...parts, share(input)] : parts;
}

/** The certificate as the other edges copy it: the file is read at each (re)load, so a renewal is served once applied. */
function share(input: EdgeHaproxyInput): Part {
    const p = input.paths;
    return {
        before: comment("The other edges copy the certificate this edge renews (certificate and key): only with the edges' link certificate."),
        section: section("frontend", "fe_share", [
            line("mode", "http"),
            line("bind", bind({ address: input.stats.address, port: SHARE_PORT }), "ssl", "crt", p.linkCertificate, "verify", "required", "ca-file", p.linkCa),
            line("timeout", "client", "10s"),
            line("timeout", "http-request", "10s"),
            line("http-request", "deny", "deny_status", 403, "unless", ...cond("ssl_c_s_dn(CN)", "-m", "str", EDGE_LINK_NAME)),
            line("http-request", "return", "status", 200, "content-type", "application/x-pem-file", "file", p.siteCertificate,
                "if", ...cond("path", SHARE_PATH), "METH_GET"),
            line("http-request", "deny", "deny_status", 404),
        ]),
    };
}

/** Plain HTTP: ACME challenges go to the origin proxies, everything else is redirected to https. */
function plainHttp(input: EdgeHaproxyInput, httpPort: number, servers: Servers): Part[] {
    return [
        {
            before: comment("Plain HTTP: ACME challenges go to the origin proxies, everything else is redirected to https."),
            section: section("frontend", "fe_http", [
                line("mode", "http"),
                HTTP_LOG,
                KEEP_IDLE_ON_RELOAD,
                line("bind", bind({ address: input.listen.address, port: httpPort }), "backlog", LISTEN_BACKLOG),
                line("timeout", "client", "30s"),
                line("timeout", "http-request", "10s"),
                namesAcl("served_host", "hdr(host),field(1,:)", input.publicHosts),
                line("http-request", "deny", "deny_status", 421, "unless", "served_host"),
                line("http-request", "redirect", "scheme", "https", "code", 301, "unless", ...cond("path_beg", "/.well-known/acme-challenge/")),
                line("default_backend", "be_origin_http"),
            ]),
        },
        {
            section: section("backend", "be_origin_http", [
                line("mode", "http"),
                line("timeout", "server", "30s"),
                servers(input.originHttpPort ?? 80, ["check", "inter", "5s"]),
            ]),
        },
    ];
}

function global(input: EdgeHaproxyInput, sizing: Sizing): Section {
    return section("global", undefined, [
        line("log", "stdout", "format", "raw", "daemon"),
        input.user ? [line("user", input.user), line("group", input.user)] : [],
        comment(`Each connection holds two descriptors (client and origin proxy): ${sizing.maxconn} fits a limit of ${input.fileLimit}.`),
        line("maxconn", sizing.maxconn),
        line("hard-stop-after", HARD_STOP_AFTER),
        line("stats", "socket", input.paths.adminSocket, "mode", 600, "level", "admin"),
        line("spread-checks", 5),
    ]);
}

const DEFAULTS = section("defaults", "main", [
    commonDefaults("tcp"),
    comment("client and server (above) exceed the inspect delay; tunnel applies once the connection is accepted."),
    line("timeout", "check", "3s"),
    comment("A refused or timed-out connect is retried on another origin proxy, before the checks have marked it down."),
    line("retries", 2),
    line("option", "redispatch", 1),
]);

/** Stats, health and metrics on the private address only. */
function stats(input: EdgeHaproxyInput): Part {
    return {
        before: comment("Stats, health and metrics on the private address only; /healthz fails while the edge is leaving (china-edge-leave)",
            "and when no origin proxy is up; /metrics is HAProxy's Prometheus exporter."),
        section: section("frontend", "fe_stats", [
            line("mode", "http"),
            line("bind", bind(input.stats)),
            line("timeout", "client", "10s"),
            line("http-request", "use-service", "prometheus-exporter", "if", ...cond("path", METRICS_PATH)),
            line("http-request", "return", "status", 503, "content-type", "text/plain", "string", quote("leaving"),
                "if", ...cond("path", HEALTH_PATH), ...cond(`str(leaving),map(${input.paths.leavingMap})`, "-m", "found")),
            line("http-request", "return", "status", 503, "content-type", "text/plain", "string", quote("no origin proxy up"),
                "if", ...cond("path", HEALTH_PATH), ...cond("nbsrv(be_origin)", "lt", "1")),
            line("http-request", "return", "status", 200, "content-type", "text/plain", "string", quote("ok"), "if", ...cond("path", HEALTH_PATH)),
            line("stats", "enable"),
            line("stats", "uri", "/stats"),
            line("stats", "refresh", "10s"),
        ]),
    };
}

/** The edge's haproxy.cfg as a structure: each section followed by a blank line but the last. */
export function edgeHaproxyConf(input: EdgeHaproxyInput): Node[] {
    const sizing = haproxySizing(input.fileLimit, input.originProxies.length);
    const servers: Servers = (port, options) => input.originProxies.map((o) =>
        line("server", o.name, `${o.address}:${port}`, "send-proxy-v2", ...options));
    const parts: Part[] = [
        { section: global(input, sizing) },
        { section: DEFAULTS },
        ...(input.tls.kind === "terminate" ? terminating(input, input.tls, sizing) : passthrough(input, input.tls, sizing, servers)),
        ...(input.httpPort === undefined ? [] : plainHttp(input, input.httpPort, servers)),
        stats(input),
    ];
    return [
        comment(`Rendered by china-edge: edge for ${fewOf(input.publicHosts)} -> ${fewOf(input.originProxies.map((o) => o.address))}`),
        ...parts.flatMap((part, i) => {
            const body = i < parts.length - 1 ? [...part.section.body, blank] : part.section.body;
            return [...(part.before ? [part.before] : []), { ...part.section, body }];
        }),
    ];
}

/** The edge's haproxy.cfg. */
export function renderEdgeHaproxy(input: EdgeHaproxyInput): string {
    return printHaproxy(edgeHaproxyConf(input));
}
