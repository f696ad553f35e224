// The offline plan as a user runs it: `npm run plan -- ...` in a fresh process.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../helpers";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";

function plan(...args: string[]) {
    const r = spawnSync("npm", ["run", "-s", "plan", "--", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function badConfig(stack: string, edit: (config: Record<string, unknown>) => void): string {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
    edit(doc.config);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

describe("npm run plan", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-out-"));

    for (const stack of ["us", "cn"]) {
        it(`plans ${stack} with exit 0 and one JSON document listing its network and link`, () => {
            const r = plan("--stack", stack, "--json", "--out", out);
            assert.equal(r.code, 0, r.stderr);
            const doc = JSON.parse(r.stdout);
            assert.equal(doc.stack, stack);
            assert.deepEqual(Object.keys(doc).sort(), ["artifacts", "outputs", "resources", "stack", "violations"]);
            const types = doc.resources.map((x: { type: string }) => x.type);
            for (const t of ["alicloud:vpc/network:Network", "alicloud:cen/transitRouter:TransitRouter",
                "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment",
                "alicloud:cen/transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation",
                "alicloud:cen/transitRouterRouteTablePropagation:TransitRouterRouteTablePropagation"]) {
                assert.ok(types.includes(t), `${stack} plan lacks ${t}`);
            }
            const zones = doc.resources.filter((x: { type: string }) => x.type === "alicloud:vpc/switch:Switch").map((x: any) => x.inputs.zoneId);
            assert.ok(zones.length >= 2 && new Set(zones).size === zones.length);
            for (const r of doc.resources) {
                assert.deepEqual(Object.keys(r).filter((k) => !["type", "name", "urn", "parent", "inputs", "provider", "custom", "propertyDependencies", "dependsOn", "customTimeouts", "ignoreChanges"].includes(k)), []);
            }
            if (stack === "cn") {
                const peer = doc.resources.find((x: { type: string }) => x.type === "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment");
                assert.equal(peer.inputs.bandwidth, 100);
            }
            assert.deepEqual(doc.violations.filter((v: { level: string }) => v.level === "mandatory"), []);
            const instances: [string, string[]][] = stack === "us" ? [["us-origin-1", ["conversion.lua", "nginx.conf", "haproxy.cfg"]]]
                : [["hk-redirector-1", ["nginx.conf"]], ["cn-edge-1", ["haproxy.cfg"]]];
            assert.deepEqual(doc.artifacts, [
                ...instances.flatMap(([instance, files]) => ["user-data.yaml", ...files].map((f) => path.join(out, stack, instance, f))),
                ...["prometheus.yml", "china-edge-alerts.yml"].map((f) => path.join(out, stack, "prometheus", f)),
                path.join(out, stack, "plan.json"),
            ]);
            assert.ok(doc.artifacts.every((f: string) => fs.statSync(f).size > 0));
            assert.equal(JSON.parse(fs.readFileSync(doc.artifacts.at(-1), "utf8")).resources.length, doc.resources.length);
        });
    }

    it("lists cn's registry, DNS records, DCDN domains and redirector with their wiring", () => {
        const doc = JSON.parse(plan("--stack", "cn", "--json", "--out", out).stdout);
        type R = { type: string; name: string; urn: string; inputs: Record<string, unknown>; propertyDependencies: Record<string, string[]> };
        const byName = (name: string): R => doc.resources.find((r: R) => r.name === name);
        assert.equal(byName("cn-registry-namespace").type, "alicloud:cr/namespace:Namespace");
        const dcdn = byName("dcdn-example-cn");
        assert.ok(dcdn.propertyDependencies.sources.includes(byName("cn-edge-eip").urn), "DCDN's source is the edge's EIP");
        const record = byName("dns-apex-default");
        assert.equal(record.inputs.value, "dcdn-example-cn.cname");
        assert.deepEqual(record.propertyDependencies.value, [dcdn.urn]);
        assert.equal(byName("hk-redirector-1").type, ECS_INSTANCE);
        assert.equal(doc.outputs.redirectorAddress, "hk-redirector-eip.ipAddress");
        assert.equal(doc.outputs.registryVpcEndpoint, "registry-vpc.cn-shanghai.aliyuncs.com");
    });

    it("shows the DCDN ownership proof before the DCDN domains, and their WebSocket functions, in cn's JSON", () => {
        const doc = JSON.parse(plan("--stack", "cn", "--json", "--out", out).stdout);
        const byName = (name: string) => doc.resources.find((r: { name: string }) => r.name === name);
        const verify = byName("dcdn-owner-verify");
        assert.ok(verify, "the ownership check is planned");
        for (const host of ["example-cn", "www-example-cn"]) {
            assert.ok(byName(`dcdn-${host}`).dependsOn.includes(verify.urn), `dcdn-${host} waits for the ownership check`);
            assert.deepEqual(byName(`dcdn-${host}-websocket`).inputs.functionArgs, [{ argName: "enabled", argValue: "on" }]);
        }
    });

    it("prints a readable preview without --json", () => {
        const r = plan("--stack", "us", "--out", out);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /Offline plan of stack "us"/);
        assert.match(r.stdout, /\+ alicloud:cen\/transitRouter:TransitRouter  us-tr/);
        assert.match(r.stdout, /Policies: no violation\./);
    });

    const bad: [string, string, (c: Record<string, unknown>) => void][] = [
        ["overlapping VPC ranges", "vpcCidr", (c) => { c["china-edge:vpcCidr"] = "10.20.0.0/16"; c["china-edge:vswitchCidrs"] = ["10.20.1.0/24", "10.20.2.0/24"]; }],
        ["a burstable type", "instanceType", (c) => { c["china-edge:instanceType"] = "ecs.t6-c1m1.large"; }],
        ["a 40 GB disk", "systemDiskSize", (c) => { c["china-edge:systemDiskSize"] = 40; }],
        ["0.0.0.0/0 in admin ranges", "adminCidrs", (c) => { c["china-edge:adminCidrs"] = ["0.0.0.0/0"]; }],
        ["a zone without the instance type", "zones", (c) => { c["china-edge:zones"] = ["cn-shanghai-c", "cn-shanghai-m"]; }],
        ["a zone without a transit router", "zones", (c) => { c["china-edge:zones"] = ["cn-shanghai-m", "cn-shanghai-a"]; c["china-edge:instanceType"] = "ecs.g7.large"; }],
        ["a redirector zone without its type", "redirectorZone", (c) => { c["china-edge:redirectorZone"] = "cn-hongkong-z"; }],
    ];
    for (const [what, key, edit] of bad) {
        it(`exits 2 naming ${key} for ${what}`, () => {
            const r = plan("--stack", "cn", "--config", badConfig("cn", edit), "--out", out);
            assert.equal(r.code, 2, r.stdout + r.stderr);
            assert.match(r.stderr, new RegExp(`china-edge:${key} `));
            assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
            assert.equal(r.stdout, "");
        });
    }

    it("plans 200 host pairs: each pair's rules written once, each proxy's bundle stored whatever its size", () => {
        const hosts = Array.from({ length: 199 }, (_, i) => `app${i}.example.com=app${i}.example.cn`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-many-"));
        const r = plan("--stack", "us", "--config", badConfig("us", (c) => { c["china-edge:hosts"] = hosts; c["china-edge:replicas"] = 2; }), "--json", "--out", dir);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout);
        const nginx = fs.readFileSync(doc.artifacts.find((a: string) => a.endsWith(path.join("us-origin-2", "nginx.conf"))), "utf8");
        assert.match(nginx, /server_name example\.cn app0\.example\.cn [^;]* app198\.example\.cn;/);
        for (const once of ["proxy_cookie_domain app150.example.com app150.example.cn;", "'~*^(?:https?:)?//app150\\\\.example\\\\.com([:/?#].*)?$'"]) {
            assert.equal(nginx.split(once).length - 1, 1, once);
        }
        const objects = doc.resources.filter((x: { type: string }) => x.type === "alicloud:oss/bucketObject:BucketObject");
        assert.deepEqual(objects.map((o: { inputs: { key: string } }) => o.inputs.key), ["bundles/us-origin-1.br85", "bundles/us-origin-2.br85"]);
        assert.equal(doc.violations.filter((v: { level: string }) => v.level === "mandatory").length, 0);
    });

    it("names the zones that would work when a zone cannot host the type or the transit router", () => {
        const r = plan("--stack", "cn", "--config", badConfig("cn", (c) => { c["china-edge:zones"] = ["cn-shanghai-a", "cn-shanghai-m"]; }), "--out", out);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /china-edge:zones = "cn-shanghai-a": expected zones of cn-shanghai that can host ecs\.g8i\.large with cloud_essd system disks: cn-shanghai-b, .*cn-shanghai-m/);
        assert.match(r.stderr, /china-edge:zones = "cn-shanghai-a": expected as its first 2, zones where cn-shanghai's transit routers can attach a VPC: cn-shanghai-b, cn-shanghai-c,/);
        assert.doesNotMatch(r.stderr, /cn-shanghai-m"/, "the good zone is not named");
    });

    it("exits 2 on bad arguments and unreadable files", () => {
        assert.equal(plan("--stack", "eu").code, 2);
        assert.equal(plan("--stack", "us", "--bogus").code, 2);
        const missing = plan("--stack", "us", "--config", "/nonexistent/Pulumi.us.yaml");
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /cannot be read/);
    });
});
