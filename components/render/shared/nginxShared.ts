// Pieces of nginx.conf the origin proxy and the redirector both write.
import { Node, block, comment, directive } from "./nginxConf";
import { V } from "../originProxy/nginxVariables";

/** Verified TLS toward an upstream named `sniName` (an nginx variable). */
export function upstreamTls(sniName: string, caBundle: string): Node[] {
    return [
        directive("proxy_ssl_server_name", "on"), directive("proxy_ssl_name", sniName), directive("proxy_ssl_verify", "on"),
        directive("proxy_ssl_verify_depth", "3"), directive("proxy_ssl_trusted_certificate", caBundle),
        directive("proxy_ssl_protocols", "TLSv1.2", "TLSv1.3"), directive("proxy_ssl_session_reuse", "on"),
    ];
}

/** "upgrade" for a WebSocket; an empty Connection header (not "close") keeps the upstream keepalive otherwise. */
export function connectionUpgradeMap(explained: boolean): Node[] {
    return [
        ...(explained ? [comment("An empty Connection header (not \"close\") keeps the upstream keepalive for requests that are no upgrade.")] : []),
        block("map", ["$http_upgrade", V.connectionUpgrade], [directive("default", "upgrade"), directive("''", "''")]),
    ];
}

/** The request headers that carry a WebSocket upgrade through. */
export const UPGRADE_HEADERS: Node[] = [
    directive("proxy_set_header", "Upgrade", "$http_upgrade"),
    directive("proxy_set_header", "Connection", V.connectionUpgrade),
];

/**
 * The access log, one JSON object per request (https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format,
 * escape=json): when, the client, what it asked, the answer, the whole time in seconds, and the upstream's address,
 * status and times (connecting, its first byte, its whole answer: "-" when none, a list when retried), then `extra`
 * (field name → nginx variable, logged as a string).
 */
export function accessLog(format: string, extra: Record<string, string>, file: string): Node[] {
    const fields: [string, string][] = [
        ["time", '"$time_iso8601"'], ["client", '"$remote_addr"'], ["host", '"$host"'], ["method", '"$request_method"'],
        ["uri", '"$request_uri"'], ["status", "$status"], ["bytes", "$body_bytes_sent"], ["request_s", "$request_time"],
        ["upstream", '"$upstream_addr"'], ["upstream_status", '"$upstream_status"'], ["upstream_connect_s", '"$upstream_connect_time"'],
        ["upstream_header_s", '"$upstream_header_time"'], ["upstream_response_s", '"$upstream_response_time"'],
        ...Object.entries(extra).map(([k, v]): [string, string] => [k, `"${v}"`]),
    ];
    return [
        directive("log_format", format, "escape=json", `'{${fields.map(([k, v]) => `"${k}":${v}`).join(",")}}'`),
        directive("access_log", file, format, "buffer=64k", "flush=5s"),
    ];
}

/** nginx's connection counters (stub_status) on `port`, for `allowed` ranges only. */
export function statusServer(port: number, allowed: string[], path: string): Node[] {
    return [
        comment("Connection counters for scrapers inside the VPCs; nothing else on this port."),
        block("server", [], [
            directive("listen", String(port)),
            directive("access_log", "off"),
            ...allowed.map((c) => directive("allow", c)),
            directive("allow", "127.0.0.1"),
            directive("deny", "all"),
            block("location", ["=", path], [directive("stub_status")]),
            block("location", ["/"], [directive("return", "404")]),
        ]),
    ];
}

/** TLS toward clients: 1.2 and 1.3, the client's cipher order, a shared session cache of `cacheSize`. */
export function clientTls(paths: { certificate: string; privateKey: string }, cacheSize: string, sessionTimeout?: string): Node[] {
    return [
        directive("ssl_protocols", "TLSv1.2", "TLSv1.3"),
        directive("ssl_prefer_server_ciphers", "off"),
        directive("ssl_session_cache", `shared:SSL:${cacheSize}`),
        ...(sessionTimeout ? [directive("ssl_session_timeout", sessionTimeout)] : []),
        directive("ssl_certificate", paths.certificate),
        directive("ssl_certificate_key", paths.privateKey),
    ];
}

/** `listen [address:]port extra…` */
export function listen(address: string | undefined, port: number, ...extra: string[]): Node {
    return directive("listen", `${address ? `${address}:` : ""}${port}`, ...extra);
}

/**
 * Hash buckets large enough for `names` as map keys and server names: nginx's default (one 64-byte cache line) holds
 * a name of up to about 46 characters; a longer one needs 16 bytes more than the name, rounded to 8, in cache lines.
 * Nothing when the default holds them all.
 */
export function hashBuckets(names: string[]): Node[] {
    const longest = Math.max(0, ...names.map((n) => n.length));
    const size = Math.ceil((16 + Math.ceil((longest + 2) / 8) * 8) / 64) * 64;
    return size <= 64 ? [] : [directive("map_hash_bucket_size", String(size)), directive("server_names_hash_bucket_size", String(size))];
}
