// Where the proxies meet each other and their watchers: ports, paths, certificate names and health checks.

/** Port of the origin proxies' link listener, where terminating edges connect with their client certificate. */
export const LINK_PORT = 8443;

/**
 * Where an origin proxy host's nginx takes the link's requests from the host's HAProxy, which ends the link (mutual
 * TLS, HTTP/2 with WebSockets as streams): loopback only, pages on one port and WebSockets on another, whose server
 * keeps small buffers.
 */
export const LINK_LOCAL = { address: "127.0.0.1", port: 8444, websocketPort: 8445 } as const;

/** The header carrying the edge's id of a request to the origin proxy, which logs it: one request across both hops. */
export const REQUEST_ID_HEADER = "X-China-Edge-Request-Id";

/**
 * What an origin proxy host's HAProxy answers when it cannot hand a request to its nginx (down or restarting): 425,
 * which nothing behind nginx sends (no early data reaches it), so the edges retry the request on another origin proxy
 * knowing this one never took it.
 */
export const ORIGIN_PROXY_UNAVAILABLE = 425;

/** The name in the origin proxies' link certificate, which the edges verify (and send as SNI). */
export const LINK_SERVER_NAME = "origin-link.china-edge.internal";

/** Port of the edge's stats and health endpoint, bound to its private address (on origin proxy hosts, nginx's counters). */
export const STATS_PORT = 8404;

/** Port of the origin proxy host's HAProxy exporter (the link's end), bound to its private address. */
export const LINK_STATS_PORT = 8406;

/**
 * Port where the edge that orders the ACME certificate hands it to the other edges, on its private address, to
 * clients presenting the edges' link certificate.
 */
export const SHARE_PORT = 8405;

/** What the other edges ask that port for: the certificate and its key, one PEM. */
export const SHARE_PATH = "/certificate";

/** The name (subject and SAN) of the edges' link certificate: their client identity, and the share port's server name. */
export const EDGE_LINK_NAME = "edge-link.china-edge.internal";

/** The NLBs' health check of their proxies (edges, a scaling group's origin proxies): every 5 s; 2 passes in a row put one in service, 3 failures take it out. */
export const NLB_HEALTH_CHECK = { intervalSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3 };

/** The edges' check of each origin proxy (HAProxy's inter, rise and fall). */
export const ORIGIN_PROXY_HEALTH_CHECK = { intervalSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 3 };

/**
 * How long a started or reloaded proxy may take to pass its health check as its balancer sees it before its delivery
 * fails (and a change is rolled back): the next host is not touched before.
 */
export const READY_TIMEOUT_SECONDS = 180;

/** Where the proxies' metrics are read, on their stats port (Prometheus text format). */
export const METRICS_PATH = "/metrics";

/** Where the origin proxies' nginx shows its connection counters (stub_status), on STATS_PORT. */
export const NGINX_STATUS_PATH = "/nginx_status";

/** Port of Debian's prometheus-node-exporter on every proxy host (its default), open to the VPCs only. */
export const NODE_EXPORTER_PORT = 9100;

/** The origin proxy's own health path; it never reaches the origin. */
export const HEALTH_PATH = "/healthz";
