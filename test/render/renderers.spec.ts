import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { renderEdgeHaproxy } from "../../components/render/edge/haproxy";
import { CONVERTED_TYPES, STREAMED_TYPES } from "../../components/render/originProxy/convertedTypes";
import { renderConversionModule } from "../../components/render/originProxy/conversionModule";
import { icpFooterHtml, renderOriginNginx } from "../../components/render/originProxy/originNginx";
import { renderLinkHaproxy } from "../../components/render/originProxy/linkHaproxy";
import { HAPROXY_PATHS } from "../../components/render/shared/paths";
import { CLOUD_CONFIG_KEYS, UserDataTooLarge, packUserData, renderUserData, unpackUserData } from "../../components/render/shared/cloudInit";
import { edgeUserData } from "../../components/render/edge/edgeHost";
import { originBundle, originUserData } from "../../components/render/originProxy/originHost";
import { APPLY_TOOL, APPLY_TOOL_SOURCE, bundleDigest, commandObject, decodeBundle, encodeBundle, renderApplyCommand } from "../../components/render/shared/bundle";
import { renderSysctl } from "../../components/render/shared/sysctl";
import { haproxySizing, nginxSizing } from "../../components/render/shared/capacity";
import { ICP, MANY_HOSTS, THIRD_PARTY, SEVERAL_HOSTS, edgeInput, originInput } from "./inputs";

/** From the first line matching `header` to the next line indented as little as it (its closing brace or next section). */
function block(text: string, header: RegExp): string {
    const start = text.search(header);
    assert.ok(start >= 0, `no block ${header}`);
    const lineStart = text.lastIndexOf("\n", start) + 1;
    const indent = /^ */.exec(text.slice(lineStart))![0];
    const end = new RegExp(`\n${indent}\\S`, "g");
    end.lastIndex = start;
    const found = end.exec(text);
    return text.slice(start, found ? found.index : undefined);
}

/** The proxying location of the site server. */
function siteLocation(conf: string): string {
    return block(conf, /location \/ \{\n[^\n]*\n\s+proxy_pass/);
}

function lines(text: string, directive: string): string[] {
    return text.split("\n").map((l) => l.trim()).filter((l) => l.startsWith(`${directive} `));
}

describe("haproxy.cfg renderer", () => {
    it("passes TLS through with an SNI allow-list and refuses every other name", () => {
        const cfg = renderEdgeHaproxy(edgeInput({ publicHosts: ["example.cn", "www.example.cn", "api.example.cn"] }));
        assert.match(cfg, /defaults main\n    mode tcp/);
        assert.match(cfg, /tcp-request content accept if \{ req\.ssl_hello_type 1 \}/);
        assert.match(cfg, /acl served_sni req\.ssl_sni -i example\.cn www\.example\.cn api\.example\.cn\n/);
        assert.match(cfg, /use_backend be_origin if served_sni\n    default_backend be_refuse/);
        assert.match(cfg, /backend be_refuse\n    tcp-request content reject/);
        assert.doesNotMatch(cfg, /mode http\n[^]*frontend fe_tls/, "the TLS frontend stays in TCP mode");
    });

    it("lists one origin proxy or many, each with PROXY v2 and a layer-7 check through its TLS", () => {
        for (const n of [1, 3]) {
            const origins = Array.from({ length: n }, (_, i) => ({ name: `us-origin-${i + 1}`, address: `10.20.${i + 1}.10` }));
            const cfg = renderEdgeHaproxy(edgeInput({ originProxies: origins, originPort: 443 }));
            const servers = lines(block(cfg, /backend be_origin\n/), "server");
            assert.equal(servers.length, n);
            origins.forEach((o, i) => assert.match(servers[i],
                new RegExp(`^server ${o.name} ${o.address.replace(/\./g, "\\.")}:443 send-proxy-v2 check check-ssl check-sni example\\.cn `)));
            assert.match(cfg, /http-check send meth GET uri \/healthz ver HTTP\/1\.1 hdr Host example\.cn/);
        }
    });

    it("verifies the origin proxies' certificate only when it is a real one", () => {
        assert.match(renderEdgeHaproxy(edgeInput({ tls: { kind: "passthrough", verifyOriginCertificate: true } })), /verify required ca-file \/etc\/ssl\/certs\/ca-certificates\.crt/);
        assert.match(renderEdgeHaproxy(edgeInput({ tls: { kind: "passthrough", verifyOriginCertificate: false } })), / verify none\n/);
    });

    it("keeps idle WebSockets for an hour, drops vanished clients, and smooths reconnect storms", () => {
        const cfg = renderEdgeHaproxy(edgeInput());
        assert.match(cfg, /timeout tunnel 1h/);
        assert.match(cfg, /timeout client 1h/);
        assert.match(cfg, /timeout client-fin 30s/);
        assert.match(cfg, /tcp-request inspect-delay 5s/);
        assert.match(cfg, /rate-limit sessions \d+/);
        assert.match(cfg, /slowstart 30s/);
        assert.match(cfg, /hard-stop-after 10m/);
        assert.match(cfg, /bind 127\.0\.0\.1:8443 backlog 65535/);
    });

    it("sizes maxconn to the file limit: two descriptors per connection", () => {
        assert.match(renderEdgeHaproxy(edgeInput({ fileLimit: 20_000 })), /\n    maxconn 9488\n/);
        assert.match(renderEdgeHaproxy(edgeInput({ fileLimit: 1_048_576 })), /\n    maxconn 100000\n/);
        assert.deepEqual(haproxySizing(1_048_576, 1), { maxconn: 100_000, frontendMaxconn: 58_000, serverMaxconn: 58_000 });
        assert.deepEqual(haproxySizing(1_048_576, 2), { maxconn: 100_000, frontendMaxconn: 100_000, serverMaxconn: 58_000 });
    });

    it("binds stats and health to the given private address, failing health when no origin proxy is up", () => {
        const cfg = renderEdgeHaproxy(edgeInput({ stats: { address: "10.10.1.10", port: 9000 } }));
        const stats = block(cfg, /frontend fe_stats\n/);
        assert.match(stats, /bind 10\.10\.1\.10:9000\n/);
        assert.match(stats, /status 503 .* if \{ path \/healthz \} \{ nbsrv\(be_origin\) lt 1 \}/);
    });

    it("redirects plain HTTP to https and passes ACME challenges, or opens no plain port at all", () => {
        const cfg = renderEdgeHaproxy(edgeInput({ publicHosts: ["example.cn", "www.example.cn"] }));
        const http = block(cfg, /frontend fe_http\n/);
        assert.match(http, /bind 127\.0\.0\.1:8080 /);
        assert.match(http, /http-request deny deny_status 421 unless served_host/);
        assert.match(http, /redirect scheme https code 301 unless \{ path_beg \/\.well-known\/acme-challenge\/ \}/);
        assert.match(cfg, /server us-origin-1 127\.0\.0\.1:7080 send-proxy-v2 check/);
        const none = renderEdgeHaproxy(edgeInput({ httpPort: undefined }));
        assert.doesNotMatch(none, /fe_http|be_origin_http/);
    });
});

describe("haproxy.cfg renderer, terminating edge", () => {
    const cfg = renderEdgeHaproxy(edgeInput({
        tls: { kind: "terminate", linkPort: 7444, share: false }, publicHosts: ["example.cn", "www.example.cn"],
        originProxies: [{ name: "us-origin-1", address: "10.20.1.10" }, { name: "us-origin-2", address: "10.20.2.10" }],
    }));

    it("ends TLS for the public names only (strict SNI), HTTP/2 and HTTP/1.1, and refuses another Host with 421", () => {
        const fe = block(cfg, /^frontend fe_https/m);
        assert.match(fe, /bind 127\.0\.0\.1:8443 ssl crt \/etc\/haproxy\/tls\/site\.pem strict-sni alpn h2,http\/1\.1 backlog 65535/);
        assert.match(fe, /acl served_host req\.hdr\(host\),field\(1,:\) -i example\.cn www\.example\.cn\n\s+http-request deny deny_status 421 unless served_host\n/);
        assert.doesNotMatch(cfg, /req\.ssl_sni|be_refuse/, "no passthrough frontend");
        assert.doesNotMatch(block(cfg, /^backend be_origin$/m), /send-proxy/, "no PROXY protocol on the link");
    });

    it("hands the origin proxies the client address it saw, never one the client claims", () => {
        const fe = block(cfg, /^frontend fe_https/m);
        assert.ok(fe.indexOf("http-request del-header X-Forwarded-For") < fe.indexOf("option forwardfor"));
        assert.match(fe, /http-request set-header X-Forwarded-Proto https/);
    });

    it("sends requests and WebSockets over shared connections kept warm across the border, mutually authenticated, HTTP/2", () => {
        const be = block(cfg, /^backend be_origin$/m);
        assert.match(be, /http-reuse always/);
        assert.match(be, /default-server .* pool-purge-delay 1h/);
        for (const [name, address] of [["us-origin-1", "10.20.1.10"], ["us-origin-2", "10.20.2.10"]]) {
            assert.match(be, new RegExp(`server ${name} ${address.replace(/\./g, "\\.")}:7444 ssl verify required ca-file /etc/haproxy/tls/link-ca\\.crt ` +
                `verifyhost origin-link\\.china-edge\\.internal sni str\\(origin-link\\.china-edge\\.internal\\) crt /etc/haproxy/tls/link\\.pem alpn h2 ws h2 check check-alpn http/1\\.1`));
        }
        assert.match(be, /retry-on conn-failure empty-response response-timeout 425\n/, "425: the origin proxy host could not hand it to nginx");
        assert.match(be, /http-check send meth GET uri \/healthz ver HTTP\/1\.1 hdr Host example\.cn/);
    });

    it("sends WebSocket upgrades as HTTP/2 streams on those connections (RFC 8441), with no backend of their own", () => {
        assert.doesNotMatch(cfg, /be_origin_ws|use_backend|alpn http\/1\.1 check/);
    });
});

describe("haproxy.cfg renderer, the origin proxy host's end of the link", () => {
    const cfg = renderLinkHaproxy({
        listen: { port: 8443 }, nginx: { pages: "127.0.0.1:8444", websockets: "127.0.0.1:8445" }, stats: { address: "127.0.0.1", port: 8406 }, fileLimit: 1_048_576, user: "haproxy",
        paths: { ...HAPROXY_PATHS, linkCa: "/etc/nginx/tls/link-ca.crt", linkCertificate: "/etc/nginx/tls/link.crt" },
    });

    it("accepts only the link CA's certificates, HTTP/2 with WebSockets as streams, and keeps the edges' connections an hour", () => {
        const fe = block(cfg, /^frontend fe_link/m);
        assert.match(fe, /bind :8443 ssl crt \/etc\/nginx\/tls\/link\.crt ca-file \/etc\/nginx\/tls\/link-ca\.crt verify required alpn h2,http\/1\.1 backlog 65535/);
        assert.match(block(cfg, /^global/m), /ssl-load-extra-del-ext/, "its key is link.key, beside it");
        assert.match(block(cfg, /^defaults main/m), /retries 0\n\s+errorfile 503 \/etc\/haproxy\/errors\/china-edge-unavailable\.http/);
        assert.match(cfg, /tune\.h2\.max-concurrent-streams 1000/);
        assert.match(block(cfg, /^global/m), /nbthread 1\n/, "nginx keeps the host's other cores");
        assert.match(block(cfg, /^defaults main/m), /timeout client 1h/);
        assert.match(block(cfg, /^global/m), /user haproxy\n\s+group haproxy/);
    });

    it("hands pages to nginx over loopback on one port with reused connections, upgrades on another; X-Forwarded-For as the edge set it", () => {
        assert.match(block(cfg, /^frontend fe_link/m), /use_backend be_websockets if \{ req\.hdr\(upgrade\) -i websocket \}\n\s+default_backend be_pages/);
        assert.match(block(cfg, /^backend be_pages/m), /http-reuse always\n\s+server nginx 127\.0\.0\.1:8444 maxconn \d+/);
        assert.match(block(cfg, /^backend be_websockets/m), /server nginx 127\.0\.0\.1:8445 maxconn \d+/);
        assert.doesNotMatch(cfg.replace(/^\s*#.*$/gm, ""), /forwardfor|X-Forwarded-For|send-proxy|ssl verify/, "nginx gets the edge's header as it came, over plain HTTP");
        assert.match(cfg, /capture req\.hdr\(X-China-Edge-Request-Id\)/, "the log carries the edge's id of each request");
    });

    it("checks nginx's ports, and serves its exporter and health on the private address only, nothing else there", () => {
        assert.match(block(cfg, /^defaults main/m), /default-server check inter 2s fall 1 rise 2/);
        const stats = block(cfg, /^frontend fe_stats/m);
        assert.match(stats, /bind 127\.0\.0\.1:8406\n/);
        const answers = stats.split("\n").filter((l) => /http-request (use-service|return)/.test(l)).map((l) => l.trim());
        assert.deepEqual(answers, [
            "http-request use-service prometheus-exporter if { path /metrics }",
            `http-request return status 503 content-type text/plain string "leaving" if { path /healthz } { str(leaving),map(${HAPROXY_PATHS.leavingMap}) -m found }`,
            "http-request return status 503 content-type text/plain string \"nginx down\" if { path /healthz } { nbsrv(be_pages) lt 1 }",
            "http-request return status 200 content-type text/plain string \"ok\" if { path /healthz }",
            "http-request return status 404",
        ], "health fails while the host leaves (a scaling group's NLB checks it) and while nginx is down");
    });
});

describe("nginx.conf renderer, the terminating edges' link", () => {
    const withLink = renderOriginNginx(originInput("/srv", { link: { address: "127.0.0.1", port: 8444, websocketPort: 8445 } }));
    const [proxied, pages, websockets] = [
        block(withLink, /^ {4}server \{\n\s+listen \S+ ssl http2 proxy_protocol;/m),
        block(withLink, /^ {4}server \{\n\s+# The link's requests[^\n]*\n[^\n]*\n\s+listen 127\.0\.0\.1:8444 /m),
        block(withLink, /^ {4}server \{\n\s+# The link's requests[^\n]*\n[^\n]*\n\s+listen 127\.0\.0\.1:8445 /m),
    ];

    it("takes the link from the host's HAProxy on loopback only, plain HTTP, idle connections kept an hour", () => {
        for (const server of [pages, websockets]) {
            assert.match(server, /listen 127\.0\.0\.1:844[45] backlog=65535;/);
            assert.doesNotMatch(server, /^\s+(listen .*(ssl|proxy_protocol)|ssl_)/m);
            assert.match(server, /keepalive_timeout 1h;/);
        }
    });

    it("takes the client address from X-Forwarded-For of HAProxy only, and converts as the PROXY-protocol server does", () => {
        for (const server of [pages, websockets]) {
            assert.deepEqual(lines(server, "set_real_ip_from"), ["set_real_ip_from 127.0.0.1;"]);
            assert.deepEqual(lines(server, "real_ip_header"), ["real_ip_header X-Forwarded-For;"]);
        }
        for (const directive of ["sub_filter", "proxy_redirect", "proxy_cookie_domain", "add_header", "proxy_set_header"]) {
            assert.deepEqual(lines(pages, directive), lines(proxied, directive), directive);
        }
        assert.doesNotMatch(renderOriginNginx(originInput("/srv")), /X-Forwarded-For;/, "no link server unless asked");
    });

    it("serves WebSockets with small buffers, converting names in the request and the answer's headers, never bodies", () => {
        assert.match(websockets, /proxy_buffer_size 4k;/);
        assert.doesNotMatch(pages, /proxy_buffer_size/, "pages keep the 16k that long CSP headers need");
        const location = siteLocation(proxied);
        for (const directive of ["proxy_pass", "proxy_set_header", "proxy_redirect", "proxy_cookie_domain"]) {
            assert.deepEqual(lines(websockets, directive), lines(location, directive), directive);
        }
        assert.match(websockets, /header_filter_by_lua_block \{\n\s+require\("conversion"\)\.headers\(\);/);
        assert.deepEqual(lines(websockets, "sub_filter"), []);
    });
});

describe("nginx.conf renderer", () => {
    const dir = "/tmp/unused";

    it("serves every public name over TLS 1.2/1.3 and HTTP/2 behind PROXY protocol, trusted from the edge range only", () => {
        const conf = renderOriginNginx(originInput(dir, { hosts: SEVERAL_HOSTS, trustedProxyCidrs: ["10.10.0.0/16"], listen: { port: 8443 } }));
        assert.match(conf, /server_name example\.cn www\.example\.cn api\.example\.cn static\.example\.cn;/);
        assert.match(conf, /listen 8443 ssl http2 proxy_protocol;/);
        assert.match(conf, /ssl_protocols TLSv1\.2 TLSv1\.3;/);
        assert.deepEqual(lines(conf, "set_real_ip_from"), ["set_real_ip_from 10.10.0.0/16;"]);
        assert.match(conf, /real_ip_header proxy_protocol;/);
        assert.match(conf, /default_server reuseport backlog=65535;\n\s+ssl_reject_handshake on;/);
    });

    it("proxies to each origin name over verified TLS with SNI, upstream keep-alive and one TLS context per server", () => {
        const conf = renderOriginNginx(originInput(dir, { hosts: SEVERAL_HOSTS, upstreamAddresses: undefined }));
        for (const h of SEVERAL_HOSTS) {
            assert.match(conf, new RegExp(`${h.public.replace(/\./g, "\\.")} ${h.origin.replace(/\./g, "\\.")};`));
            assert.match(conf, new RegExp(`server ${h.origin.replace(/\./g, "\\.")}:443 max_fails`));
        }
        assert.equal(lines(conf, "keepalive").length, SEVERAL_HOSTS.length);
        const location = siteLocation(conf);
        assert.equal(lines(location, "proxy_ssl_verify").length + lines(location, "proxy_ssl_name").length, 0, "upstream TLS is set at server level only");
        assert.match(conf, /proxy_ssl_server_name on;\n\s+proxy_ssl_name \$ce_origin_host;\n\s+proxy_ssl_verify on;/);
        assert.match(location, /proxy_http_version 1\.1;/);
        assert.match(location, /proxy_set_header Host \$ce_origin_host;/);
        assert.match(location, /proxy_set_header Connection \$ce_connection_upgrade;/);
        assert.match(conf, /map \$http_upgrade \$ce_connection_upgrade \{\n\s+default upgrade;\n\s+'' '';/);
    });

    it("converts bodies of every text type, every occurrence, even when the origin would compress", () => {
        const conf = renderOriginNginx(originInput(dir));
        const location = siteLocation(conf);
        assert.match(location, /proxy_set_header Accept-Encoding "";/);
        assert.match(location, /sub_filter_once off;/);
        assert.match(location, /proxy_buffering off;/, "streams leave as they arrive");
        const types = lines(location, "sub_filter_types")[0];
        for (const t of ["text/css", "application/javascript", "application/json", "application/xml", "image/svg+xml"]) {
            assert.ok(types.includes(t), t);
        }
        assert.ok(!types.includes("*"));
        assert.match(conf, /gzip on;\n\s+gzip_proxied any;/);
        assert.deepEqual([...CONVERTED_TYPES, ...STREAMED_TYPES].filter((t) => !types.includes(t)), []);
        const gzipTypes = lines(conf, "gzip_types")[0];
        assert.ok(STREAMED_TYPES.every((t) => !gzipTypes.includes(t)), "streams are never compressed (it would hold events back)");
    });

    it("converts treated third parties in bodies by sub_filter, set once for every server, anchored; served names by the module, any number", () => {
        const conf = renderOriginNginx(originInput(dir, { hosts: MANY_HOSTS, thirdParty: THIRD_PARTY, link: { address: "127.0.0.1", port: 7444, websocketPort: 7445 } }));
        assert.deepEqual(lines(siteLocation(conf), "sub_filter"), [], "the proxying location inherits them");
        const http = conf.slice(0, conf.indexOf("\n    server {"));
        const subs = lines(http, "sub_filter");
        for (const [from, to] of [["cdn.vendor.com", "cdn.vendor.cn"], ["fonts.googleapis.com", "$host/_ext/fonts.googleapis.com"]]) {
            assert.ok(subs.includes(`sub_filter '//${from}' '//${to}';`), from);
            assert.ok(subs.includes(`sub_filter '\\\\/\\\\/${from}' '\\\\/\\\\/${to.replace(/\//g, "\\\\/")}';`), `${from} JSON-escaped`);
            assert.ok(subs.includes(`sub_filter '%2F%2F${from}' '%2F%2F${to.replace(/\//g, "%2F")}';`), `${from} URL-encoded`);
        }
        for (const s of subs) {
            assert.match(s, /^sub_filter '(\/\/|\\\\\/\\\\\/|%2F%2F|"|\\')/, `${s} is anchored`);
        }
        assert.ok(!subs.some((l) => l.includes("example.com")), "served names are the module's: sub_filter takes at most 255 strings");
        assert.ok(lines(conf, "sub_filter").length < 255);
        // Each host pair's rules once, whatever the number of servers (three here: TLS, the link's pages, its WebSockets).
        for (const directive of ["proxy_cookie_domain app7.example.com app7.example.cn;", "proxy_redirect '~*^(?:https?:)?//app7\\\\.example\\\\.com([:/?#].*)?$' 'https://app7.example.cn$1';"]) {
            assert.equal(conf.split(directive).length - 1, 1, directive);
        }
        const module = renderConversionModule({ hosts: MANY_HOSTS, thirdParty: THIRD_PARTY });
        assert.ok(module.includes('local BODY_PREFIXES = { "//", "\\\\/\\\\/", "%2F%2F", "\\\\u002F\\\\u002F", "\\\\x2F\\\\x2F" }'), module.slice(0, 3000));
        assert.ok(module.includes('["app198.example.com"] = "app198.example.cn"'));
    });

    it("converts Location, Refresh, cookie domains, CORS and CSP on the way out, Origin and Referer on the way in", () => {
        const conf = renderOriginNginx(originInput(dir, { hosts: SEVERAL_HOSTS.slice(0, 2) }));
        const location = siteLocation(conf);
        assert.deepEqual(lines(location, "proxy_cookie_domain"), [], "set at http level, for every server");
        assert.deepEqual(lines(conf, "proxy_cookie_domain"), ["proxy_cookie_domain example.com example.cn;", "proxy_cookie_domain www.example.com www.example.cn;"]);
        assert.match(conf, /proxy_redirect '~\*\^\(\?:https\?:\)\?\/\/www\\\\\.example\\\\\.com\(\[:\/\?#\]\.\*\)\?\$' 'https:\/\/www\.example\.cn\$1';/);
        assert.match(conf, /^load_module \/usr\/lib\/nginx\/modules\/ndk_http_module\.so;\nload_module \/usr\/lib\/nginx\/modules\/ngx_http_lua_module\.so;$/m);
        assert.ok(conf.includes(`lua_package_path '${path.dirname(originInput(dir).paths.conversionModule)}/?.lua;;';`));
        assert.match(location, /header_filter_by_lua_block \{\n\s+require\("conversion"\)\.headers\(\);\n\s+\}/);
        assert.doesNotMatch(conf, /add_header (Content-Security-Policy|Access-Control-Allow-Origin)/, "converted in place, not set again");
        const origin = block(conf, /map \$http_origin \$ce_origin_upstream \{/);
        assert.ok(origin.includes("'~*^(?<ce_s>https?://)www\\\\.example\\\\.cn(?<ce_r>[:/?#].*)?$' '${ce_s}www.example.com${ce_r}';"), origin);
        assert.match(conf, /map \$http_referer \$ce_referer_upstream \{/);
        assert.match(location, /proxy_set_header Origin \$ce_origin_upstream;\n\s+proxy_set_header Referer \$ce_referer_upstream;/);
    });

    it("answers /healthz itself, without reaching the origin", () => {
        const health = block(renderOriginNginx(originInput(dir)), /location = \/healthz \{/);
        assert.match(health, /return 200/);
        assert.doesNotMatch(health, /proxy_pass/);
    });

    it("inserts the ICP footer into HTML only, linked to MIIT, and nothing without an ICP number", () => {
        const conf = renderOriginNginx(originInput(dir, { icp: ICP }));
        assert.match(conf, /map \$sent_http_content_type \$ce_icp_footer \{\n\s+default '<\/body>';\n\s+'~\*\^text\/html' '<div id="china-edge-filing"/);
        assert.match(conf, /sub_filter '<\/body>' \$ce_icp_footer;/);
        assert.match(conf, /href="https:\/\/beian\.miit\.gov\.cn\/"[^>]*>沪ICP备12345678号-1</);
        assert.match(conf, /webSearch\?code=31010402000001"/);
        const without = renderOriginNginx(originInput(dir));
        assert.doesNotMatch(without, /ce_icp_footer|beian/);
        assert.equal(icpFooterHtml({ icpNumber: "<b>'x'</b>" }).includes("<b>"), false, "the number is HTML-escaped");
    });

    it("sizes worker_connections for 10,000+ WebSockets per worker under the file limit", () => {
        const conf = renderOriginNginx(originInput(dir));
        assert.match(conf, /worker_connections 32768;/);
        assert.match(conf, /worker_rlimit_nofile 65536;/);
        assert.match(conf, /worker_shutdown_timeout 60s;/);
        assert.deepEqual(nginxSizing(20_000), { workerConnections: 10_000, workerRlimitNofile: 20_000 });
    });

    it("listens for plain HTTP only when asked (ACME and redirects)", () => {
        assert.match(renderOriginNginx(originInput(dir, { httpPort: 8081 })), /listen 127\.0\.0\.1:8081 proxy_protocol default_server/);
        assert.doesNotMatch(renderOriginNginx(originInput(dir, { httpPort: undefined })), /acme-challenge/);
    });
});

describe("cloud-init user data", () => {
    it("sets the host up and names nothing it serves: packages, kernel and file limits, overrides, the apply tool", () => {
        const text = edgeUserData();
        assert.ok(text.startsWith("#cloud-config\n"));
        const doc = YAML.parse(text);
        assert.deepEqual(Object.keys(doc).filter((k) => !(CLOUD_CONFIG_KEYS as readonly string[]).includes(k)), []);
        assert.deepEqual(doc.packages, ["haproxy", "openssl", "curl", "lego", "prometheus-node-exporter", "libbrotli1"]);
        const files = Object.fromEntries(doc.write_files.map((f: { path: string }) => [f.path, f]));
        assert.equal(files["/etc/haproxy/haproxy.cfg"], undefined, "the config comes with the bundle");
        assert.equal(files[APPLY_TOOL].content, APPLY_TOOL_SOURCE);
        assert.equal(files[APPLY_TOOL].permissions, "0755");
        assert.match(files["/etc/sysctl.d/90-china-edge.conf"].content, /net\.ipv4\.tcp_congestion_control = bbr/);
        const unit = files["/etc/systemd/system/haproxy.service.d/china-edge.conf"].content;
        assert.match(unit, /LimitNOFILE=1048576\nRestart=always/);
        assert.match(unit, /ExecReload=\nExecReload=\/usr\/sbin\/haproxy -Ws -f \$CONFIG -c -q/);
        assert.ok(files["/etc/systemd/journald.conf.d/china-edge.conf"]);
        assert.ok(!JSON.stringify(doc.runcmd).includes("restart haproxy"), "the service starts when its bundle is applied");
    });

    it("is the same whatever the proxies serve, so a change of what they serve never replaces a host", () => {
        assert.equal(originUserData(), originUserData());
        assert.doesNotMatch(originUserData(), /example|server_name|-----BEGIN [A-Z ]+-----\n/);
        assert.doesNotMatch(edgeUserData(), /example|^\s*frontend fe_|-----BEGIN [A-Z ]+-----\n/m, "no name, no config, no PEM");
    });

    it("checks nginx's and HAProxy's configs before every reload, raises both services' file limit and rotates nginx's logs", () => {
        const doc = YAML.parse(originUserData());
        assert.deepEqual(doc.packages, ["nginx", "libnginx-mod-http-lua", "haproxy", "ca-certificates", "openssl", "curl", "lego", "prometheus-node-exporter", "libbrotli1"]);
        const files = Object.fromEntries(doc.write_files.map((f: { path: string }) => [f.path, f]));
        assert.match(files["/etc/systemd/system/nginx.service.d/china-edge.conf"].content,
            /LimitNOFILE=1048576\n[^]*ExecReload=\nExecReload=\/usr\/sbin\/nginx -t -q [^\n]+\nExecReload=\/usr\/sbin\/nginx [^\n]+-s reload/);
        assert.match(files["/etc/systemd/system/haproxy.service.d/china-edge.conf"].content,
            /LimitNOFILE=1048576\n[^]*ExecReload=\nExecReload=\/usr\/sbin\/haproxy -Ws -f \$CONFIG -c -q \$EXTRAOPTS\nExecReload=\/bin\/kill -USR2 \$MAINPID/);
        assert.match(files["/etc/logrotate.d/nginx"].content, /daily\n\s+rotate 14/);
    });

    it("sets the sysctls of the seeds, BBR and fq allowed to fail where the kernel lacks them", () => {
        const text = renderSysctl();
        for (const line of ["net.core.somaxconn = 65535", "net.ipv4.tcp_tw_reuse = 1", "net.ipv4.ip_local_port_range = 1024 65535",
            "net.ipv4.tcp_max_syn_backlog = 65535", "-net.core.default_qdisc = fq", "fs.nr_open = 2097152"]) {
            assert.ok(text.includes(`${line}\n`), line);
        }
    });

    it("is sent gzip-compressed, which cloud-init 22.4 reads as the document itself, the same bytes from the same text", function () {
        const text = originUserData();
        const sent = packUserData(text);
        assert.ok(sent.length < Buffer.byteLength(text) / 2, `${sent.length} bytes sent for ${Buffer.byteLength(text)}`);
        assert.equal(unpackUserData(sent), text);
        assert.equal(unpackUserData(Buffer.from(text)), text, "plain user data reads as it is");
        // Pinned: a compressor that wrote other bytes for the same text would replace every instance on the next deploy.
        assert.equal(crypto.createHash("sha256").update(packUserData("#cloud-config\npackages: [nginx]\n")).digest("hex").slice(0, 16),
            PACKED_DIGEST, "pako's output for a fixed text changed: every instance's user data would change with it");
        // What the instance does with it: cloud-init's own user-data processing (the Python of Debian's cloud-init).
        if (!fs.existsSync("/usr/lib/python3/dist-packages/cloudinit")) {
            console.log("      skipped: cloud-init's Python package is not installed (bash scripts/dev.sh installs cloud-init)");
            this.skip();
        }
        const read = spawnSync("/usr/bin/python3", ["-c", [
            "import sys", "from cloudinit import user_data",
            "msg = user_data.UserDataProcessor({}).process(sys.stdin.buffer.read())",
            "parts = [p for p in msg.walk() if p.get_content_maintype() != 'multipart']",
            "print(parts[0].get_content_type()); sys.stdout.flush(); sys.stdout.buffer.write(parts[0].get_payload(decode=True))",
        ].join("\n")], { input: sent });
        assert.equal(read.status, 0, read.stderr.toString());
        assert.equal(read.stdout.toString(), `text/cloud-config\n${text}`);
    });

    it("refuses, naming each file and its size, a document that cannot fit even compressed", () => {
        const random = Array.from({ length: 12000 }, (_, i) => ((i * 2654435761) >>> 0).toString(36)).join("");
        assert.throws(() => renderUserData({ packages: [], files: [{ path: "/big", content: random }], runcmd: [] }),
            (err: Error) => err instanceof UserDataTooLarge && /at most 32768 bytes/.test(err.message) && /\/big \d+ B/.test(err.message));
    });
});

/** The first 16 hex digits of the SHA-256 of pako's gzip of a fixed document (see the user data test). */
const PACKED_DIGEST = "415170839f0c1006";

describe("apply commands: what a proxy serves, delivered in place", () => {
    const nginxConf = renderOriginNginx(originInput("/tmp/unused", { hosts: SEVERAL_HOSTS, thirdParty: THIRD_PARTY, icp: ICP }));
    const conversionModule = renderConversionModule({ hosts: SEVERAL_HOSTS, thirdParty: THIRD_PARTY });
    const haproxyCfg = renderLinkHaproxy({
        listen: { port: 8443 }, nginx: { pages: "127.0.0.1:8444", websockets: "127.0.0.1:8445" }, stats: { address: "127.0.0.1", port: 8406 }, fileLimit: 1_048_576, user: "haproxy", paths: HAPROXY_PATHS,
    });
    const link = { caCertificate: "CA\n", certificate: "LINK CERT\n", privateKey: "LINK KEY\n" };
    const OBJECT = { bucket: "china-edge-us-us-origin-abc123", key: "bundles/us-origin-1.br85", region: "us-east-1", endpoint: "oss-us-east-1-internal.aliyuncs.com" };

    it("carries the origin proxy's files with their modes, and both services' check, reload, start and state, nginx first", () => {
        const bundle = originBundle("us-origin-1", { nginxConf, conversionModule, haproxyCfg }, ["example.cn"], { certificate: "CERT\n", privateKey: "KEY\n" }, link);
        assert.equal(bundle.name, "us-origin-1");
        const files = Object.fromEntries(bundle.files.map((f) => [f.path, f]));
        assert.equal(files["/etc/nginx/nginx.conf"].content, nginxConf);
        assert.equal(files["/etc/nginx/china-edge/conversion.lua"].content, conversionModule);
        assert.equal(files["/etc/haproxy/haproxy.cfg"].content, haproxyCfg);
        assert.match(files["/etc/haproxy/errors/china-edge-unavailable.http"].content, /^HTTP\/1\.1 425 Too Early\r\n/);
        assert.ok(!bundle.files.some((f) => f.path.startsWith("/etc/haproxy/tls/")), "HAProxy reads the link's files nginx has: none twice");
        assert.deepEqual([files["/etc/nginx/tls/site.key"].mode, files["/etc/nginx/tls/link.key"].mode, files["/etc/nginx/nginx.conf"].mode], ["0600", "0600", "0644"]);
        assert.deepEqual(bundle.check, ["sh", "-c", "nginx -t -q && haproxy -c -q -f /etc/haproxy/haproxy.cfg"]);
        assert.deepEqual(bundle.reload, ["sh", "-c", "systemctl reload nginx && systemctl reload haproxy"]);
        assert.deepEqual(bundle.active, ["sh", "-c", "systemctl is-active --quiet nginx && systemctl is-active --quiet haproxy"]);
        assert.ok(bundle.ready!.command.includes("--next") && bundle.ready!.command.includes("https://origin-link.china-edge.internal:8443/healthz"),
            "in service once both ways in answer: PROXY protocol on 443, and the link through HAProxy");
        assert.deepEqual([bundle.prepare, bundle.after], [[], []], "a configured certificate needs no self-signed one, nor a renewer");
    });

    it("makes a self-signed certificate before the check when none is configured, again only when the names change", () => {
        const bundle = originBundle("us-origin-1", { nginxConf, conversionModule, haproxyCfg }, ["example.cn", "www.example.cn"], undefined, link);
        assert.ok(bundle.prepare![0].startsWith(`san=DNS:example.cn,DNS:www.example.cn; { test -s /etc/nginx/tls/site.key && test "$(cat /etc/nginx/tls/site.key.names 2>/dev/null)" = "$san"; } || (`));
        // Run for real in a directory of its own: made, kept while the names stay, made again when they change.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "self-signed-"));
        const line = (names: string[]) => originBundle("us-origin-1", { nginxConf, conversionModule, haproxyCfg }, names, undefined, link)
            .prepare![0].replaceAll("/etc/nginx/tls/", `${dir}/`);
        const made = () => fs.statSync(path.join(dir, "site.key")).mtimeMs;
        assert.equal(spawnSync("sh", ["-c", line(["example.cn"])]).status, 0);
        const first = made();
        assert.equal(spawnSync("sh", ["-c", line(["example.cn"])]).status, 0);
        assert.equal(made(), first, "kept while the names stay");
        assert.equal(spawnSync("sh", ["-c", line(["example.cn", "api.example.cn"])]).status, 0);
        assert.match(spawnSync("openssl", ["x509", "-noout", "-ext", "subjectAltName", "-in", path.join(dir, "site.crt")], { encoding: "utf8" }).stdout,
            /DNS:example\.cn, DNS:api\.example\.cn/);
        assert.equal(bundle.files.some((f) => f.path === "/etc/nginx/tls/site.key"), false);
    });

    it("has the host fetch the stored bundle by its digest: the same few hundred bytes whatever the bundle holds", () => {
        const noise = Array.from({ length: 30_000 }, (_, i) => ((i * 2654435761) >>> 0).toString(36)).join("");
        const names = Array.from({ length: 700 }, (_, i) => `host-${i}.example.cn`);
        const bundle = originBundle("us-origin-1", { nginxConf, conversionModule, haproxyCfg }, names, { certificate: noise, privateKey: "k" }, link);
        const stored = encodeBundle(bundle);
        const script = renderApplyCommand("us-origin-1", OBJECT, stored);
        assert.ok(stored.length > 4 * 18 * 1024, `the bundle takes ${stored.length} bytes, more than Cloud Assistant's 18 KB four times over`);
        assert.ok(Buffer.from(script).toString("base64").length < 1024, script);
        assert.match(script, /^#!\/bin\/sh\n/);
        assert.ok(script.indexOf("cloud-init status --wait") < script.indexOf(APPLY_TOOL), "first boot's setup finishes first");
        assert.deepEqual(commandObject(script), { location: `oss://${OBJECT.bucket}/${OBJECT.key}`, sha256: bundleDigest(stored) });
        assert.match(script, /china-edge-apply --fetch oss:\/\/\S+ --region us-east-1 --endpoint oss-us-east-1-internal\.aliyuncs\.com --sha256 [0-9a-f]{64}\n$/);
        assert.deepEqual(decodeBundle(stored), bundle);
    });
});
