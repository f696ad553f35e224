// The lab runs the stacks' own configs: only addresses, ports, paths and file-limit figures may differ.
import { strict as assert } from "assert";
import { AdaptError, LabEdge, LabOriginProxy, adaptEdgeHaproxy, adaptLinkHaproxy, adaptOriginNginx, adaptReady, originReadyFiles } from "../../harness/lab/adapt";
import { renderedProxies } from "../../harness/lab/rendered";
import { ROOT } from "../helpers";

const ORIGIN_PROXY: LabOriginProxy = {
    listen: {
        443: "10.200.1.10:443", 80: "10.200.1.10:80", 8443: "10.200.1.10:8443", 8404: "10.200.1.10:8404", 8444: "10.200.1.10:8444", 8445: "10.200.1.10:8445", 8406: "10.200.1.10:8406",
    },
    trustedCidr: "10.200.1.0/24",
    upstream: "10.200.2.10:443",
    originCaFile: "/lab/tls/ca.crt",
    certFile: "/lab/tls/public.crt",
    keyFile: "/lab/tls/public.key",
    sitePem: "/lab/us-origin-1/site.pem",
    link: { caFile: "/lab/tls/ca.crt", certFile: "/lab/tls/link.crt", keyFile: "/lab/tls/link.key" },
    dir: "/lab/us-origin-1",
    fileLimit: 20_000,
    keepUser: false,
    conversionModule: "/lab/us-origin-1/conversion.lua",
};

const EDGE: LabEdge = {
    listen: { 443: "10.200.0.10:443", 80: "10.200.0.10:80", 8404: "10.200.0.10:8404" },
    servers: {
        "us-origin-1": { 443: "10.200.1.1:20001", 80: "10.200.1.10:80", 8443: "10.200.1.1:20101" },
        "us-origin-2": { 443: "10.200.1.1:20002", 80: "10.200.1.11:80", 8443: "10.200.1.1:20102" },
    },
    siteCertificate: "/lab/tls/public.pem",
    linkCertificate: "/lab/tls/edge-link.pem",
    caFile: "/lab/tls/ca.crt",
    dir: "/lab/cn-edge-1",
    fileLimit: 20_000,
    keepUser: false,
};

/** Lines of `a` that `b` lacks, and the reverse: the substitutions. */
function changedLines(a: string, b: string): string[] {
    const bl = new Set(b.split("\n"));
    return a.split("\n").filter((l) => !bl.has(l)).map((l) => l.trim());
}

const NGINX_SUBSTITUTED = /^(user |allow |worker_rlimit_nofile |worker_connections |pid |error_log |access_log |ssl_certificate(_key)? |ssl_client_certificate |proxy_ssl_trusted_certificate |set_real_ip_from |listen |root |server |lua_package_path |proxy_cache_path )/;
const HAPROXY_SUBSTITUTED = /^(user |group |maxconn |stats socket |bind |default-server |server |errorfile |http-request return .* str\(leaving\),map\()/;

describe("lab: the stacks' configs adapted to this machine", () => {
    let rendered: Awaited<ReturnType<typeof renderedProxies>>;
    before(async () => { rendered = await renderedProxies(ROOT, { us: { replicas: 2 } }); });

    it("takes one config per instance from the stacks: cn-edge-1 and us-origin-1, us-origin-2", () => {
        assert.deepEqual(rendered.edges.map((e) => e.name), ["cn-edge-1"]);
        assert.deepEqual(rendered.originProxies.map((p) => p.name), ["us-origin-1", "us-origin-2"]);
        assert.match(rendered.edges[0].config, /server us-origin-2 10\.20\.2\.10:8443 ssl verify required/);
    });

    it("nginx.conf: changes only addresses, ports, paths and the file-limit figures", () => {
        const production = rendered.originProxies[0].config;
        const lab = adaptOriginNginx(production, ORIGIN_PROXY);
        const removed = changedLines(production, lab);
        assert.ok(removed.length >= 10, "something was substituted");
        for (const line of removed) {
            assert.match(line, NGINX_SUBSTITUTED, `changed: ${line}`);
        }
        assert.equal(lab.split("\n").length, production.split("\n").length - 1, "only the user line goes");
        assert.match(lab, /^\s+listen 10\.200\.1\.10:443 ssl http2 proxy_protocol default_server reuseport backlog=65535;$/m);
        assert.match(lab, /^\s+listen 10\.200\.1\.10:80 proxy_protocol/m);
        assert.match(lab, /^\s+server 10\.200\.2\.10:443 max_fails=3/m);
        assert.match(lab, /^\s+set_real_ip_from 10\.200\.1\.0\/24;$/m);
        assert.match(lab, /^\s+listen 10\.200\.1\.10:8445 backlog=65535;\n\s+keepalive_timeout 1h;\n\s+keepalive_requests 100000;\n\s+set_real_ip_from 10\.200\.1\.0\/24;$/m,
            "the link from the lab's HAProxy, trusted from where it connects");
        assert.match(lab, /^worker_rlimit_nofile 20000;$/m);
        assert.match(lab, /^\s+worker_connections 10000;$/m);
        assert.doesNotMatch(lab, /\/etc\/nginx\/tls|\/run\/nginx|\/var\/log|\/var\/lib/);
        const relayed = adaptOriginNginx(production, { ...ORIGIN_PROXY, relayAddresses: { "fonts.googleapis.com": "unix:/lab/relay.sock:" } });
        assert.deepEqual(changedLines(lab, relayed), ["fonts.googleapis.com fonts.googleapis.com:443;"], "--upstream: the relayed host's address only");
        assert.match(relayed, /^\s+fonts\.googleapis\.com unix:\/lab\/relay\.sock:;$/m);
    });

    it("haproxy.cfg: changes only addresses, ports, paths and maxconn for the file limit", () => {
        const production = rendered.edges[0].config;
        const lab = adaptEdgeHaproxy(production, EDGE);
        for (const line of changedLines(production, lab)) {
            assert.match(line, HAPROXY_SUBSTITUTED, `changed: ${line}`);
        }
        assert.match(lab, /^\s+bind 10\.200\.0\.10:443 ssl crt \/lab\/tls\/public\.pem strict-sni alpn h2,http\/1\.1 backlog 65535$/m);
        assert.match(lab, /^\s+server us-origin-2 10\.200\.1\.1:20102 ssl verify required ca-file \/lab\/tls\/ca\.crt .* crt \/lab\/tls\/edge-link\.pem alpn h2 ws h2 check/m);
        assert.match(lab, /^\s+server us-origin-2 10\.200\.1\.11:80 send-proxy-v2/m);
        assert.match(lab, /^\s+bind 10\.200\.0\.10:8404$/m);
        assert.match(lab, /if \{ path \/healthz \} \{ str\(leaving\),map\(\/lab\/cn-edge-1\/leaving\.map\) -m found \}$/m);
        assert.match(lab, /^global\n(?:.*\n)*?\s+maxconn 9488$/m);
        assert.doesNotMatch(lab.replace(/^\s*#.*$/gm, ""), /\/run\/haproxy|10\.20\./, "comments keep production's words; directives do not");
    });

    it("the origin proxy host's haproxy.cfg: its link listener, certificate files, nginx's ports and maxconn, nothing else", () => {
        const production = rendered.originProxies[0].linkConfig!;
        const lab = adaptLinkHaproxy(production, ORIGIN_PROXY);
        for (const line of changedLines(production, lab)) {
            assert.match(line, HAPROXY_SUBSTITUTED, `changed: ${line}`);
        }
        assert.match(lab, /^\s+bind 10\.200\.1\.10:8443 ssl crt \/lab\/tls\/link\.crt ca-file \/lab\/tls\/ca\.crt verify required alpn h2,http\/1\.1/m);
        assert.match(lab, /^\s+server nginx 10\.200\.1\.10:8444 maxconn 9488$/m);
        assert.match(lab, /^\s+errorfile 503 \/lab\/us-origin-1\/unavailable\.http$/m);
        assert.match(lab, /^\s+bind 10\.200\.1\.10:8406$/m);
        assert.match(lab, /^\s+server nginx 10\.200\.1\.10:8445 maxconn 9488$/m);
        assert.doesNotMatch(lab.replace(/^\s*#.*$/gm, ""), /\/etc\/|\/run\/haproxy|127\.0\.0\.1|haproxy$/m);
    });

    it("the origin proxy's readiness probe: both ways in, at the lab's addresses, with the lab's link certificate", () => {
        const ready = adaptReady(rendered.originProxies[0].ready!, ORIGIN_PROXY.listen, originReadyFiles(ORIGIN_PROXY));
        const command = ready.command.join(" ");
        assert.match(command, /--resolve example\.cn:443:10\.200\.1\.10 https:\/\/example\.cn:443\/healthz --next/);
        assert.match(command, /--cacert \/lab\/tls\/ca\.crt --cert \/lab\/tls\/link\.crt --key \/lab\/tls\/link\.key --resolve origin-link\.china-edge\.internal:8443:10\.200\.1\.10 /);
        assert.doesNotMatch(command, /\/etc\/|127\.0\.0\.1/);
    });

    it("haproxy.cfg of a passthrough edge: the same substitutions, its servers through the relay's 443 ports", async () => {
        const passthrough = (await renderedProxies(ROOT, { us: { replicas: 2 }, cn: { edgeTls: "passthrough" } })).edges[0].config;
        const lab = adaptEdgeHaproxy(passthrough, EDGE);
        for (const line of changedLines(passthrough, lab)) {
            assert.match(line, HAPROXY_SUBSTITUTED, `changed: ${line}`);
        }
        assert.match(lab, /^\s+bind 10\.200\.0\.10:443 backlog 65535$/m);
        assert.match(lab, /^\s+server us-origin-2 10\.200\.1\.1:20002 send-proxy-v2 check/m);
    });

    it("stops on a config the substitutions do not fit, naming what is missing", () => {
        const noPid = rendered.originProxies[0].config.replace(/^pid .*\n/m, "");
        assert.throws(() => adaptOriginNginx(noPid, ORIGIN_PROXY), (e: Error) => e instanceof AdaptError && /no `pid`/.test(e.message));
        assert.throws(() => adaptOriginNginx(rendered.originProxies[0].config, { ...ORIGIN_PROXY, listen: { 443: "x:1" } }),
            (e: Error) => e instanceof AdaptError && /port 80 has no place in the lab/.test(e.message));
        assert.throws(() => adaptEdgeHaproxy(rendered.edges[0].config, { ...EDGE, servers: { "us-origin-1": EDGE.servers["us-origin-1"] } }),
            (e: Error) => e instanceof AdaptError && /server us-origin-2 is not among the lab's origin proxies/.test(e.message));
    });
});
