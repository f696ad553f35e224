// Renderer inputs shared by the renderer and validator tests: loopback addresses and per-test paths, as the lab uses.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { thirdParties } from "../../components/thirdParty/hosts";
import { EdgeHaproxyInput } from "../../components/render/edge/haproxy";
import { OriginProxyNginxInput } from "../../components/render/originProxy/originNginx";
import { GEOIP2_MODULE, HAPROXY_PATHS, NGINX_PATHS } from "../../components/render/shared/paths";
import { RedirectorNginxInput } from "../../components/render/redirector/redirectorNginx";

/** An empty leaving map where haproxy -c can open it (the hosts' is in their bundle). */
const LEAVING_MAP = path.join(os.tmpdir(), "china-edge-test-leaving.map");
fs.writeFileSync(LEAVING_MAP, "");
import { FILE_LIMIT } from "../../components/render/shared/capacity";

export function edgeInput(overrides: Partial<EdgeHaproxyInput> = {}): EdgeHaproxyInput {
    return {
        tls: { kind: "passthrough", verifyOriginCertificate: false },
        publicHosts: ["example.cn"],
        originProxies: [{ name: "us-origin-1", address: "127.0.0.1" }],
        originPort: 7443,
        originHttpPort: 7080,
        listen: { address: "127.0.0.1", port: 8443 },
        httpPort: 8080,
        stats: { address: "127.0.0.1", port: 8404 },
        fileLimit: FILE_LIMIT,
        paths: { ...HAPROXY_PATHS, leavingMap: LEAVING_MAP },
        ...overrides,
    };
}

/** An origin proxy config whose files live under `dir` and whose upstreams are loopback addresses. */
export function originInput(dir: string, overrides: Partial<OriginProxyNginxInput> = {}): OriginProxyNginxInput {
    const hosts = overrides.hosts ?? [{ origin: "example.com", public: "example.cn" }];
    return {
        hosts,
        thirdParty: [],
        upstreamAddresses: Object.fromEntries(hosts.map((h) => [h.origin, "127.0.0.1:9443"])),
        trustedProxyCidrs: ["127.0.0.0/8"],
        listen: { address: "127.0.0.1", port: 7443 },
        httpPort: 7080,
        fileLimit: FILE_LIMIT,
        paths: {
            ...NGINX_PATHS,
            pidFile: path.join(dir, "nginx.pid"),
            errorLog: path.join(dir, "error.log"),
            accessLog: path.join(dir, "access.log"),
            certificate: path.join(dir, "site.crt"),
            privateKey: path.join(dir, "site.key"),
            sitePem: path.join(dir, "site.pem"),
            acmeRoot: path.join(dir, "acme"),
            linkCa: path.join(dir, "ca.crt"),
            linkCertificate: path.join(dir, "site.crt"),
            linkPrivateKey: path.join(dir, "site.key"),
            conversionModule: path.join(dir, "conversion.lua"),
            relayCache: path.join(dir, "relay"),
        },
        ...overrides,
    };
}

export const SEVERAL_HOSTS = [
    { origin: "example.com", public: "example.cn" },
    { origin: "www.example.com", public: "www.example.cn" },
    { origin: "api.example.com", public: "api.example.cn" },
    { origin: "static.example.com", public: "static.example.cn" },
];
/** 200 host pairs under example.com and example.cn; every tenth with labels that make a name of 253 characters. */
export const MANY_HOSTS = [{ origin: "example.com", public: "example.cn" }, ...Array.from({ length: 199 }, (_, i) => {
    const label = i % 10 === 0 ? `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(49 - String(i).length)}${i}` : `app${i}`;
    return { origin: `${label}.example.com`, public: `${label}.example.cn` };
})];

/** The table of third-party hosts, with one host mirrored and one kept by config. */
export const THIRD_PARTY = thirdParties([{ host: "cdn.vendor.com", treatment: "mirror", mirror: "cdn.vendor.cn" }, { host: "ajax.googleapis.com", treatment: "keep" }]);
export const ICP = { icpNumber: "沪ICP备12345678号-1", psbNumber: "沪公网安备31010402000001号" };

/** A redirector rendered for loopback with test paths; `database` is a GeoIP2 file the test wrote. */
export function redirectorInput(dir: string, database: string, overrides: Partial<RedirectorNginxInput> = {}): RedirectorNginxInput {
    const base = originInput(dir);
    return {
        hosts: SEVERAL_HOSTS,
        status: 301,
        exemptPaths: ["/api/", "/ws"],
        upstream: "127.0.0.1:9443",
        geoip: { database, module: GEOIP2_MODULE, reloadInterval: "5m" },
        listen: { address: "127.0.0.1", port: 7444 },
        httpPort: 7081,
        fileLimit: FILE_LIMIT,
        paths: base.paths,
        ...overrides,
    };
}
