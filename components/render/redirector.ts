// nginx.conf of the redirector (cn-hongkong): visitors from mainland China asking for an old name get a redirect to
// its public name, path and query kept; everyone else, and the exempt paths, pass through to the existing service.
// The shape follows ../shared/reference/dataplane.md §4.
import { HostPair } from "china-edge-policy/kernel/hosts";
import { NginxPaths } from "./paths";
import { CLIENT_MAX_BODY, CONNECT_TIMEOUT, TUNNEL_TIMEOUT, UPSTREAM_KEEPALIVE, nginxSizing } from "./tuning";
import { q, upstreamTls } from "./nginx";

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
    redirects: HostPair[];
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

function regexEscape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function renderRedirectorNginx(input: RedirectorNginxInput): string {
    const { workerConnections, workerRlimitNofile } = nginxSizing(input.fileLimit);
    const p = input.paths;
    const at = input.listen.address ? `${input.listen.address}:` : "";
    const exempt = input.exemptPaths.length === 0 ? ""
        : `        ${q(`~^(?:${input.exemptPaths.map(regexEscape).join("|")})`)} 1;\n`;
    return `# Rendered by china-edge: redirector for ${input.redirects.map((r) => `${r.origin} -> ${r.public}`).join(", ")}
load_module ${input.geoip.module};
${input.user ? `user ${input.user};\n` : ""}worker_processes auto;
worker_rlimit_nofile ${workerRlimitNofile};
pid ${p.pidFile};
error_log ${p.errorLog} warn;

events {
    worker_connections ${workerConnections};
}

http {
    include ${p.mimeTypes};
    default_type application/octet-stream;
    server_tokens off;
    keepalive_timeout 75s;
    client_max_body_size ${CLIENT_MAX_BODY};

    log_format china_edge_redirector '$remote_addr $ce_country [$time_local] "$host" "$request" $status '
                                     '$body_bytes_sent $request_time "$upstream_addr" $upstream_status';
    access_log ${p.accessLog} china_edge_redirector buffer=64k flush=5s;

    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:SSL:10m;
    ssl_certificate ${p.certificate};
    ssl_certificate_key ${p.privateKey};

    # The visitor's country by the connection's own address: nothing in front of this server rewrites it.
    geoip2 ${input.geoip.database} {
        auto_reload ${input.geoip.reloadInterval};
        $ce_country default=${UNKNOWN_COUNTRY} source=$remote_addr country iso_code;
    }

    # Only page loads are redirected: a redirected POST would lose its body, and API clients do not follow.
    map $request_method $ce_method_redirects {
        default 0;
        GET 1;
        HEAD 1;
    }
    map $uri $ce_exempt {
        default 0;
${exempt}    }
    map "$ce_country:$ce_method_redirects:$ce_exempt" $ce_redirect {
        default 0;
        "${REDIRECTED_COUNTRY}:1:0" 1;
    }
    map $host $ce_public_host {
${input.redirects.map((r) => `        ${r.origin} ${r.public};`).join("\n")}
    }
    map $http_upgrade $ce_connection_upgrade {
        default upgrade;
        '' '';
    }

    upstream existing_service {
        server ${input.upstream} max_fails=3 fail_timeout=10s;
        keepalive ${UPSTREAM_KEEPALIVE};
    }

    # Names other than the old ones get no certificate and no answer.
    server {
        listen ${at}${input.listen.port} ssl http2 default_server;
        listen ${at}${input.httpPort} default_server;
        ssl_reject_handshake on;
        return 444;
    }

    server {
        listen ${at}${input.listen.port} ssl http2;
        listen ${at}${input.httpPort};
        server_name ${input.redirects.map((r) => r.origin).join(" ")};
        add_header ${COUNTRY_HEADER} $ce_country always;

        location / {
            if ($ce_redirect) {
                return ${input.status} https://$ce_public_host$request_uri;
            }
            proxy_pass https://existing_service;
            proxy_http_version 1.1;
            proxy_connect_timeout ${CONNECT_TIMEOUT};
            proxy_read_timeout ${TUNNEL_TIMEOUT};
            proxy_send_timeout ${TUNNEL_TIMEOUT};
${upstreamTls("$host", p.caBundle, "            ")}
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $ce_connection_upgrade;
        }
    }
}
`;
}
