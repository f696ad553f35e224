import { strict as assert } from "assert";
import { ConfigError } from "../../stacks/config";
import { ProgramFailed, ProgramRun, PlannedResource, displayValue } from "../../harness/plan/mockEngine";
import { instanceFiles, instanceUserData } from "../../harness/plan/artifacts";
import { userDataFiles } from "../../components/render/shared/cloudInit";
import { hostRecord, oldDomainRecords, publicRecords } from "../../components/dns/records";
import { DCDN_CALL } from "../../components/dcdn/steps";
import { dcdnFunctions } from "../../components/dcdn/dcdn";
import { ofType, one, runStackProgram } from "../helpers";
import { TestTls, makeTls } from "../tls";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";

const RECORD = "alicloud:dns/alidnsRecord:AlidnsRecord";
const DCDN_DOMAIN = "alicloud:dcdn/domain:Domain";
const DCDN_CONFIG = "alicloud:dcdn/domainConfig:DomainConfig";
const INSTANCE = ECS_INSTANCE;

/** The records of a run as "rr line type value". */
function records(run: ProgramRun, domain: string): string[] {
    return ofType(run, RECORD).filter((r) => r.inputs.domainName === domain)
        .map((r) => `${r.inputs.rr} ${r.inputs.line} ${r.inputs.type} ${r.inputs.value}`).sort();
}

function configIssues(err: unknown): string[] {
    const cause = err instanceof ProgramFailed ? err.cause : err;
    assert.ok(cause instanceof ConfigError, `expected a ConfigError, got ${cause}`);
    return cause.issues.map((i) => i.key);
}

function providerRegion(run: ProgramRun, r: PlannedResource): unknown {
    // The provider reference is "<urn>::<id>"; the provider's own inputs name its region.
    const urn = r.provider?.split("::").slice(0, -1).join("::");
    return run.resources.find((p) => p.urn === urn)?.inputs.region;
}

function redirectorNginx(run: ProgramRun): string {
    const files = instanceFiles(run.resources, one(run, INSTANCE, "hk-redirector-1"));
    return files.find((f) => f.path === "/etc/nginx/nginx.conf")!.content;
}

describe("edge services under mocks", function () {
    this.timeout(60_000);

    describe("DNS records of the public names", () => {
        it("point every public name at its DCDN CNAME when DCDN is on, with the free edition's TTL", async () => {
            const run = await runStackProgram("cn");
            assert.deepEqual(records(run, "example.cn"), [
                "@ default CNAME dcdn-example-cn.cname",
                "verification default TXT dcdn-owner-content.answer",
                "www default CNAME dcdn-www-example-cn.cname",
            ]);
            assert.ok(ofType(run, RECORD).every((r) => r.inputs.ttl === 600));
            assert.deepEqual(run.outputs.dnsRecords, ["example.cn default CNAME dcdn-example-cn.cname", "www.example.cn default CNAME dcdn-www-example-cn.cname"]);
            assert.deepEqual(ofType(run, "alicloud:dns/alidnsDomain:AlidnsDomain"), []);
        });

        it("point at the edge's EIP with A records when DCDN is off and one edge serves", async () => {
            const run = await runStackProgram("cn", { dcdn: false });
            assert.deepEqual(records(run, "example.cn"), ["@ default A cn-edge-eip.ipAddress", "www default A cn-edge-eip.ipAddress"]);
            assert.deepEqual(ofType(run, DCDN_DOMAIN), []);
        });

        it("point at the NLB's name with CNAMEs when several edges serve", async () => {
            const run = await runStackProgram("cn", { dcdn: false, replicas: 3, certificates: "self-signed" });
            assert.deepEqual(records(run, "example.cn"), ["@ default CNAME cn-edge-nlb.dnsName", "www default CNAME cn-edge-nlb.dnsName"]);
        });

        it("add the domain itself when the stack manages it, its records beneath it, and the edition's shortest TTL", async () => {
            const run = await runStackProgram("cn", { dnsManageDomain: true, dnsEdition: "standard" });
            const domain = one(run, "alicloud:dns/alidnsDomain:AlidnsDomain");
            assert.equal(domain.inputs.domainName, "example.cn");
            for (const r of ofType(run, RECORD)) {
                assert.equal(r.parent, domain.urn);
                assert.equal(r.inputs.ttl, 60);
            }
            assert.equal(run.outputs.dnsNameServers, "dns-domain.dnsServers");
        });

        it("create no records with dns off, and refuse a TTL below the edition's", async () => {
            assert.deepEqual(ofType(await runStackProgram("cn", { dns: false }), RECORD), []);
            await assert.rejects(runStackProgram("cn", { dnsTtl: 60 }), (err) => configIssues(err).includes("dnsTtl"));
        });
    });

    describe("DCDN", () => {
        let tls: TestTls;
        before(() => { tls = makeTls(["example.cn", "www.example.cn"]); });

        it("accelerates each public name with the edge as HTTPS origin on 443 and the name as SNI, waiting out DCDN's review", async () => {
            const run = await runStackProgram("cn");
            const domains = ofType(run, DCDN_DOMAIN);
            assert.deepEqual(domains.map((d) => d.inputs.domainName).sort(), ["example.cn", "www.example.cn"]);
            for (const d of domains) {
                assert.deepEqual(d.inputs.sources, [{ content: "cn-edge-eip.ipAddress", type: "ipaddr", port: 443, priority: "20", weight: "10" }]);
                assert.equal(d.inputs.scope, "domestic");
                assert.deepEqual([d.inputs.sslProtocol, d.inputs.certType], ["off", undefined], "the edge's renewer hands DCDN its certificate");
                assert.deepEqual(d.customTimeouts, { create: "3h", update: "1h" }, "DCDN's review before online outlasts the provider's 30 minutes");
                const sni = ofType(run, DCDN_CONFIG).find((c) => c.parent === d.urn && c.inputs.functionName === "https_origin_sni")!;
                assert.deepEqual(sni.inputs.functionArgs, [{ argName: "enabled", argValue: "on" }, { argName: "https_origin_sni", argValue: d.inputs.domainName }]);
            }
        });

        it("proves ownership of the domain before any DCDN domain: DCDN's content in verification.<domain>, then its check", async () => {
            const run = await runStackProgram("cn");
            const content = one(run, DCDN_CALL, "dcdn-owner-content");
            assert.deepEqual(content.inputs.step, { action: "verify-content", domain: "example.cn" });
            const txt = one(run, RECORD, "dns-verification-default");
            assert.deepEqual([txt.inputs.domainName, txt.inputs.rr, txt.inputs.type, txt.inputs.value, txt.inputs.line],
                ["example.cn", "verification", "TXT", "dcdn-owner-content.answer", "default"]);
            const verify = one(run, DCDN_CALL, "dcdn-owner-verify");
            assert.deepEqual([verify.inputs.step, verify.inputs.trigger],
                [{ action: "verify-owner", domain: "example.cn", attempts: 30, intervalSeconds: 20 }, "dcdn-owner-content.answer"]);
            assert.ok(verify.dependsOn?.includes(txt.urn), "the check waits for the record");
            for (const d of ofType(run, DCDN_DOMAIN)) {
                assert.ok(d.dependsOn?.includes(verify.urn), `${d.name} waits for the proof`);
            }
            const order = run.resources.map((r) => r.name);
            assert.ok(order.indexOf("dcdn-owner-verify") < order.indexOf("dcdn-example-cn"));
        });

        it("switches WebSockets on for the account, then for every accelerated name; off with dcdnWebsocket false", async () => {
            const run = await runStackProgram("cn");
            const account = one(run, DCDN_CALL, "dcdn-websocket-account");
            assert.deepEqual(account.inputs.step, { action: "websocket", on: true });
            const perName = ofType(run, DCDN_CONFIG).filter((c) => c.inputs.functionName === "websocket");
            assert.deepEqual(perName.map((c) => c.inputs.domainName).sort(), ["example.cn", "www.example.cn"]);
            for (const c of perName) {
                assert.deepEqual(c.inputs.functionArgs, [{ argName: "enabled", argValue: "on" }]);
                assert.ok(c.dependsOn?.includes(account.urn), "a name's switch waits for the account's");
            }
            assert.ok(!ofType(run, DCDN_CONFIG).some((c) => /http2|https_option/.test(String(c.inputs.functionName))), "no HTTP/2 beside WebSockets");
            for (const host of ["example.cn", "www.example.cn"]) {
                const check = one(run, DCDN_CALL, `dcdn-${host.replace(/\./g, "-")}-check`);
                const step = check.inputs.step as { action: string; domain: string; expect: Record<string, Record<string, string>> };
                assert.deepEqual([step.action, step.domain], ["check-functions", host]);
                const configs = ofType(run, DCDN_CONFIG).filter((c) => c.inputs.domainName === host);
                assert.deepEqual(Object.keys(step.expect).sort(), configs.map((c) => String(c.inputs.functionName)).sort(), "every function set is read back");
                assert.deepEqual([step.expect.websocket, step.expect.dynamic], [{ enabled: "on" }, { enable: "on", dynamic_route_origin: "https" }]);
                assert.ok(configs.every((c) => check.dependsOn?.includes(c.urn)), "after DCDN took each");
            }
            const off = await runStackProgram("cn", { dcdnWebsocket: false });
            assert.equal(ofType(off, DCDN_CONFIG).filter((c) => c.inputs.functionName === "websocket").length, 0);
            assert.equal(ofType(off, DCDN_CALL).filter((c) => c.name === "dcdn-websocket-account").length, 0);
        });

        it("leaves the proof to the user when the stack manages no DNS records", async () => {
            const run = await runStackProgram("cn", { dns: false });
            assert.equal(ofType(run, DCDN_CALL).filter((c) => c.name.startsWith("dcdn-owner")).length, 0);
            assert.ok(ofType(run, DCDN_DOMAIN).every((d) => !(d.dependsOn ?? []).some((u) => u.includes("dcdn-owner"))));
        });

        it("uploads the configured certificate with its key as a secret", async () => {
            const run = await runStackProgram("cn", { certificates: "provided", tlsCertificate: tls.certificate, tlsPrivateKey: tls.privateKey }, { secrets: ["tlsPrivateKey"] });
            for (const d of ofType(run, DCDN_DOMAIN)) {
                assert.deepEqual([d.inputs.sslProtocol, d.inputs.certType, d.inputs.sslPub, d.inputs.sslPri, d.ignoreChanges], ["on", "upload", tls.certificate, "[secret]", undefined]);
            }
            assert.equal(ofType(run, "alicloud:ecs/command:Command").filter((c) => c.name === "dcdn-certificate").length, 0, "nothing to hand over");
            assert.ok(!JSON.stringify(run.resources.map((r) => r.inputs)).includes("PRIVATE KEY"));
        });

        it("refuses DCDN with no certificate it could serve: a self-signed edge, or one passing TLS through with none provided", async () => {
            for (const overrides of [{ certificates: "self-signed" }, { edgeTls: "passthrough" }]) {
                await assert.rejects(runStackProgram("cn", overrides), (err) => {
                    assert.match((err as Error).message, /dcdn.*certificates acme with edgeTls terminate .* or provided \(tlsCertificate, uploaded\).*Or set dcdn false/s);
                    return configIssues(err).includes("dcdn");
                });
                await runStackProgram("cn", { ...overrides, dcdn: false });
            }
        });

        it("refuses a certificate that does not cover every name the us stack serves", async () => {
            const narrow = makeTls(["example.cn"]);
            await assert.rejects(runStackProgram("cn", { certificates: "provided", tlsCertificate: narrow.certificate, tlsPrivateKey: narrow.privateKey }, { secrets: ["tlsPrivateKey"] }),
                (err) => configIssues(err).includes("tlsCertificate"));
        });

        it("reaches several edges through the NLB's name, and caches the configured paths and types", async () => {
            const run = await runStackProgram("cn", { replicas: 2, dcdnScope: "global", dcdnStaticPaths: ["/img/*"], dcdnStaticTypes: [".png", "css"] });
            const d = one(run, DCDN_DOMAIN, "dcdn-example-cn");
            assert.deepEqual(d.inputs.sources, [{ content: "cn-edge-nlb.dnsName", type: "domain", port: 443, priority: "20", weight: "10" }]);
            assert.equal(d.inputs.scope, "global");
            const functions = dcdnFunctions("example.cn", { staticPaths: ["/img/*"], staticTypes: ["png", "css"], websocket: false });
            assert.equal(functions.websocket, undefined);
            assert.deepEqual(functions.dynamic, { enable: "on", dynamic_route_origin: "https", static_route_type: ".png,.css", static_route_path: "/img/*" });
            assert.equal(functions.filetype_based_ttl_set.file_type, "png,css");
        });
    });

    describe("container registries", () => {
        it("give each region a Personal Edition namespace with the repositories and a VPC endpoint of its own", async () => {
            for (const [stack, region] of [["us", "us-east-1"], ["cn", "cn-shanghai"]] as const) {
                const run = await runStackProgram(stack, { registryRepositories: ["web", "worker"] });
                const ns = one(run, "alicloud:cr/namespace:Namespace");
                assert.equal(ns.inputs.name, `china-edge-${stack}-registry-suffix.result`);
                assert.equal(ns.inputs.defaultVisibility, "PRIVATE");
                assert.deepEqual(ofType(run, "alicloud:cr/repo:Repo").map((r) => r.inputs.name).sort(), ["web", "worker"]);
                assert.equal(providerRegion(run, ns), region);
                assert.equal(run.outputs.registryVpcEndpoint, `registry-vpc.${region}.aliyuncs.com`);
                assert.equal((run.outputs.registryImages as Record<string, string>).web, `registry-vpc.${region}.aliyuncs.com/china-edge-${stack}-registry-suffix.result/web`);
            }
        });

        it("make the namespace inside the configured Personal instance, whose own VPC endpoint the images name", async () => {
            const run = await runStackProgram("us", { registryPersonalInstanceId: "crpi-abc123", registryRepositories: ["web", "worker"] });
            assert.equal(run.outputs.registryVpcEndpoint, "crpi-abc123-vpc.us-east-1.personal.cr.aliyuncs.com");
            assert.equal(one(run, "alicloud:cs/registryEnterpriseNamespace:RegistryEnterpriseNamespace").inputs.instanceId, "crpi-abc123");
            assert.deepEqual(ofType(run, "alicloud:cs/registryEnterpriseRepo:RegistryEnterpriseRepo").map((r) => [r.inputs.instanceId, r.inputs.name]),
                [["crpi-abc123", "web"], ["crpi-abc123", "worker"]]);
            assert.equal(ofType(run, "alicloud:cr/namespace:Namespace").length, 0, "nothing through the legacy API, which takes no instance");
            assert.equal(ofType(run, "alicloud:cr/registryEnterpriseInstance:RegistryEnterpriseInstance").length, 0);
            assert.match((run.outputs.registryImages as Record<string, string>).worker, /^crpi-abc123-vpc\.us-east-1\.personal\.cr\.aliyuncs\.com\/china-edge-.*\/worker$/);
        });

        it("make an Enterprise instance linked to the VPC, with a generated password kept secret", async () => {
            const run = await runStackProgram("us", { registryEdition: "enterprise" });
            const instance = one(run, "alicloud:cr/registryEnterpriseInstance:RegistryEnterpriseInstance");
            assert.equal(instance.inputs.password, "[secret]");
            assert.equal(instance.inputs.instanceType, "Basic");
            const link = one(run, "alicloud:cr/vpcEndpointLinkedVpc:VpcEndpointLinkedVpc");
            assert.equal(link.inputs.vpcId, "us-vpc.id");
            assert.equal(link.inputs.moduleName, "Registry");
            assert.equal(one(run, "alicloud:cs/registryEnterpriseRepo:RegistryEnterpriseRepo").inputs.name, "web");
            assert.equal(run.outputs.registryVpcEndpoint, "china-edge-us-registry-suffix.result-registry-vpc.us-east-1.cr.aliyuncs.com");
            assert.equal(displayValue(run.rawOutputs.registryPassword), "[secret]");
            assert.deepEqual(ofType(run, "alicloud:cr/namespace:Namespace"), []);
        });

        it("give the hosts that pull a role that may log in and pull the namespace only, in each edition's resource format", async () => {
            const pullPolicy = async (overrides: Record<string, unknown>) => {
                const run = await runStackProgram("us", overrides);
                const role = run.resources.find((r) => r.type === "alicloud:ram/role:Role" && r.name === "us-registry-pull-role")!;
                assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicyDocument as string).Statement[0].Principal, { Service: ["ecs.aliyuncs.com"] });
                assert.equal(run.outputs.registryPullRole, role.inputs.roleName);
                const attached = run.resources.find((r) => r.type === "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment" && r.inputs.roleName === role.inputs.roleName)!;
                const policy = run.resources.find((r) => r.type === "alicloud:ram/policy:Policy" && r.inputs.policyName === attached.inputs.policyName)!;
                return JSON.parse(policy.inputs.policyDocument as string).Statement as { Action: string[]; Resource: string[] }[];
            };
            const legacy = await pullPolicy({});
            assert.deepEqual(legacy[0], { Effect: "Allow", Action: ["cr:GetAuthorizationToken"], Resource: ["*"] });
            assert.deepEqual(legacy[1].Resource, ["acs:cr:us-east-1:*:repository/china-edge-us-registry-suffix.result",
                "acs:cr:us-east-1:*:repository/china-edge-us-registry-suffix.result/*"]);
            assert.ok(legacy[1].Action.includes("cr:PullRepository") && !legacy[1].Action.some((a) => /Push|Delete|Create|Update/.test(a)));
            assert.equal((await pullPolicy({ registryPersonalInstanceId: "crpi-abc123" }))[1].Resource[1],
                "acs:cr:us-east-1:*:repository/crpi-abc123/china-edge-us-registry-suffix.result/*");
            assert.equal((await pullPolicy({ registryEdition: "enterprise" }))[1].Resource[1],
                "acs:cr:us-east-1:*:repository/us-registry-instance.id/china-edge-us-registry-suffix.result/*");
        });

        it("make nothing with registryEdition none, and refuse bad repository names", async () => {
            const run = await runStackProgram("us", { registryEdition: "none" });
            assert.deepEqual(run.resources.filter((r) => /:c[rs]\//.test(r.type) || /registry/.test(r.name) || (r.type.startsWith("random:") && !r.name.endsWith("-bundles-suffix"))), []);
            assert.equal(run.outputs.registryPullRole, undefined);
            await assert.rejects(runStackProgram("us", { registryRepositories: ["Web App"] }), (err) => configIssues(err).includes("registryRepositories"));
        });
    });

    describe("the redirector", () => {
        let oldTls: TestTls;
        before(() => { oldTls = makeTls(["example.com", "www.example.com"]); });

        it("runs one non-burstable instance in cn-hongkong whose nginx redirects every old name to its public name", async () => {
            const run = await runStackProgram("cn");
            const instance = one(run, INSTANCE, "hk-redirector-1");
            assert.equal(providerRegion(run, instance), "cn-hongkong");
            assert.equal(instance.inputs.instanceType, "ecs.c8i.large");
            assert.equal(instance.inputs.availabilityZone, "cn-hongkong-b");
            const conf = redirectorNginx(run);
            assert.match(conf, /geoip2 \/var\/lib\/GeoIP\/GeoLite2-Country\.mmdb \{/);
            assert.match(conf, /return 301 https:\/\/\$ce_public_host\$request_uri;/);
            assert.match(conf, /^\s+example\.com example\.cn;$/m);
            assert.match(conf, /^\s+www\.example\.com www\.example\.cn;$/m);
            assert.match(conf, /server example\.com:443 max_fails/);
            const ports = ofType(run, "alicloud:ecs/securityGroupRule:SecurityGroupRule").filter((r) => r.name.startsWith("hk-redirector-"));
            assert.deepEqual(ports.map((r) => `${r.inputs.portRange} ${r.inputs.cidrIp}`).sort(), ["443/443 0.0.0.0/0", "80/80 0.0.0.0/0"]);
            assert.equal(run.outputs.redirectorAddress, "hk-redirector-eip.ipAddress");
        });

        it("takes status, exempt paths, target and MaxMind credentials from config, the credentials kept secret", async () => {
            const run = await runStackProgram("cn", {
                redirectorStatus: 302, redirectorExemptPaths: ["/graphql"], originTarget: "203.0.113.10",
                geoipAccountId: "123456", geoipLicenseKey: "abcDEF_123456", geoipRefreshHours: 6,
            }, { secrets: ["geoipLicenseKey"] });
            const conf = redirectorNginx(run);
            assert.match(conf, /return 302 /);
            assert.match(conf, /'~\^\(\?:\/graphql\)' 1;/);
            assert.match(conf, /server 203\.0\.113\.10:443 max_fails/);
            const instance = one(run, INSTANCE, "hk-redirector-1");
            assert.equal(instance.inputs.userData, "[secret]");
            const files = userDataFiles(instanceUserData(instance)!);
            assert.match(files.find((f) => f.path.endsWith(".timer"))!.content, /OnUnitActiveSec=6h/);
            assert.match(files.find((f) => f.path === "/etc/china-edge/maxmind.env")!.content, /LICENSE_KEY=abcDEF_123456/);
        });

        it("is left out with redirector off, and refuses a burstable type or a zone outside Hong Kong", async () => {
            const run = await runStackProgram("cn", { redirector: false });
            assert.deepEqual(ofType(run, INSTANCE).map((r) => r.name), ["cn-edge-1"]);
            await assert.rejects(runStackProgram("cn", { redirectorInstanceType: "ecs.t6-c1m1.large", redirectorZone: "cn-shanghai-l" }),
                (err) => { const keys = configIssues(err); return keys.includes("redirectorInstanceType") && keys.includes("redirectorZone"); });
        });

        it("answers mainland resolvers of the old names with the redirector and never touches their default line", async () => {
            const run = await runStackProgram("cn", {
                oldDomainDns: true, redirectorTlsCertificate: oldTls.certificate, redirectorTlsPrivateKey: oldTls.privateKey,
            }, { secrets: ["redirectorTlsPrivateKey"] });
            assert.deepEqual(records(run, "example.com"), [
                "@ internal A hk-redirector-eip.ipAddress",
                "www internal A hk-redirector-eip.ipAddress",
            ]);
            assert.equal(one(run, "alicloud:oss/bucketObject:BucketObject", "hk-redirector-1-bundle").inputs.content, "[secret]");
            assert.doesNotMatch(String(one(run, INSTANCE, "hk-redirector-1").inputs.userData), /PRIVATE KEY/);
        });

        it("refuses old-domain records without the redirector or with a self-signed redirector", async () => {
            await assert.rejects(runStackProgram("cn", { oldDomainDns: true, originTarget: "203.0.113.10", redirector: false }),
                (err) => configIssues(err).includes("oldDomainDns"));
            await assert.rejects(runStackProgram("cn", { oldDomainDns: true, originTarget: "203.0.113.10" }),
                (err) => configIssues(err).includes("redirectorTlsCertificate"));
            await assert.rejects(runStackProgram("cn", { originTarget: "example.com" }),
                (err) => configIssues(err).includes("originTarget"));
        });

        it("refuses a licence key in plain text and a certificate that misses an old name", async () => {
            await assert.rejects(runStackProgram("cn", { geoipAccountId: "1", geoipLicenseKey: "abcDEF_123456" }),
                (err) => configIssues(err).includes("geoipLicenseKey"));
            const narrow = makeTls(["example.com"]);
            await assert.rejects(runStackProgram("cn", { redirectorTlsCertificate: narrow.certificate, redirectorTlsPrivateKey: narrow.privateKey },
                { secrets: ["redirectorTlsPrivateKey"] }), (err) => configIssues(err).includes("redirectorTlsCertificate"));
        });
    });

    it("manages DCDN and DNS through the Shanghai provider and the redirector through Hong Kong's, never an ambient region", async () => {
        const tls = makeTls(["example.com", "www.example.com"]);
        const full = await runStackProgram("cn", { oldDomainDns: true, originTarget: "203.0.113.10",
            redirectorTlsCertificate: tls.certificate, redirectorTlsPrivateKey: tls.privateKey }, { secrets: ["redirectorTlsPrivateKey"] });
        for (const r of full.resources.filter((x) => /^alicloud:(dcdn|dns)\//.test(x.type))) {
            assert.equal(providerRegion(full, r), "cn-shanghai", `${r.type} ${r.name}`);
        }
        for (const r of full.resources.filter((x) => x.type.startsWith("alicloud:") && x.name.startsWith("hk-redirector"))) {
            assert.equal(providerRegion(full, r), "cn-hongkong", `${r.type} ${r.name}`);
        }
    });

    describe("record planning", () => {
        it("places names in their zone and leaves others out, the old names on the mainland line only", () => {
            assert.equal(hostRecord("example.cn", "example.cn"), "@");
            assert.equal(hostRecord("a.b.example.cn", "example.cn"), "a.b");
            assert.equal(hostRecord("badexample.cn", "example.cn"), undefined);
            const planned = publicRecords(["example.cn", "shop.example.org"], "example.cn", (h) => ({ type: "CNAME", value: `${h}.cdn.net` }));
            assert.deepEqual(planned.map((r) => `${r.rr} ${r.target.value}`), ["@ example.cn.cdn.net"]);
            const old = oldDomainRecords([{ origin: "example.com", public: "example.cn" }, { origin: "shop.example.org", public: "shop.example.cn" }],
                "example.com", { type: "A", value: "198.51.100.1" });
            assert.deepEqual(old.map((r) => `${r.rr} ${r.line} ${r.target.value}`), ["@ internal 198.51.100.1"]);
        });
    });
});
