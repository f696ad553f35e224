// Components built one at a time under the mock engine, with arguments written here rather than read from the
// stack files: what each promises its caller, whatever the stacks happen to configure.
import { strict as assert } from "assert";
import { CLOUD_ASSISTANT_READY } from "../../components/proxy/cloudAssistantReady";
import { mockPem } from "../../harness/plan/mockEngine";
import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";
import { Dcdn } from "../../components/dcdn/dcdn";
import { DCDN_CALL } from "../../components/dcdn/steps";
import { LinkCertificates } from "../../components/proxy/linkCertificates";
import { EdgeProxy, EdgeProxyArgs } from "../../components/proxy/edgeProxy";
import { Redirector } from "../../components/redirector/redirector";
import { HAPROXY_PATHS, NGINX_PATHS } from "../../components/render/shared/paths";
import { instanceFiles } from "../../harness/plan/artifacts";
import { ProgramRun, runProgram } from "../../harness/plan/mockEngine";
import { makeTls } from "../tls";

const SETTINGS = { instanceType: "ecs.g8i.xlarge", systemDiskSize: 200, systemDiskCategory: "cloud_auto" };
const HOSTS = [{ origin: "example.org", public: "example.org.cn" }, { origin: "app.example.org", public: "app.example.org.cn" }];

/** Runs `build` under the mock engine with a provider of `region`. */
function build(region: string, create: (provider: alicloud.Provider) => void): Promise<ProgramRun> {
    return runProgram({ project: "china-edge", stack: "component", config: {} }, async () => {
        create(new alicloud.Provider(region, { region }));
        return {};
    });
}

const vswitch = (zoneId: string, cidrBlock: string) => ({ zoneId, cidrBlock, vswitchId: pulumi.output(`vsw-${zoneId}`) });

function edgeArgs(overrides: Partial<EdgeProxyArgs> = {}): EdgeProxyArgs {
    return {
        vpcId: "vpc-1", vpcCidr: "192.168.0.0/16", securityGroupId: "sg-1",
        vswitches: [vswitch("cn-beijing-h", "192.168.1.0/24"), vswitch("cn-beijing-k", "192.168.2.0/24")],
        publicHosts: HOSTS.map((h) => h.public),
        originProxies: [{ name: "o-1", address: "172.20.1.10" }, { name: "o-2", address: "172.20.2.10" }], mirrors: [],
        httpRedirect: false, replicas: 1, settings: SETTINGS, adminCidrs: [], eipBandwidthMbps: 30,
        tls: { kind: "passthrough", verifyOriginCertificate: true },
        ...overrides,
    };
}

function fileOf(run: ProgramRun, instance: string, path: string): string {
    const found = instanceFiles(run.resources, run.resources.find((r) => r.name === instance)!).find((f) => f.path === path);
    assert.ok(found, `${instance} writes ${path}`);
    return found.content;
}

describe("components built directly", () => {
    it("EdgeProxy: every child under it, in the provider's region, its HAProxy passing the given names to the given origin proxies", async () => {
        const run = await build("cn-beijing", (provider) => new EdgeProxy("edge", edgeArgs(), { provider }));
        const component = run.resources.find((r) => r.type === "china-edge:proxy:EdgeProxy")!;
        const children = run.resources.filter((r) => r.custom && r.type !== "pulumi:providers:alicloud");
        assert.ok(children.length > 0);
        // Random names are made here, not by the cloud.
        for (const child of children.filter((c) => c.type !== CLOUD_ASSISTANT_READY && !c.type.startsWith("random:"))) {
            assert.match(child.provider ?? "", /pulumi:providers:alicloud::cn-beijing::/, `${child.name} uses the given provider`);
        }
        // The wait for Cloud Assistant calls the API itself (a dynamic provider), in the region the provider names.
        assert.deepEqual(children.filter((c) => c.type === CLOUD_ASSISTANT_READY).map((c) => c.inputs.region), ["cn-beijing"]);
        assert.ok(children.every((c) => isUnder(run, c.urn, component.urn)), "every child descends from the component");
        const instance = run.resources.find((r) => r.type === ECS_INSTANCE)!;
        assert.equal(instance.inputs.instanceType, "ecs.g8i.xlarge");
        assert.equal(instance.inputs.systemDiskSize, 200);
        assert.equal(instance.inputs.availabilityZone, "cn-beijing-h");
        const haproxy = fileOf(run, instance.name, HAPROXY_PATHS.config);
        assert.match(haproxy, /example\.org\.cn/);
        assert.match(haproxy, /app\.example\.org\.cn/);
        assert.match(haproxy, /server o-1 172\.20\.1\.10:443/);
        assert.match(haproxy, /server o-2 172\.20\.2\.10:443/);
        assert.doesNotMatch(haproxy, /:80\b/, "no plain HTTP without httpRedirect");
        const eip = run.resources.find((r) => r.type === "alicloud:ecs/eipAddress:EipAddress")!;
        assert.equal(eip.inputs.bandwidth, "30");
    });

    it("EdgeProxy: several replicas spread over the zones behind an NLB, no EIP of their own", async () => {
        const run = await build("cn-beijing", (provider) => new EdgeProxy("edge", edgeArgs({ replicas: 3 }), { provider }));
        const zones = run.resources.filter((r) => r.type === ECS_INSTANCE).map((r) => [r.inputs.availabilityZone, r.inputs.vswitchId]);
        assert.deepEqual(zones, [["cn-beijing-h", "vsw-cn-beijing-h"], ["cn-beijing-k", "vsw-cn-beijing-k"], ["cn-beijing-h", "vsw-cn-beijing-h"]]);
        assert.equal(run.resources.filter((r) => r.type === "alicloud:nlb/loadBalancer:LoadBalancer").length, 1);
        assert.equal(run.resources.filter((r) => r.type === "alicloud:ecs/eipAddress:EipAddress").length, 0);
    });

    it("LinkCertificates: a private CA, the origin proxies' certificate for the link name, the edges' client certificate, keys secret", async () => {
        let made: LinkCertificates | undefined;
        const run = await build("us-east-1", () => { made = new LinkCertificates("link"); });
        const byName = (name: string) => run.resources.find((r) => r.name === name)!;
        assert.ok(run.resources.filter((r) => r.type === "tls:index/privateKey:PrivateKey").every((k) => k.inputs.algorithm === "ECDSA" && k.inputs.ecdsaCurve === "P256"));
        assert.equal(byName("link-ca").inputs.isCaCertificate, true);
        assert.deepEqual(byName("link-origin-proxy-csr").inputs.dnsNames, ["origin-link.china-edge.internal"]);
        assert.ok((byName("link-origin-proxy").inputs.allowedUses as string[]).includes("server_auth"));
        assert.ok((byName("link-edge").inputs.allowedUses as string[]).includes("client_auth"));
        for (const leaf of ["link-origin-proxy", "link-edge"]) {
            assert.equal(byName(leaf).inputs.caCertPem, mockPem("link-ca", "certPem"));
            assert.equal(byName(leaf).inputs.caPrivateKeyPem, "[secret]");
        }
        const key = await new Promise((resolve) => pulumi.output(made!.edge.privateKey).apply(resolve));
        assert.equal(key, mockPem("link-edge-key", "privateKeyPem"));
        assert.ok(await (pulumi.output(made!.edge.privateKey) as unknown as { isSecret: Promise<boolean> }).isSecret, "the edge's key stays a secret");
    });

    it("Dcdn: one domain per public name with the edge as its source, the given certificate's key kept secret", async () => {
        const tls = makeTls(HOSTS.map((h) => h.public));
        const run = await build("cn-beijing", (provider) => new Dcdn("dcdn", {
            publicHosts: HOSTS.map((h) => h.public), source: "edge.nlb.example.net", sourceType: "domain", scope: "global",
            staticPaths: [], staticTypes: ["js"], certificate: { kind: "upload", tls }, websocket: true,
        }, { provider }));
        const domains = run.resources.filter((r) => r.type === "alicloud:dcdn/domain:Domain");
        assert.deepEqual(domains.map((d) => d.inputs.domainName), HOSTS.map((h) => h.public));
        for (const d of domains) {
            assert.equal(d.inputs.scope, "global");
            assert.deepEqual((d.inputs.sources as Record<string, unknown>[]).map((s) => [s.content, s.type, s.port]), [["edge.nlb.example.net", "domain", 443]]);
            assert.equal(d.inputs.certType, "upload");
            assert.equal(d.inputs.sslPri, "[secret]");
        }
        assert.doesNotMatch(JSON.stringify(run.resources.map((r) => r.inputs)), /PRIVATE KEY/);
        const account = run.resources.find((r) => r.type === DCDN_CALL)!;
        assert.deepEqual(account.inputs.step, { action: "websocket", on: true });
        assert.match(String(account.inputs.__provider), /^\[dynamic provider, \d+ bytes\]$/);
    });

    it("Redirector: its own VPC in the provider's region, nginx redirecting each given old name to its public name", async () => {
        const run = await build("cn-hongkong", (provider) => new Redirector("redir", {
            zoneId: "cn-hongkong-c", hosts: HOSTS, status: 302, exemptPaths: ["/hooks/"], existingService: "203.0.113.10",
            geoip: { database: "/srv/geo/country.mmdb", refreshHours: 6 }, settings: SETTINGS, adminCidrs: [],
        }, { provider }));
        const instance = run.resources.find((r) => r.type === ECS_INSTANCE)!;
        assert.equal(instance.inputs.availabilityZone, "cn-hongkong-c");
        assert.match(instance.provider ?? "", /::cn-hongkong::/);
        const nginx = fileOf(run, instance.name, NGINX_PATHS.config);
        for (const h of HOSTS) {
            assert.match(nginx, new RegExp(`\\b${h.origin.replace(/\./g, "\\.")} ${h.public.replace(/\./g, "\\.")};`));
        }
        assert.match(nginx, /return 302 https:\/\/\$ce_public_host\$request_uri;/);
        assert.match(nginx, /server 203\.0\.113\.10:443/);
        assert.match(nginx, /'~\^\(\?:\/hooks\/\)' 1;/);
        assert.match(nginx, /geoip2 \/srv\/geo\/country\.mmdb/);
    });
});

function isUnder(run: ProgramRun, urn: string, ancestor: string): boolean {
    for (let r = run.resources.find((x) => x.urn === urn); r?.parent; r = run.resources.find((x) => x.urn === r!.parent)) {
        if (r.parent === ancestor) {
            return true;
        }
    }
    return false;
}
