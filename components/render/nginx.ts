// nginx.conf of the origin proxy (US East): terminates TLS for the public names, converts them to the origin's
// names and back, and proxies to the origin over verified TLS. Every directive answers a trap in
// ../shared/reference/dataplane.md §0, §1 and §3.
import { HostPair, Mirror, regexLiteral } from "china-edge-policy/kernel/hosts";
import { bodySubstitutions } from "./hostMap";
import { NginxPaths } from "./paths";
import {
    CLIENT_MAX_BODY, CONNECT_TIMEOUT, HEALTH_PATH, LISTEN_BACKLOG, TUNNEL_TIMEOUT, UPSTREAM_KEEPALIVE,
    WORKER_SHUTDOWN_TIMEOUT, nginxSizing,
} from "./tuning";

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
    /** Third-party hosts rewritten in bodies only. */
    mirrors: Mirror[];
    /** Origin host → "address:port" to connect to; by default the origin host itself on 443, resolved at start. */
    upstreamAddresses?: Record<string, string>;
    /** Ranges whose PROXY protocol header is trusted for the client address (the edge's VPC). */
    trustedProxyCidrs: string[];
    /** Address and port of the TLS listener (PROXY protocol); the address is omitted for all. */
    listen: { address?: string; port: number };
    /** Port of the plain listener for ACME challenges and redirects, behind PROXY protocol; omitted for none. */
    httpPort?: number;
    /** Footer with filing numbers inserted into every HTML page; omitted for none. */
    icp?: IcpFooter;
    /** Descriptor limit the service runs with; sizes worker_connections. */
    fileLimit: number;
    /** Unix user of the workers; omitted to keep nginx's default. */
    user?: string;
    paths: NginxPaths;
}

/** Content types whose bodies carry URLs: converted, then compressed again toward the client. Never "*". */
export const CONVERTED_TYPES = [
    "text/css", "application/javascript", "text/javascript", "application/json", "application/manifest+json",
    "application/ld+json", "text/xml", "application/xml", "application/rss+xml", "application/atom+xml",
    "image/svg+xml", "text/plain",
];

/** Response header the origin proxy sets on every answer (its host name): proof a request crossed the chain. */
export const CHAIN_HEADER = "X-China-Edge";

/** The errors nginx itself answers when the origin fails, and what each says. */
const ORIGIN_ERRORS: Record<string, string> = {
    502: "could not be reached",
    504: "did not answer in time",
};

/** Occurrences of served names converted in one response header (CSP); one map per occurrence. */
export const HEADER_REWRITE_DEPTH = 6;

/** A string as an nginx token: single-quoted, with the escapes nginx's parser undoes. */
export function q(text: string): string {
    return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

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

/** Verified TLS toward an upstream named `sniName` (an nginx variable), one directive per line at `indent`. */
export function upstreamTls(sniName: string, caBundle: string, indent: string): string {
    return [
        "proxy_ssl_server_name on;", `proxy_ssl_name ${sniName};`, "proxy_ssl_verify on;", "proxy_ssl_verify_depth 3;",
        `proxy_ssl_trusted_certificate ${caBundle};`, "proxy_ssl_protocols TLSv1.2 TLSv1.3;", "proxy_ssl_session_reuse on;",
    ].map((line) => indent + line).join("\n");
}

/** Upstream block name of an origin host. */
export function upstreamName(originHost: string): string {
    return `origin_${originHost.replace(/[^a-z0-9]/gi, "_")}`;
}

/** One occurrence of `from` in a header value, bounded like a host in a CSP source list. */
function headerHostRegex(from: string): string {
    return `~*^(?<ce_a>(?:.*?[\\s/'"]|.*?\\*\\.)?)${regexLiteral(from)}(?<ce_b>(?:[:/\\s;,'"].*)?)$`;
}

/**
 * A chain of maps converting up to HEADER_REWRITE_DEPTH occurrences of the pairs' names in a response header,
 * which sub_filter never touches: each map replaces the first remaining occurrence.
 */
function headerChain(source: string, prefix: string, pairs: { from: string; to: string }[]): { text: string; result: string } {
    const lines: string[] = [];
    let current = source;
    for (let i = 1; i <= HEADER_REWRITE_DEPTH; i++) {
        const next = `$${prefix}_${i}`;
        lines.push(`    map ${current} ${next} {`, `        default ${current};`);
        for (const p of pairs) {
            lines.push(`        ${q(headerHostRegex(p.from))} ${q(`\${ce_a}${p.to}\${ce_b}`)};`);
        }
        lines.push("    }");
        current = next;
    }
    return { text: lines.join("\n"), result: current };
}

/** A request header naming a public URL, mapped back to the origin's name (Origin, Referer). */
function requestMap(source: string, target: string, hosts: HostPair[]): string {
    return [
        `    map ${source} ${target} {`,
        `        default ${source};`,
        ...hosts.map((h) => `        ${q(`~*^(?<ce_s>https?://)${regexLiteral(h.public)}(?<ce_r>[:/?#].*)?$`)} ${q(`\${ce_s}${h.origin}\${ce_r}`)};`),
        "    }",
    ].join("\n");
}

function listen(input: OriginProxyNginxInput, port: number, extra: string): string {
    return `listen ${input.listen.address ? `${input.listen.address}:` : ""}${port}${extra};`;
}

/** One server for every served name: maps pick the origin name and upstream of the request's host. */
function siteServer(input: OriginProxyNginxInput, csp: string, cspReport: string): string {
    const subs = [
        ...input.hosts.flatMap((h) => bodySubstitutions(h.origin, h.public)),
        ...input.mirrors.flatMap((m) => bodySubstitutions(m.from, m.to)),
    ];
    const p = input.paths;
    return `
    server {
        ${listen(input, input.listen.port, " ssl http2 proxy_protocol")}
        server_name ${input.hosts.map((h) => h.public).join(" ")};

        # Upstream TLS at server level: every location shares one TLS context per upstream (mixed settings over
        # one keepalive pool gave intermittent 502s).
${upstreamTls("$ce_origin_host", p.caBundle, "        ")}

        # Response headers are set here only: a location with its own add_header would drop these.
        proxy_hide_header Access-Control-Allow-Origin;
        proxy_hide_header Content-Security-Policy;
        proxy_hide_header Content-Security-Policy-Report-Only;
        proxy_hide_header Alt-Svc;
        add_header Access-Control-Allow-Origin $ce_acao always;
        add_header Content-Security-Policy ${csp} always;
        add_header Content-Security-Policy-Report-Only ${cspReport} always;
        add_header ${CHAIN_HEADER} $hostname always;

        # Errors nginx makes itself when the origin does not answer (the origin's own error pages pass unchanged).
${Object.entries(ORIGIN_ERRORS).map(([code, what]) => `        error_page ${code} @ce_origin_${code};
        location @ce_origin_${code} {
            default_type text/plain;
            return ${code} "${code}: the origin $ce_origin_host ${what} (origin proxy $hostname); try again shortly\\n";
        }`).join("\n")}

        location = ${HEALTH_PATH} {
            access_log off;
            default_type text/plain;
            return 200 "ok\\n";
        }

        location / {
            # A variable naming an upstream block uses that block (and its keepalive pool); no resolver involved.
            proxy_pass https://$ce_upstream;
            proxy_http_version 1.1;
            proxy_connect_timeout ${CONNECT_TIMEOUT};
            proxy_read_timeout ${TUNNEL_TIMEOUT};
            proxy_send_timeout ${TUNNEL_TIMEOUT};

            proxy_set_header Host $ce_origin_host;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $ce_connection_upgrade;
            proxy_set_header Origin $ce_origin_upstream;
            proxy_set_header Referer $ce_referer_upstream;
            # sub_filter cannot see into compressed bodies: ask the origin for identity, compress again above.
            proxy_set_header Accept-Encoding "";

${input.hosts.map((h) => `            proxy_redirect ${q(`~*^(?:https?:)?//${regexLiteral(h.origin)}([:/?#].*)?$`)} ${q(`https://${h.public}$1`)};`).join("\n")}
${input.hosts.map((h) => `            proxy_cookie_domain ${h.origin} ${h.public};`).join("\n")}

${subs.map(([from, to]) => `            sub_filter ${q(from)} ${q(to)};`).join("\n")}
${input.icp ? "            sub_filter '</body>' $ce_icp_footer;\n" : ""}            sub_filter_once off;
            sub_filter_types ${CONVERTED_TYPES.join(" ")};
        }
    }
`;
}

/** The origin proxy's nginx.conf. */
export function renderOriginNginx(input: OriginProxyNginxInput): string {
    const { workerConnections, workerRlimitNofile } = nginxSizing(input.fileLimit);
    const p = input.paths;
    const responsePairs = input.hosts.map((h) => ({ from: h.origin, to: h.public }));
    const csp = headerChain("$upstream_http_content_security_policy", "ce_csp", responsePairs);
    const cspReport = headerChain("$upstream_http_content_security_policy_report_only", "ce_cspro", responsePairs);
    const origins = [...new Set(input.hosts.map((h) => h.origin))];
    const upstreams = origins.map((o) => `    upstream ${upstreamName(o)} {
        server ${input.upstreamAddresses?.[o] ?? `${o}:443`} max_fails=3 fail_timeout=10s;
        keepalive ${UPSTREAM_KEEPALIVE};
        keepalive_timeout 60s;
    }`).join("\n");
    const httpServer = input.httpPort === undefined ? "" : `
    # Plain HTTP from the edge: ACME http-01 challenges are answered here, everything else goes to https.
    server {
        ${listen(input, input.httpPort, ` proxy_protocol default_server reuseport backlog=${LISTEN_BACKLOG}`)}
        location /.well-known/acme-challenge/ {
            root ${p.acmeRoot};
        }
        location / {
            return 301 https://$host$request_uri;
        }
    }
`;
    return `# Rendered by china-edge: origin proxy for ${input.hosts.map((h) => `${h.public} -> ${h.origin}`).join(", ")}
${input.user ? `user ${input.user};\n` : ""}worker_processes auto;
worker_rlimit_nofile ${workerRlimitNofile};
worker_shutdown_timeout ${WORKER_SHUTDOWN_TIMEOUT};
pid ${p.pidFile};
error_log ${p.errorLog} warn;

events {
    # Every proxied WebSocket holds two connections of a worker: the client's and the origin's.
    worker_connections ${workerConnections};
    multi_accept on;
}

http {
    include ${p.mimeTypes};
    default_type application/octet-stream;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 75s;
    keepalive_requests 1000;
    client_max_body_size ${CLIENT_MAX_BODY};
    large_client_header_buffers 4 16k;
    proxy_buffer_size 16k;
    proxy_buffers 8 16k;
    proxy_busy_buffers_size 32k;
    ssl_buffer_size 4k;

    log_format china_edge '$remote_addr via $realip_remote_addr [$time_local] "$host" "$request" $status '
                          '$body_bytes_sent $request_time "$upstream_addr" $upstream_status';
    access_log ${p.accessLog} china_edge buffer=64k flush=5s;

    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:SSL:50m;
    ssl_session_timeout 1d;
    ssl_certificate ${p.certificate};
    ssl_certificate_key ${p.privateKey};

    # The client address comes from the edge's PROXY protocol header, trusted from the edge's range only.
${input.trustedProxyCidrs.map((c) => `    set_real_ip_from ${c};`).join("\n")}
    real_ip_header proxy_protocol;

    gzip on;
    gzip_proxied any;
    gzip_vary on;
    gzip_comp_level 5;
    gzip_min_length 256;
    gzip_types ${CONVERTED_TYPES.filter((t) => t !== "text/html").join(" ")};

    # An empty Connection header (not "close") keeps the upstream keepalive for requests that are no upgrade.
    map $http_upgrade $ce_connection_upgrade {
        default upgrade;
        '' '';
    }
${requestMap("$http_origin", "$ce_origin_upstream", input.hosts)}
${requestMap("$http_referer", "$ce_referer_upstream", input.hosts)}
    map $upstream_http_access_control_allow_origin $ce_acao {
        default $upstream_http_access_control_allow_origin;
${input.hosts.map((h) => `        ${q(`~*^(?<ce_s>https?://)${regexLiteral(h.origin)}(?<ce_r>:\\d+)?$`)} ${q(`\${ce_s}${h.public}\${ce_r}`)};`).join("\n")}
    }
${csp.text}
${cspReport.text}
${input.icp ? `    map $sent_http_content_type $ce_icp_footer {
        default '</body>';
        '~*^text/html' ${q(`${icpFooterHtml(input.icp)}</body>`)};
    }
` : ""}
    map $host $ce_origin_host {
${input.hosts.map((h) => `        ${h.public} ${h.origin};`).join("\n")}
    }
    map $host $ce_upstream {
        default ${upstreamName(input.hosts[0].origin)};
${input.hosts.map((h) => `        ${h.public} ${upstreamName(h.origin)};`).join("\n")}
    }
${upstreams}

    # Names outside the served list get no certificate at all.
    server {
        ${listen(input, input.listen.port, ` ssl http2 proxy_protocol default_server reuseport backlog=${LISTEN_BACKLOG}`)}
        ssl_reject_handshake on;
        return 421;
    }
${httpServer}${siteServer(input, csp.result, cspReport.result)}}
`;
}
