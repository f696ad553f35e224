// Pieces of nginx.conf the origin proxy and the redirector both write.
import { Node, block, comment, directive } from "./nginxConf";
import { V } from "./nginxVariables";

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

/** The access log: who the client is (`client`, nginx variables), then the request, its time and the upstream's answer. */
export function accessLog(format: string, client: string, file: string): Node[] {
    return [
        directive("log_format", format, [
            `'${client} [$time_local] "$host" "$request" $status '`,
            "'$body_bytes_sent $request_time \"$upstream_addr\" $upstream_status'",
        ]),
        directive("access_log", file, format, "buffer=64k", "flush=5s"),
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
