// haproxy.cfg of the edge (Shanghai), in one of two modes (https://docs.haproxy.org/2.6/configuration.html):
// - terminate: TLS ends here for the public names (HTTP/2 and HTTP/1.1 to clients); requests go to the origin
//   proxies over connections across CEN that stay open and are shared (`http-reuse always`, idle pool kept for
//   LINK_IDLE_TIMEOUT), re-encrypted and mutually authenticated, so a new client's first byte costs one round trip
//   across the border instead of three (TCP, TLS, request). WebSocket upgrades go over HTTP/1.1 connections of their own.
// - passthrough: TCP passthrough of TLS with an SNI allow-list and PROXY protocol v2; no key at the edge.
// Both: layer-7 health checks, redispatch, the plain HTTP port, stats on the private address.
import {
    CLIENT_FIN_TIMEOUT, CONNECT_TIMEOUT, EDGE_LINK_NAME, HARD_STOP_AFTER, HEALTH_PATH, INSPECT_DELAY, LINK_IDLE_TIMEOUT,
    LINK_SERVER_NAME, LISTEN_BACKLOG, METRICS_PATH, ORIGIN_PROXY_HEALTH_CHECK, SESSION_RATE_LIMIT, SHARE_PATH, SHARE_PORT, SLOWSTART, TUNNEL_TIMEOUT, haproxySizing,
} from "./tuning";
import { HaproxyPaths } from "./paths";

export interface OriginProxyAddress {
    /** Server name in HAProxy's stats, e.g. us-origin-1. */
    name: string;
    address: string;
}

export const EDGE_MODES = ["terminate", "passthrough"] as const;
export type EdgeMode = (typeof EDGE_MODES)[number];

export interface EdgeHaproxyInput {
    /** Where client TLS ends: here (terminate) or at the origin proxies (passthrough). */
    mode: EdgeMode;
    /** terminate: the origin proxies' link listener port (mutual TLS). */
    linkPort?: number;
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
    /** Whether health checks verify the origin proxies' certificate against paths.caBundle (false: self-signed). */
    verifyOriginCertificate: boolean;
    /**
     * terminate: this edge orders the ACME certificate for several, and hands it (with its key) to the others on
     * SHARE_PORT of its private address, to clients presenting the edges' link certificate.
     */
    share?: boolean;
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

/** The header carrying the edge's id of a request to the origin proxy, which logs it: one request across both hops. */
export const REQUEST_ID_HEADER = "X-China-Edge-Request-Id";

/** A log-format line of one JSON object: strings quoted (those from the client through the json converter), numbers bare. */
function jsonLog(fields: Record<string, string>): string {
    const body = Object.entries(fields).map(([k, v]) => `\\"${k}\\":${v}`).join(",");
    return `log-format "{${body}}"`;
}

const quoted = (v: string) => `\\"${v}\\"`;

/**
 * One JSON object per request (https://docs.haproxy.org/2.6/configuration.html#8.2.4): when it began (Unix time), the
 * client, what it asked, and the times of each step in ms: receiving the request, queueing, connecting to the origin
 * proxy across the border (-1: never connected), its answer's first byte, the whole exchange; with the id the origin
 * proxy logs too.
 */
const HTTP_LOG = `    unique-id-format %{+X}o%ci:%cp_%fi:%fp_%Ts_%rt:%pid
    unique-id-header ${REQUEST_ID_HEADER}
    http-request capture req.hdr(host) len 128
    ${jsonLog({
        start: "%Ts.%ms", client: quoted("%ci"), host: quoted("%[capture.req.hdr(0),json(utf8s)]"), method: quoted("%HM"),
        uri: quoted("%[capture.req.uri,json(utf8s)]"), status: "%ST", bytes: "%B", backend: quoted("%b"), server: quoted("%s"),
        request_ms: "%TR", queue_ms: "%Tw", connect_ms: "%Tc", response_ms: "%Tr", total_ms: "%Ta", retries: "%rc",
        termination: quoted("%tsc"), id: quoted("%ID"),
    })}`;

/**
 * After a reload the old process answers the next request on an idle keep-alive connection with "Connection: close"
 * instead of closing it under a client that may be sending (a request lost, a 502 at DCDN or a load balancer).
 */
const KEEP_IDLE_ON_RELOAD = `    # A reload closes idle client connections only after answering their next request.
    option idle-close-on-response`;

/** The same for a TCP passthrough connection: the name it asked for (SNI), the connect to the origin proxy, the bytes each way. */
const TCP_LOG = `    tcp-request content capture req.ssl_sni len 128
    ${jsonLog({
        start: "%Ts.%ms", client: quoted("%ci"), sni: quoted("%[capture.req.hdr(0),json(utf8s)]"), backend: quoted("%b"), server: quoted("%s"),
        queue_ms: "%Tw", connect_ms: "%Tc", total_ms: "%Tt", bytes_down: "%B", bytes_up: "%U", retries: "%rc", termination: quoted("%ts"),
    })}`;

const ORIGIN_CHECK = `inter ${ORIGIN_PROXY_HEALTH_CHECK.intervalSeconds}s fall ${ORIGIN_PROXY_HEALTH_CHECK.unhealthyThreshold} ` +
    `rise ${ORIGIN_PROXY_HEALTH_CHECK.healthyThreshold}`;

const HEALTH_CHECK = (primary: string) => `    option httpchk
    http-check send meth GET uri ${HEALTH_PATH} ver HTTP/1.1 hdr Host ${primary}
    http-check expect status 200`;

function passthrough(input: EdgeHaproxyInput, sizing: Sizing, servers: (port: number, checked: string) => string, verify: string): string {
    const primary = input.publicHosts[0];
    return `frontend fe_tls
    bind ${bind(input.listen)} backlog ${LISTEN_BACKLOG}
    maxconn ${sizing.frontendMaxconn}
    # Smooths reconnect storms: excess new sessions wait in the listen backlog.
    rate-limit sessions ${SESSION_RATE_LIMIT}
    tcp-request inspect-delay ${INSPECT_DELAY}
${TCP_LOG}
    tcp-request content accept if { req.ssl_hello_type 1 }
    acl served_sni req.ssl_sni -i ${input.publicHosts.join(" ")}
    use_backend be_origin if served_sni
    default_backend be_refuse

backend be_origin
    balance leastconn
${HEALTH_CHECK(primary)}
    default-server ${ORIGIN_CHECK} slowstart ${SLOWSTART} maxconn ${sizing.serverMaxconn}
${servers(input.originPort, `check check-ssl check-sni ${primary} check-alpn http/1.1 ${verify}`)}

backend be_refuse
    tcp-request content reject
`;
}

function terminating(input: EdgeHaproxyInput, sizing: Sizing): string {
    const p = input.paths;
    const primary = input.publicHosts[0];
    const link = (alpn: string) => input.originProxies.map((o) => `    server ${o.name} ${o.address}:${input.linkPort ?? 8443} ` +
        `ssl verify required ca-file ${p.linkCa} verifyhost ${LINK_SERVER_NAME} sni str(${LINK_SERVER_NAME}) crt ${p.linkCertificate} ` +
        `alpn ${alpn} check check-alpn http/1.1`).join("\n");
    return `frontend fe_https
    mode http
${HTTP_LOG}
${KEEP_IDLE_ON_RELOAD}
    # Names outside the allow-list get no certificate (strict-sni), and a request for another Host gets 421.
    bind ${bind(input.listen)} ssl crt ${p.siteCertificate} strict-sni alpn h2,http/1.1 backlog ${LISTEN_BACKLOG}
    maxconn ${sizing.frontendMaxconn}
    rate-limit sessions ${SESSION_RATE_LIMIT}
    timeout http-request 10s
    timeout http-keep-alive 75s
    http-request deny deny_status 421 unless { req.hdr(host),field(1,:) -i ${input.publicHosts.join(" ")} }
    # The client address the origin proxies trust, from this edge only (they accept only its client certificate).
    http-request del-header X-Forwarded-For
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    # nginx 1.22 takes no WebSocket over HTTP/2: upgrades go over HTTP/1.1 connections of their own.
    use_backend be_origin_ws if { req.hdr(upgrade) -i websocket }
    default_backend be_origin

backend be_origin
    mode http
    balance roundrobin
    # A new client's first request goes over a connection already open across the border.
    http-reuse always
    retry-on conn-failure empty-response response-timeout
${HEALTH_CHECK(primary)}
    default-server ${ORIGIN_CHECK} slowstart ${SLOWSTART} maxconn ${sizing.serverMaxconn} pool-purge-delay ${LINK_IDLE_TIMEOUT}
${link("h2")}

backend be_origin_ws
    mode http
    balance leastconn
${HEALTH_CHECK(primary)}
    default-server ${ORIGIN_CHECK} slowstart ${SLOWSTART} maxconn ${sizing.serverMaxconn}
${link("http/1.1")}
${input.share ? share(input) : ""}`;
}

/** The certificate as the other edges copy it: the file is read at each (re)load, so a renewal is served once applied. */
function share(input: EdgeHaproxyInput): string {
    const p = input.paths;
    return `
# The other edges copy the certificate this edge renews (certificate and key): only with the edges' link certificate.
frontend fe_share
    mode http
    bind ${bind({ address: input.stats.address, port: SHARE_PORT })} ssl crt ${p.linkCertificate} verify required ca-file ${p.linkCa}
    timeout client 10s
    timeout http-request 10s
    http-request deny deny_status 403 unless { ssl_c_s_dn(CN) -m str ${EDGE_LINK_NAME} }
    http-request return status 200 content-type application/x-pem-file file ${p.siteCertificate} if { path ${SHARE_PATH} } METH_GET
    http-request deny deny_status 404
`;
}

/** The edge's haproxy.cfg. */
export function renderEdgeHaproxy(input: EdgeHaproxyInput): string {
    const sizing = haproxySizing(input.fileLimit, input.originProxies.length);
    const hosts = input.publicHosts.join(" ");
    const verify = input.verifyOriginCertificate ? `verify required ca-file ${input.paths.caBundle}` : "verify none";
    const servers = (port: number, checked: string) => input.originProxies.map((o) =>
        `    server ${o.name} ${o.address}:${port} send-proxy-v2 ${checked}`).join("\n");
    const http = input.httpPort === undefined ? "" : `
# Plain HTTP: ACME challenges go to the origin proxies, everything else is redirected to https.
frontend fe_http
    mode http
${HTTP_LOG}
${KEEP_IDLE_ON_RELOAD}
    bind ${bind({ address: input.listen.address, port: input.httpPort })} backlog ${LISTEN_BACKLOG}
    timeout client 30s
    timeout http-request 10s
    acl served_host hdr(host),field(1,:) -i ${hosts}
    http-request deny deny_status 421 unless served_host
    http-request redirect scheme https code 301 unless { path_beg /.well-known/acme-challenge/ }
    default_backend be_origin_http

backend be_origin_http
    mode http
    timeout server 30s
${servers(input.originHttpPort ?? 80, "check inter 5s")}
`;
    return `# Rendered by china-edge: edge for ${hosts} -> ${input.originProxies.map((o) => o.address).join(", ")}
global
    log stdout format raw daemon
${input.user ? `    user ${input.user}\n    group ${input.user}\n` : ""}    # Each connection holds two descriptors (client and origin proxy): ${sizing.maxconn} fits a limit of ${input.fileLimit}.
    maxconn ${sizing.maxconn}
    hard-stop-after ${HARD_STOP_AFTER}
    stats socket ${input.paths.adminSocket} mode 600 level admin
    spread-checks 5

defaults main
    mode tcp
    log global
    option dontlognull
    option tcpka
    timeout connect ${CONNECT_TIMEOUT}
    # client and server must exceed the inspect delay; tunnel applies once the connection is accepted.
    timeout client ${TUNNEL_TIMEOUT}
    timeout server ${TUNNEL_TIMEOUT}
    timeout tunnel ${TUNNEL_TIMEOUT}
    timeout client-fin ${CLIENT_FIN_TIMEOUT}
    timeout check 3s
    # A refused or timed-out connect is retried on another origin proxy, before the checks have marked it down.
    retries 2
    option redispatch 1

${input.mode === "terminate" ? terminating(input, sizing) : passthrough(input, sizing, servers, verify)}${http}
# Stats, health and metrics on the private address only; /healthz fails when no origin proxy is up; /metrics is
# HAProxy's Prometheus exporter.
frontend fe_stats
    mode http
    bind ${bind(input.stats)}
    timeout client 10s
    http-request use-service prometheus-exporter if { path ${METRICS_PATH} }
    http-request return status 503 content-type text/plain string "no origin proxy up" if { path ${HEALTH_PATH} } { nbsrv(be_origin) lt 1 }
    http-request return status 200 content-type text/plain string "ok" if { path ${HEALTH_PATH} }
    stats enable
    stats uri /stats
    stats refresh 10s
`;
}
