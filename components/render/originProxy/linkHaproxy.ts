// haproxy.cfg of the origin proxy host (US East), which ends the link from the terminating edges: mutual TLS, HTTP/2,
// and WebSockets as HTTP/2 streams (RFC 8441 extended CONNECT, which nginx 1.22 does not take), so an upgrade rides
// the edge's warm connections like any request. It hands requests and upgrades to the host's nginx over loopback as
// HTTP/1.1, upgrades to a server of their own. https://docs.haproxy.org/2.6/configuration.html (bind `alpn`,
// server `ws`), RFC 8441.
import { HARD_STOP_AFTER, LISTEN_BACKLOG, TUNNEL_TIMEOUT, haproxySizing } from "../shared/capacity";
import { HEALTH_PATH, METRICS_PATH, ORIGIN_PROXY_UNAVAILABLE, REQUEST_ID_HEADER } from "../shared/endpoints";
import { HaproxyPaths } from "../shared/paths";
import { Node, Section, blank, comment, commonDefaults, cond, jsonLog, line, printHaproxy, quote, quoted, section } from "../shared/haproxyConf";

export interface LinkHaproxyInput {
    /** The link listener: the address is omitted for all. */
    listen: { address?: string; port: number };
    /** Where the host's nginx takes the link's requests ("address:port"), and its WebSockets. */
    nginx: { pages: string; websockets: string };
    /**
     * HAProxy's Prometheus exporter and the host's health as an NLB checks it (a scaling group's): the host's private
     * address (a scaling group's: every address of the host), never a public one.
     */
    stats: { address: string; port: number };
    /** Descriptor limit the service runs with; sizes maxconn. */
    fileLimit: number;
    /** Unix user and group of the process; omitted to keep the starting user. */
    user?: string;
    /**
     * `linkCa` and `linkCertificate` are the host's link files nginx reads too (the certificate's key beside it, its
     * name ending in .key instead), read once by HAProxy's master before it drops root. `leavingMap` fails the health
     * check while the host leaves (china-edge-leave).
     */
    paths: Pick<HaproxyPaths, "adminSocket" | "linkCa" | "linkCertificate" | "unavailableAnswer" | "leavingMap">;
}

/** The answer of ORIGIN_PROXY_UNAVAILABLE, in the file `errorfile 503` names: HAProxy's own 503s become it. */
export const UNAVAILABLE_ANSWER = [
    `HTTP/1.1 ${ORIGIN_PROXY_UNAVAILABLE} Too Early`, "content-type: text/plain", "cache-control: no-store", "connection: close", "",
    "this origin proxy could not take the request; it is retried on another\n",
].join("\r\n");

/**
 * Streams one edge connection may carry at once: HTTP/2's default of 100 would make the edges open a connection per
 * hundred WebSockets; each stream costs buffers only while it moves data.
 */
export const LINK_STREAMS_PER_CONNECTION = 1_000;

/** One JSON object per request, with the edge's id of it (its own log and nginx's carry the same). */
const LOG = [
    line("http-request", "capture", `req.hdr(${REQUEST_ID_HEADER})`, "len", 64),
    jsonLog({
        start: "%Ts.%ms", edge: quoted("%ci:%cp"), version: quoted("%HV"), method: quoted("%HM"), status: "%ST", bytes: "%B",
        backend: quoted("%b"), connect_ms: "%Tc", response_ms: "%Tr", total_ms: "%Ta", termination: quoted("%tsc"),
        id: quoted("%[capture.req.hdr(0),json(utf8s)]"),
    }),
];

/** The origin proxy host's haproxy.cfg as a structure. */
export function linkHaproxyConf(input: LinkHaproxyInput): Node[] {
    // Every request and WebSocket holds one descriptor toward nginx; the edges' connections are few.
    const { maxconn } = haproxySizing(input.fileLimit, 1);
    const p = input.paths;
    const sections: Section[] = [
        section("global", undefined, [
            line("log", "stdout", "format", "raw", "daemon"),
            input.user ? [line("user", input.user), line("group", input.user)] : [],
            line("maxconn", maxconn),
            line("hard-stop-after", HARD_STOP_AFTER),
            line("stats", "socket", p.adminSocket, "mode", 600, "level", "admin"),
            comment("One thread: the edges' connections are few and long-lived; the host's other cores are nginx's, which converts."),
            line("nbthread", 1),
            line("tune.h2.max-concurrent-streams", LINK_STREAMS_PER_CONNECTION),
            comment("The key of a `crt` file is the file of the same name ending in .key (link.crt, link.key)."),
            line("ssl-load-extra-del-ext"),
        ]),
        section("defaults", "main", [
            commonDefaults("http"),
            comment("The edges keep their connections open idle for the next client (and WebSockets idle between messages)."),
            line("timeout", "http-keep-alive", TUNNEL_TIMEOUT),
            line("timeout", "http-request", "10s"),
            comment("nginx on loopback refuses only when it is down: answer at once (a retry waits a second) with what the edges retry elsewhere."),
            line("retries", 0),
            line("errorfile", 503, p.unavailableAnswer),
            comment("nginx's state, as the exporter shows it; while it is down, requests get the answer above without a connect."),
            line("default-server", "check", "inter", "2s", "fall", 1, "rise", 2),
        ]),
        section("frontend", "fe_link", [
            LOG,
            comment("Only the link's certificates get a request through; the edges speak HTTP/2 and send WebSockets as its streams."),
            line("bind", `${input.listen.address ?? ""}:${input.listen.port}`, "ssl", "crt", p.linkCertificate, "ca-file", p.linkCa,
                "verify", "required", "alpn", "h2,http/1.1", "backlog", LISTEN_BACKLOG),
            line("maxconn", maxconn),
            comment("X-Forwarded-For, the client as the edge saw it, passes as the edge set it: nginx trusts it from here only."),
            line("use_backend", "be_websockets", "if", ...cond("req.hdr(upgrade)", "-i", "websocket")),
            line("default_backend", "be_pages"),
        ]),
        section("backend", "be_pages", [
            line("http-reuse", "always"),
            line("server", "nginx", input.nginx.pages, "maxconn", maxconn),
        ]),
        section("backend", "be_websockets", [
            line("server", "nginx", input.nginx.websockets, "maxconn", maxconn),
        ]),
        section("frontend", "fe_stats", [
            line("bind", `${input.stats.address}:${input.stats.port}`),
            line("timeout", "client", "10s"),
            line("http-request", "use-service", "prometheus-exporter", "if", ...cond("path", METRICS_PATH)),
            comment("What an NLB in front of the hosts checks: it fails while the host is leaving, and while nginx is down."),
            line("http-request", "return", "status", 503, "content-type", "text/plain", "string", quote("leaving"),
                "if", ...cond("path", HEALTH_PATH), ...cond(`str(leaving),map(${p.leavingMap})`, "-m", "found")),
            line("http-request", "return", "status", 503, "content-type", "text/plain", "string", quote("nginx down"),
                "if", ...cond("path", HEALTH_PATH), ...cond("nbsrv(be_pages)", "lt", "1")),
            line("http-request", "return", "status", 200, "content-type", "text/plain", "string", quote("ok"), "if", ...cond("path", HEALTH_PATH)),
            line("http-request", "return", "status", 404),
        ]),
    ];
    return [
        comment("Rendered by china-edge: the link's end on an origin proxy host, in front of its nginx"),
        ...sections.flatMap((s, i) => [i < sections.length - 1 ? { ...s, body: [...s.body, blank] } : s]),
    ];
}

export function renderLinkHaproxy(input: LinkHaproxyInput): string {
    return printHaproxy(linkHaproxyConf(input));
}
