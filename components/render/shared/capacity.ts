// Capacity and timing figures of the proxies, in one place, with the reason for each beside it; docs/architecture.md's
// "Proxies" section repeats the figures. HAProxy: https://docs.haproxy.org/2.6/configuration.html (maxconn,
// timeout tunnel); nginx: https://nginx.org/en/docs/ngx_core_module.html#worker_connections.

/** LimitNOFILE of the proxy services and the nofile limit of their hosts (fs.nr_open is raised above it). */
export const FILE_LIMIT = 1_048_576;

/** File descriptors kept back for logs, listeners, health checks and the stats socket. */
const FD_RESERVE = 1_024;

/**
 * Concurrent connections toward one origin proxy (one destination IP:port) from one edge: the ephemeral port range
 * 1024-65535 the sysctls open gives 64,511 source ports; keep 10% of them free for TIME_WAIT and checks.
 */
export const PORTS_PER_DESTINATION = 58_000;

/** Upper bound of HAProxy's connections: at the documented worst case of 33 kB per saturated connection, 3.3 GB. */
const HAPROXY_MEMORY_CAP = 100_000;

/** HAProxy sizing: every proxied connection holds two descriptors, the client's and the origin proxy's. */
export function haproxySizing(fileLimit: number, originProxies: number): { maxconn: number; frontendMaxconn: number; serverMaxconn: number } {
    const maxconn = Math.min(HAPROXY_MEMORY_CAP, Math.floor((fileLimit - FD_RESERVE) / 2));
    const serverMaxconn = Math.min(maxconn, PORTS_PER_DESTINATION);
    return { maxconn, frontendMaxconn: Math.min(maxconn, serverMaxconn * Math.max(1, originProxies)), serverMaxconn };
}

/** Connections one nginx worker may hold at most: a proxied WebSocket takes two (client and upstream). */
const NGINX_WORKER_CONNECTIONS_CAP = 32_768;

/**
 * nginx sizing per worker: worker_connections counts client and upstream connections alike, and every connection
 * is a descriptor, so the worker's descriptor limit is twice that (room for upstream keepalive and files).
 */
export function nginxSizing(fileLimit: number): { workerConnections: number; workerRlimitNofile: number } {
    const workerRlimitNofile = Math.min(fileLimit, 2 * NGINX_WORKER_CONNECTIONS_CAP);
    return { workerConnections: Math.floor(workerRlimitNofile / 2), workerRlimitNofile };
}

/** New TLS sessions per second the edge lets through to the origin proxies after a restart (reconnect storm). */
export const SESSION_RATE_LIMIT = 2_000;

/** Listen backlog of the proxies (capped by net.core.somaxconn, which the sysctls raise to 65535). */
export const LISTEN_BACKLOG = 65_535;

/** Idle time after which a WebSocket or TCP tunnel is closed; apps ping well inside it. */
export const TUNNEL_TIMEOUT = "1h";

/** A client that half-closed and vanished is dropped after this. */
export const CLIENT_FIN_TIMEOUT = "30s";

/** An origin proxy that fails to answer a connect within this is given up for the request. */
export const CONNECT_TIMEOUT = "5s";

/** How long HAProxy waits for a complete TLS ClientHello (3 s or more covers TCP retransmits). */
export const INSPECT_DELAY = "5s";

/** After a reload, old HAProxy processes keep their tunnels at most this long. */
export const HARD_STOP_AFTER = "10m";

/** After a reload, nginx workers of the old configuration close their WebSockets after this. */
export const WORKER_SHUTDOWN_TIMEOUT = "60s";

/** A recovered origin proxy receives its share of new connections gradually over this. */
export const SLOWSTART = "30s";

/** How long a connection across the border stays open idle, so that the next client finds it warm. */
export const LINK_IDLE_TIMEOUT = "1h";

/** Upstream keep-alive connections each nginx worker keeps per origin host. */
export const UPSTREAM_KEEPALIVE = 64;

/** Largest request body the origin proxy accepts (uploads). */
export const CLIENT_MAX_BODY = "64m";
