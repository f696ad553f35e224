import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { renderEdgeHaproxy } from "../../components/render/edge/haproxy";
import { renderOriginNginx } from "../../components/render/originProxy/originNginx";
import { UNAVAILABLE_ANSWER, renderLinkHaproxy } from "../../components/render/originProxy/linkHaproxy";
import { FILE_LIMIT } from "../../components/render/shared/capacity";
import { renderConversionModule } from "../../components/render/originProxy/conversionModule";
import { edgeUserData } from "../../components/render/edge/edgeHost";
import { originUserData } from "../../components/render/originProxy/originHost";
import { planStack } from "../../harness/plan/planStack";
import { ROOT } from "../helpers";
import { makeTls } from "../tls";
import { GEOIP2_MODULE } from "../../components/render/shared/paths";
import { geoipWriterAvailable, writeGeoipDatabase } from "../../harness/lab/geoipDb";
import { ICP, MANY_HOSTS, THIRD_PARTY, SEVERAL_HOSTS, edgeInput, originInput } from "./inputs";
import { cloudInitSchema, cloudInitTopLevelKeys, haproxyCheck, hasTool, nginxCheck, requireTools, run } from "./tools";

function tmp(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function write(dir: string, name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

function assertCloudConfig(file: string): void {
    const r = cloudInitSchema(file);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Valid cloud-config/);
    const known = cloudInitTopLevelKeys();
    const keys = Object.keys(YAML.parse(fs.readFileSync(file, "utf8")));
    assert.deepEqual(keys.filter((k) => !known.has(k)), [], `top-level keys cloud-init does not know in ${file}`);
}

describe("rendered configs through the real validators", () => {
    const edgeCases = {
        "one origin proxy": edgeInput(),
        "three origin proxies, several names, custom ports": edgeInput({
            publicHosts: SEVERAL_HOSTS.map((h) => h.public),
            originProxies: [1, 2, 3].map((i) => ({ name: `us-origin-${i}`, address: `127.0.0.${i}` })),
            originPort: 9443, listen: { port: 10443 }, httpPort: 10080, stats: { address: "127.0.0.1", port: 9404 },
        }),
        "verified origin certificate, no plain HTTP": edgeInput({ tls: { kind: "passthrough", verifyOriginCertificate: true }, httpPort: undefined, originHttpPort: undefined }),
        "the lab's file limit": edgeInput({ fileLimit: 20_000 }),
        "200 names, some of 253 characters": edgeInput({ publicHosts: MANY_HOSTS.map((h) => h.public) }),
    };

    for (const [name, input] of Object.entries(edgeCases)) {
        it(`haproxy -c accepts the edge with ${name}, without a warning`, function () {
            requireTools(this, "haproxy");
            const file = write(tmp("haproxy-"), "haproxy.cfg", renderEdgeHaproxy(input));
            const r = haproxyCheck(file);
            assert.equal(r.code, 0, r.output);
        });
    }

    it("haproxy -c accepts the terminating edge with its certificates, one or three origin proxies, sharing its certificate, without a warning", function () {
        requireTools(this, "haproxy", "openssl");
        const dir = tmp("haproxy-tls-");
        const site = makeTls(["example.cn", "www.example.cn"]);
        const link = makeTls(["origin-link.china-edge.internal"]);
        const paths = {
            ...edgeInput().paths,
            siteCertificate: write(dir, "site.pem", site.certificate + site.privateKey),
            linkCa: link.caFile,
            linkCertificate: write(dir, "link.pem", link.certificate + link.privateKey),
        };
        for (const input of [
            edgeInput({ tls: { kind: "terminate", linkPort: 7444, share: false }, paths }),
            edgeInput({ tls: { kind: "terminate", linkPort: 7444, share: false }, paths, publicHosts: ["example.cn", "www.example.cn"], httpPort: undefined, originHttpPort: undefined,
                originProxies: [1, 2, 3].map((i) => ({ name: `us-origin-${i}`, address: `127.0.0.${i}` })) }),
            edgeInput({ tls: { kind: "terminate", linkPort: 7444, share: true }, paths }),
            edgeInput({ tls: { kind: "terminate", linkPort: 7444, share: false }, paths, publicHosts: MANY_HOSTS.map((h) => h.public) }),
        ]) {
            const file = write(dir, "haproxy.cfg", renderEdgeHaproxy(input));
            const r = haproxyCheck(file);
            assert.equal(r.code, 0, r.output);
        }
    });

    it("haproxy -c accepts the origin proxy host's end of the link with its certificates, without a warning", function () {
        requireTools(this, "haproxy", "openssl");
        const dir = tmp("haproxy-link-");
        const link = makeTls(["origin-link.china-edge.internal"]);
        for (const fileLimit of [FILE_LIMIT, 20_000]) {
            const file = write(dir, "haproxy.cfg", renderLinkHaproxy({
                listen: { port: 7443 }, nginx: { pages: "127.0.0.1:7444", websockets: "127.0.0.1:7445" }, stats: { address: "127.0.0.1", port: 7406 }, fileLimit,
                paths: {
                    adminSocket: path.join(dir, "admin.sock"), linkCa: link.caFile, linkCertificate: link.certFile,
                    unavailableAnswer: write(dir, "unavailable.http", UNAVAILABLE_ANSWER), leavingMap: write(dir, "leaving.map", ""),
                },
            }));
            const r = haproxyCheck(file);
            assert.equal(r.code, 0, r.output);
        }
    });

    it("haproxy -c refuses a broken config, so the checks above can fail", function () {
        requireTools(this, "haproxy");
        const file = write(tmp("haproxy-"), "haproxy.cfg", renderEdgeHaproxy(edgeInput()).replace("tcp-request inspect-delay", "tcp-request inspekt-delay"));
        assert.notEqual(haproxyCheck(file).code, 0);
    });

    describe("nginx -t", () => {
        let dir: string;
        before(function () {
            requireTools(this, "nginx", "openssl");
            dir = makeTls(SEVERAL_HOSTS.map((h) => h.public)).dir;
        });

        const nginxCases = {
            "one host": {},
            "several hosts, mirrors and the ICP footer": { hosts: SEVERAL_HOSTS, thirdParty: THIRD_PARTY, icp: ICP },
            "custom ports and no plain HTTP": { listen: { address: "127.0.0.1", port: 9999 }, httpPort: undefined },
            "the ICP number alone": { icp: { icpNumber: ICP.icpNumber } },
            "the terminating edges' link, from the host's HAProxy": { link: { address: "127.0.0.1", port: 7444, websocketPort: 7445 } },
            "its connection counters and the port its ACME certificate is copied from": {
                stats: { port: 7404, allowed: ["10.20.0.0/16"] }, share: { port: 7405, path: "/certificate", clientName: "origin-link.china-edge.internal" },
            },
            "200 host pairs, some with names of 253 characters, and the link": {
                hosts: MANY_HOSTS, thirdParty: THIRD_PARTY, link: { address: "127.0.0.1", port: 7444, websocketPort: 7445 },
            },
        };
        for (const [name, overrides] of Object.entries(nginxCases)) {
            it(`accepts the origin proxy with ${name}`, () => {
                const input = originInput(dir, overrides);
                write(dir, "conversion.lua", renderConversionModule(input));
                const file = write(dir, `nginx-${name.replace(/\W+/g, "-")}.conf`, renderOriginNginx(input));
                const r = nginxCheck(file, dir);
                assert.equal(r.code, 0, r.output);
            });
        }

        it("refuses a broken config, so the checks above can fail", () => {
            write(dir, "conversion.lua", renderConversionModule(originInput(dir)));
            const file = write(dir, "broken.conf", renderOriginNginx(originInput(dir)).replace("sub_filter_once off;", "sub_filter_once maybe;"));
            assert.notEqual(nginxCheck(file, dir).code, 0);
        });

        it("will not start with a conversion module Lua cannot compile (nginx -t does not load it; a start or reload does)", () => {
            const broken = path.join(dir, "broken");
            fs.mkdirSync(broken, { recursive: true });
            const input = originInput(dir, {
                listen: { address: "127.0.0.1", port: 17443 }, httpPort: undefined,
                paths: { ...originInput(dir).paths, conversionModule: path.join(broken, "conversion.lua") },
            });
            write(broken, "conversion.lua", renderConversionModule(input).replace("function M.headers()", "function M.headers() local = 1"));
            const file = write(dir, "broken-module.conf", renderOriginNginx(input));
            const r = run("nginx", ["-p", dir, "-c", file, "-e", `${dir}/startup-error.log`]);
            if (r.code === 0) {
                run("nginx", ["-p", dir, "-c", file, "-s", "stop"]);
            }
            assert.notEqual(r.code, 0);
            assert.match(r.output + fs.readFileSync(`${dir}/startup-error.log`, "utf8"), /broken\/conversion\.lua/);
        });
    });

    describe("cloud-init schema", () => {
        before(function () { requireTools(this, "cloud-init"); });

        it("accepts the edge's and the origin proxy's user data with only keys it knows", () => {
            const dir = tmp("cloud-init-");
            assertCloudConfig(write(dir, "edge.yaml", edgeUserData()));
            assertCloudConfig(write(dir, "origin.yaml", originUserData()));
        });

        it("refuses a malformed document, so the check above can fail", () => {
            const dir = tmp("cloud-init-");
            const file = write(dir, "bad.yaml", edgeUserData().replace("runcmd:\n", "runcmd: x\nunused:\n"));
            assert.notEqual(cloudInitSchema(file).code, 0);
        });
    });
});

/**
 * The plan's artifacts are validated byte for byte. nginx -t resolves upstream names and opens the certificate at
 * its production path, so it runs in a private mount namespace where /etc/hosts maps the origin names to test
 * addresses and /etc/nginx holds a test certificate. That needs root (or user namespaces): otherwise it skips.
 */
describe("the offline plan's artifacts through the real validators", () => {
    const out = tmp("plan-artifacts-");
    const artifacts: Record<string, string[]> = {};
    before(async function () {
        requireTools(this, "haproxy", "nginx", "cloud-init", "openssl");
        for (const stack of ["us", "cn"] as const) {
            artifacts[stack] = (await planStack({ root: ROOT, stack, outDir: out })).artifacts;
        }
    });

    const byName = (stack: string, name: string) => artifacts[stack].filter((f) => path.basename(f) === name);

    it("writes user data that cloud-init accepts, for every instance of both stacks", () => {
        const files = [...byName("us", "user-data.yaml"), ...byName("cn", "user-data.yaml")];
        assert.equal(files.length, 3, "the origin proxy, the edge and the redirector");
        files.forEach(assertCloudConfig);
    });

    it("writes a haproxy.cfg that haproxy -c accepts without a warning, with test certificates at its production paths", function () {
        const [file] = byName("cn", "haproxy.cfg");
        if (!hasTool("unshare") || run("unshare", ["-m", "true"]).code !== 0) {
            console.log("      skipped: no private mount namespace here (unshare -m needs root); the renderer's own haproxy -c tests still ran");
            this.skip();
        }
        const tls = makeTls(["example.cn", "www.example.cn"]);
        const script = [
            "set -e",
            `etc=$(mktemp -d); cp -a /etc/haproxy/. "$etc"/; mkdir -p "$etc/tls"; : > "$etc/leaving.map"`,
            `cat ${tls.certFile} ${tls.keyFile} > "$etc/tls/site.pem"; cat ${tls.certFile} ${tls.keyFile} > "$etc/tls/link.pem"; cp ${tls.caFile} "$etc/tls/link-ca.crt"`,
            `mount --bind "$etc" /etc/haproxy`,
            `haproxy -c -dW -f ${file}`,
        ].join("\n");
        const r = run("unshare", ["-m", "sh", "-c", script]);
        assert.equal(r.code, 0, r.output);
    });

    /** nginx -t on an artifact at its production paths, in a private mount namespace; `setup` adds shell lines. */
    function nginxAtProductionPaths(ctx: Mocha.Context, file: string, names: string[], setup: string[] = []): void {
        if (!hasTool("unshare") || run("unshare", ["-m", "true"]).code !== 0) {
            console.log("      skipped: no private mount namespace here (unshare -m needs root); the renderer's own nginx -t tests still ran");
            ctx.skip();
        }
        const tls = makeTls(names);
        const hosts = write(tls.dir, "hosts", "127.0.0.1 localhost\n127.0.0.1 example.com www.example.com\n");
        const script = [
            "set -e",
            `etc=$(mktemp -d); cp -a /etc/nginx/. "$etc"/; mkdir -p "$etc/tls"`,
            `cp ${tls.certFile} "$etc/tls/site.crt"; cp ${tls.keyFile} "$etc/tls/site.key"; cp ${file} "$etc/nginx.conf"`,
            `cp ${tls.caFile} "$etc/tls/link-ca.crt"; cp ${tls.certFile} "$etc/tls/link.crt"; cp ${tls.keyFile} "$etc/tls/link.key"`,
            // The origin proxy's Lua module, written beside its nginx.conf by the plan.
            `if [ -f ${path.dirname(file)}/conversion.lua ]; then mkdir -p "$etc/china-edge"; cp ${path.dirname(file)}/conversion.lua "$etc/china-edge/"; fi`,
            `mount --bind "$etc" /etc/nginx; mount --bind ${hosts} /etc/hosts`,
            ...setup,
            `nginx -t -q -c /etc/nginx/nginx.conf -e ${tls.dir}/startup-error.log`,
        ].join("\n");
        const r = run("unshare", ["-m", "sh", "-c", script]);
        assert.equal(r.code, 0, r.output);
    }

    it("writes an nginx.conf that nginx -t accepts, with the origin names mapped to test addresses", function () {
        nginxAtProductionPaths(this, byName("us", "nginx.conf")[0], ["example.cn", "www.example.cn"]);
    });

    it("writes a redirector nginx.conf that nginx -t accepts, with a test database at the configured path", function () {
        const [file] = byName("cn", "nginx.conf");
        if (!fs.existsSync(GEOIP2_MODULE) || !geoipWriterAvailable()) {
            console.log("      skipped: libnginx-mod-http-geoip2 or libmaxmind-db-writer-perl not installed (bash scripts/dev.sh installs them)");
            this.skip();
        }
        const dir = tmp("geoip-");
        writeGeoipDatabase(path.join(dir, "GeoLite2-Country.mmdb"), { "127.0.0.2": "CN" });
        nginxAtProductionPaths(this, file, ["example.com", "www.example.com"], [`mkdir -p /var/lib/GeoIP; mount --bind ${dir} /var/lib/GeoIP`]);
    });
});
