import { strict as assert } from "assert";
import { mockPem } from "../../harness/plan/mockEngine";
import { RunExtras, ofType, one, runStackProgram } from "../helpers";
import { instanceApplyCommand, instanceBundle, instanceFiles, instanceUserData } from "../../harness/plan/artifacts";
import { ALIDNS_ACTIONS, DCDN_CERTIFICATE_ACTIONS, RUN_RENEWER_NOW } from "../../components/render/shared/renew";
import { isSecret, ProgramRun } from "../../harness/plan/mockEngine";
import { makeTls, TestTls } from "../tls";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";

const T = {
    instance: ECS_INSTANCE,
    rule: "alicloud:ecs/securityGroupRule:SecurityGroupRule",
    eip: "alicloud:ecs/eipAddress:EipAddress",
    eipAssoc: "alicloud:ecs/eipAssociation:EipAssociation",
    roleAtt: "alicloud:ecs/ramRoleAttachment:RamRoleAttachment",
    nlb: "alicloud:nlb/loadBalancer:LoadBalancer",
    group: "alicloud:nlb/serverGroup:ServerGroup",
    listener: "alicloud:nlb/listener:Listener",
    member: "alicloud:nlb/serverGroupServerAttachment:ServerGroupServerAttachment",
    nat: "alicloud:vpc/natGateway:NatGateway",
    snat: "alicloud:vpc/snatEntry:SnatEntry",
    command: "alicloud:ecs/command:Command",
    invocation: "alicloud:ecs/ecsInvocation:EcsInvocation",
};

/** The proxies' own RAM resources of a type (the registry's pull role and policy are the registry's tests' concern). */
function hostRam(run: ProgramRun, type: "role" | "policy" | "rolePolicyAttachment") {
    return ofType(run, `alicloud:ram/${type}:${type[0].toUpperCase()}${type.slice(1)}`).filter((r) => !/-pull-(role|policy)$/.test(r.name));
}

function onlyHostRam(run: ProgramRun, type: "role" | "policy" | "rolePolicyAttachment") {
    const found = hostRam(run, type);
    assert.equal(found.length, 1, `one host ${type}`);
    return found[0];
}

function file(run: ProgramRun, instance: string, path: string): string {
    const found = instanceFiles(run.resources, one(run, T.instance, instance)).find((f) => f.path === path);
    assert.ok(found, `${instance} writes ${path}`);
    return found.content;
}

/**
 * The cn stack without its redirector, whose instance and rules are the edge services' tests' concern; its edges
 * self-sign unless the test says otherwise (ACME has tests of its own).
 */
function runEdgeStack(overrides: Record<string, unknown> = {}, extras: RunExtras = {}) {
    const certificates = overrides.tlsCertificate ? "provided" : "self-signed";
    // DCDN would have no certificate to serve beside a self-signed edge: the config refuses that pair.
    return runStackProgram("cn", { redirector: false, certificates, ...(certificates === "self-signed" ? { dcdn: false } : {}), ...overrides }, extras);
}

describe("proxies under mocks", () => {
    let us: ProgramRun;
    let cn: ProgramRun;
    before(async () => {
        us = await runStackProgram("us");
        cn = await runEdgeStack();
    });

    it("builds each proxy from the looked-up Debian image, a non-burstable type and a 100 GB ESSD", () => {
        for (const run of [us, cn]) {
            const instance = ofType(run, T.instance)[0];
            assert.match(String(instance.inputs.imageId), /debian_12/);
            assert.equal(instance.inputs.instanceType, "ecs.g8i.large");
            assert.equal(instance.inputs.systemDiskCategory, "cloud_essd");
            assert.equal(instance.inputs.systemDiskSize, 100);
            assert.equal(instance.inputs.internetMaxBandwidthOut, 0);
        }
    });

    it("attaches a RAM role to every proxy instead of access keys", () => {
        for (const run of [us, cn]) {
            const role = onlyHostRam(run, "role");
            assert.match(String(role.inputs.assumeRolePolicyDocument), /ecs\.aliyuncs\.com/);
            const attachments = ofType(run, T.roleAtt);
            assert.deepEqual(attachments.map((a) => a.inputs.instanceId), ofType(run, T.instance).map((i) => `${i.name}.id`));
            for (const i of ofType(run, T.instance)) {
                // The apply tool's only credentials: the role's, from the metadata service.
                assert.doesNotMatch(instanceUserData(i)!, /LTAI\w{12,}|ALIBABA_CLOUD_ACCESS_KEY/);
                assert.match(instanceUserData(i)!, /latest\/meta-data\/ram\/security-credentials/);
            }
        }
    });

    it("stores each host's bundle in its component's private, encrypted bucket, which the hosts' role alone may read", () => {
        for (const run of [us, cn]) {
            const buckets = ofType(run, "alicloud:oss/bucket:Bucket");
            assert.ok(buckets.length >= 1);
            for (const bucket of buckets) {
                assert.deepEqual([bucket.inputs.serverSideEncryptionRule, bucket.inputs.acl], [{ sseAlgorithm: "AES256" }, undefined], "private (OSS's default) and encrypted");
                assert.match(String(bucket.inputs.bucket), /^china-edge-[a-z]+-[a-z-]+-\S+$/);
            }
            for (const instance of ofType(run, T.instance)) {
                const object = ofType(run, "alicloud:oss/bucketObject:BucketObject").find((o) => o.parent === instance.urn)!;
                assert.ok(isSecret(object.rawInputs.content), "it holds private keys");
                assert.equal(object.inputs.key, `bundles/${instance.name}.br85`);
                const bucket = buckets.find((b) => object.inputs.bucket === b.inputs.bucket)!;
                const script = instanceApplyCommand(run.resources, instance)!;
                assert.ok(script.includes(`--fetch oss://${bucket.inputs.bucket}/bundles/${instance.name}.br85 `), script);
                const invocation = ofType(run, T.invocation).find((r) => r.parent === instance.urn)!;
                for (const needed of [object.urn, one(run, T.roleAtt, `${instance.name}-role`).urn]) {
                    assert.ok(invocation.dependsOn?.includes(needed), `${instance.name}'s delivery waits for ${needed}`);
                }
            }
            const statements = hostRam(run, "policy").map((p) => JSON.parse(String(p.inputs.policyDocument)).Statement[0]);
            assert.deepEqual(statements, buckets.map((b) => ({ Effect: "Allow", Action: ["oss:GetObject"], Resource: [`acs:oss:*:*:${b.inputs.bucket}/bundles/*`] })));
        }
    });

    it("gives a single edge an EIP and no NLB", () => {
        assert.equal(one(cn, T.eipAssoc).inputs.instanceId, "cn-edge-1.id");
        assert.equal(ofType(cn, T.nlb).length, 0);
        assert.equal(cn.outputs.edgeAddress, "cn-edge-eip.ipAddress");
    });

    it("lists every origin proxy in HAProxy over the link with checks, and spreads replicas over the zones", async () => {
        const run = await runEdgeStack({ replicas: 3 }, { us: { replicas: 2 } });
        const edges = ofType(run, T.instance);
        assert.deepEqual(edges.map((e) => [e.name, e.inputs.availabilityZone, e.inputs.privateIp]), [
            ["cn-edge-1", "cn-shanghai-l", "10.10.1.10"], ["cn-edge-2", "cn-shanghai-m", "10.10.2.10"], ["cn-edge-3", "cn-shanghai-l", "10.10.1.11"],
        ]);
        for (const e of edges) {
            const cfg = file(run, e.name, "/etc/haproxy/haproxy.cfg");
            assert.match(cfg, /server us-origin-1 10\.20\.1\.10:8443 ssl verify required .* crt \/etc\/haproxy\/tls\/link\.pem alpn h2 ws h2 check /);
            assert.match(cfg, /server us-origin-2 10\.20\.2\.10:8443 ssl verify required .* alpn h2 ws h2 check /);
            assert.match(cfg, new RegExp(`bind ${e.inputs.privateIp}:8404\\n`));
            assert.equal(file(run, e.name, "/etc/haproxy/tls/link-ca.crt"), mockPem("link-ca", "certPem"));
            assert.equal(file(run, e.name, "/etc/haproxy/tls/link.pem"), mockPem("link-edge", "certPem") + mockPem("link-edge-key", "privateKeyPem"));
        }
        assert.ok(ofType(run, T.command).every((c) => isSecret(c.rawInputs.commandContent)), "a terminating edge's apply command holds keys");
        assert.ok(edges.every((e) => !isSecret(e.rawInputs.userData)), "and its user data none");
        const passthrough = file(await runEdgeStack({ edgeTls: "passthrough" }, { us: { replicas: 2 } }), "cn-edge-1", "/etc/haproxy/haproxy.cfg");
        assert.match(passthrough, /server us-origin-1 10\.20\.1\.10:443 send-proxy-v2 check /);
        assert.match(passthrough, /server us-origin-2 10\.20\.2\.10:443 send-proxy-v2 check /);
    });

    it("ends TLS at the edge with cn's certificate, or one self-signed at first boot", async () => {
        const tls = makeTls(["example.cn", "www.example.cn"]);
        const run = await runEdgeStack({ tlsCertificate: tls.certificate, tlsPrivateKey: tls.privateKey }, { secrets: ["tlsPrivateKey"] });
        assert.equal(file(run, "cn-edge-1", "/etc/haproxy/tls/site.pem"), tls.certificate + tls.privateKey);
        const check = one(run, "command:local:Command", "edge-check");
        assert.doesNotMatch(String(check.inputs.create), /--insecure/, "the post-deploy check verifies a configured certificate");
        const selfSigned = instanceBundle(cn.resources, one(cn, T.instance, "cn-edge-1"))!.prepare!.join("\n");
        assert.match(selfSigned, /san=DNS:example\.cn,DNS:www\.example\.cn; .*openssl req -x509 .*-addext "subjectAltName=\$san" .*cat \/etc\/haproxy\/tls\/site\.pem\.crt \/etc\/haproxy\/tls\/site\.pem\.key > \/etc\/haproxy\/tls\/site\.pem/);
        assert.match(String(one(cn, "command:local:Command", "edge-check").inputs.create), /--insecure/);
    });

    it("puts an NLB in front of several edges: TCP 443 and 80, client address preserved, each edge a member", async () => {
        const run = await runEdgeStack({ replicas: 2 });
        assert.equal(ofType(run, T.eip).length, 0);
        const nlb = one(run, T.nlb);
        assert.equal(nlb.inputs.addressType, "Internet");
        assert.equal((nlb.inputs.zoneMappings as unknown[]).length, 2);
        assert.deepEqual(ofType(run, T.listener).map((l) => [l.inputs.listenerProtocol, l.inputs.listenerPort]), [["TCP", 443], ["TCP", 80]]);
        assert.ok(ofType(run, T.group).every((g) => g.inputs.preserveClientIpEnabled === true));
        assert.deepEqual(ofType(run, T.member).map((m) => [m.inputs.serverId, m.inputs.port]).sort(),
            [["cn-edge-1.id", 443], ["cn-edge-1.id", 80], ["cn-edge-2.id", 443], ["cn-edge-2.id", 80]]);
        assert.equal(run.outputs.edgeAddress, "cn-edge-nlb.dnsName");
    });

    it("checks the chain after deploy through the edge's address, again when an edge or the origin proxies change", async () => {
        const check = one(cn, "command:local:Command", "edge-check");
        assert.equal(check.parent, ofType(cn, "china-edge:proxy:EdgeProxy")[0].urn);
        assert.match(String(check.inputs.create), /--connect-to 'example\.cn:443:cn-edge-eip\.ipAddress:443' --insecure 'https:\/\/example\.cn\/healthz'/);
        assert.deepEqual(check.inputs.triggers, ["cn-edge-eip.ipAddress", "cn-edge-1.id", "us-origin-1=10.20.1.10"]);
        const off = await runEdgeStack({ postDeployCheck: false });
        assert.equal(ofType(off, "command:local:Command").filter((c) => c.name === "edge-check").length, 0);
    });

    it("opens no plain HTTP anywhere when httpRedirect is off", async () => {
        const run = await runEdgeStack({ httpRedirect: false });
        assert.ok(!ofType(run, T.rule).some((r) => r.inputs.portRange === "80/80"));
        assert.doesNotMatch(file(run, "cn-edge-1", "/etc/haproxy/haproxy.cfg"), /fe_http\b/);
    });

    it("egresses the origin proxies through a NAT gateway when asked, with no EIP on the instances", async () => {
        const run = await runStackProgram("us", { originEgress: "nat", replicas: 2 });
        assert.equal(one(run, T.nat).inputs.natType, "Enhanced");
        assert.equal(one(run, T.eipAssoc).inputs.instanceType, "Nat");
        assert.deepEqual(ofType(run, T.snat).map((s) => s.inputs.sourceVswitchId), ["us-vsw-us-east-1a.id", "us-vsw-us-east-1b.id"]);
        assert.deepEqual(run.outputs.egressIps, ["us-origin-nat-eip.ipAddress"]);
    });

    describe("with a configured certificate", () => {
        let tls: TestTls;
        before(() => { tls = makeTls(["example.cn", "www.example.cn"]); });

        it("delivers the key in the secret stored bundle, never in the user data, and has a passthrough edge verify the origin proxies", async () => {
            const run = await runEdgeStack({ edgeTls: "passthrough" }, { us: { certificates: "provided", tlsCertificate: tls.certificate, tlsPrivateKey: tls.privateKey }, secrets: ["tlsPrivateKey"] });
            const usRun = await runStackProgram("us", { certificates: "provided", tlsCertificate: tls.certificate, tlsPrivateKey: tls.privateKey }, { secrets: ["tlsPrivateKey"] });
            const proxy = one(usRun, T.instance);
            assert.doesNotMatch(String(proxy.inputs.userData), /PRIVATE KEY/);
            assert.equal(one(usRun, "alicloud:oss/bucketObject:BucketObject").inputs.content, "[secret]");
            assert.equal(file(usRun, "us-origin-1", "/etc/nginx/tls/site.key"), tls.privateKey);
            assert.match(file(run, "cn-edge-1", "/etc/haproxy/haproxy.cfg"), /verify required ca-file/);
        });

        it("keeps the stored bundle secret for the link's key, and has a passthrough edge skip verification when the origin proxies self-sign", async () => {
            const proxy = one(us, T.instance);
            assert.ok(isSecret(one(us, "alicloud:oss/bucketObject:BucketObject").rawInputs.content));
            assert.ok(!isSecret(proxy.rawInputs.userData), "the user data holds no key");
            assert.equal(file(us, "us-origin-1", "/etc/nginx/tls/link.key"), mockPem("link-origin-proxy-key", "privateKeyPem"));
            assert.match(instanceBundle(us.resources, proxy)!.prepare!.join("\n"), /openssl req -x509/);
            assert.match(file(await runEdgeStack({ edgeTls: "passthrough" }), "cn-edge-1", "/etc/haproxy/haproxy.cfg"), /verify none/);
        });
    });

    describe("a change of what the proxies serve", () => {
        const change = { hosts: ["www.example.com=www.example.cn", "api.example.com=api.example.cn"], icpNumber: "沪ICP备12345678号-1" };

        it("leaves every instance's inputs as they were, so none is replaced, and changes its apply command", async () => {
            const after = await runStackProgram("us", change);
            const afterCn = await runEdgeStack({}, { us: change });
            for (const [before, next] of [[us, after], [cn, afterCn]]) {
                for (const instance of ofType(before, T.instance)) {
                    assert.deepEqual(one(next, T.instance, instance.name).rawInputs, instance.rawInputs, `${instance.name}'s inputs`);
                }
                for (const command of ofType(before, T.command)) {
                    assert.notDeepEqual(one(next, T.command, command.name).rawInputs.commandContent, command.rawInputs.commandContent, command.name);
                }
            }
            assert.match(file(after, "us-origin-1", "/etc/nginx/nginx.conf"), /server_name example\.cn www\.example\.cn api\.example\.cn;/);
        });

        it("is delivered by one command run per host, one host after another, each waiting for the host before", async () => {
            const run = await runStackProgram("us", { replicas: 3 });
            const runs = ofType(run, T.invocation);
            assert.deepEqual(runs.map((r) => r.inputs.instanceIds), [["us-origin-1.id"], ["us-origin-2.id"], ["us-origin-3.id"]]);
            assert.deepEqual(runs.map((r) => r.inputs.commandId), ["us-origin-1-config.id", "us-origin-2-config.id", "us-origin-3-config.id"]);
            const waitsFor = (r: { dependsOn?: string[] }) => (r.dependsOn ?? []).filter((u) => u.includes(T.invocation));
            assert.deepEqual(runs.map(waitsFor), [[], [runs[0].urn], [runs[1].urn]]);
            // A replacement (a new image) goes one replica at a time: each instance is registered, so replaced, only
            // once the host before it has its delivery done, which needs it ready as its balancer sees it.
            assert.deepEqual(ofType(run, T.instance).map(waitsFor), [[], [runs[0].urn], [runs[1].urn]]);
            for (const instance of ofType(run, T.instance)) {
                const ready = instanceBundle(run.resources, instance)!.ready!;
                // Both ways the edges come in: PROXY protocol on 443, and the link through the host's HAProxy.
                assert.deepEqual([ready.command.filter((a) => a.startsWith("https://")), ready.passes, ready.intervalSeconds],
                    [["https://example.cn/healthz", "https://origin-link.china-edge.internal:8443/healthz"], 2, 2]);
            }
            for (const command of ofType(run, T.command)) {
                assert.equal(command.inputs.type, "RunShellScript");
                assert.ok(Number(command.inputs.timeout) >= 600, "first boot's packages fit in the timeout");
            }
        });
    });

    describe("the certificate from an ACME CA (the default where TLS ends)", () => {
        /** What the hosts' roles may do beyond reading their bundles. */
        const dnsActions = (run: ProgramRun) => hostRam(run, "policy").flatMap((p) => JSON.parse(String(p.inputs.policyDocument)).Statement.slice(1));

        it("is ordered and renewed on the edge with its role, through Alibaba Cloud DNS, the renewer started once the bundle is in place", async () => {
            const run = await runStackProgram("cn", { redirector: false, dcdn: false });
            const settings = JSON.parse(file(run, "cn-edge-1", "/etc/china-edge/renew.json"));
            assert.equal(settings.dcdn, undefined);
            const role = onlyHostRam(run, "role");
            assert.deepEqual(
                [settings.domains, settings.source, settings.files, settings.reload, settings.metrics],
                [["example.cn", "www.example.cn"], {
                    kind: "acme", server: "https://acme-v02.api.letsencrypt.org/directory", email: "ops@example.cn", dns: "alidns", lego: [],
                    env: { ALICLOUD_RAM_ROLE: role.inputs.roleName },
                }, { pem: "/etc/haproxy/tls/site.pem" }, ["systemctl", "reload", "haproxy"],
                "/var/lib/prometheus/node-exporter/china-edge-certificate.prom"]);
            const policy = onlyHostRam(run, "policy");
            assert.deepEqual(JSON.parse(String(policy.inputs.policyDocument)).Statement[1].Action, ALIDNS_ACTIONS);
            const attachment = onlyHostRam(run, "rolePolicyAttachment");
            assert.deepEqual([attachment.inputs.roleName, attachment.inputs.policyType], [role.inputs.roleName, "Custom"]);
            const bundle = instanceBundle(run.resources, one(run, T.instance, "cn-edge-1"))!;
            assert.match(bundle.prepare!.join("\n"), /openssl req -x509/, "a self-signed certificate serves until the first order lands");
            assert.match(bundle.after!.join("\n"), /systemctl start china-edge-renew\.service \|\|/, "the renewer runs once the bundle is in place");
            assert.doesNotMatch(file(run, "cn-edge-1", "/etc/haproxy/haproxy.cfg"), /fe_share/, "one edge shares with nobody");
            assert.match(instanceUserData(one(run, T.instance, "cn-edge-1"))!, /systemctl\n\s+- enable\n\s+- --now\n\s+- china-edge-renew\.timer/);
        });

        it("is handed to DCDN by the edge that orders it, with its role; run once more when DCDN has the names, failing the deploy if DCDN refuses", async () => {
            const run = await runStackProgram("cn", { redirector: false, replicas: 2 });
            const [first, second] = ["cn-edge-1", "cn-edge-2"].map((name) => JSON.parse(file(run, name, "/etc/china-edge/renew.json")));
            assert.deepEqual(first.dcdn, { domains: ["example.cn", "www.example.cn"] });
            assert.equal(second.dcdn, undefined, "the edges that copy hand nothing to DCDN");
            assert.deepEqual(JSON.parse(String(onlyHostRam(run, "policy").inputs.policyDocument)).Statement[1].Action, [...ALIDNS_ACTIONS, ...DCDN_CERTIFICATE_ACTIONS]);
            const domains = ofType(run, "alicloud:dcdn/domain:Domain");
            for (const d of domains) {
                assert.deepEqual([d.inputs.sslProtocol, d.inputs.certType, d.inputs.sslPub], ["off", undefined, undefined], "no certificate until the renewer's");
                assert.ok(["sslProtocol", "certType", "sslPub", "sslPri"].every((f) => d.ignoreChanges?.includes(f)), "the stack leaves the renewer's certificate alone");
            }
            const command = one(run, T.command, "dcdn-certificate");
            assert.equal(Buffer.from(String(command.inputs.commandContent), "base64").toString(), RUN_RENEWER_NOW);
            const push = one(run, T.invocation, "dcdn-certificate");
            assert.deepEqual(push.inputs.instanceIds, ["cn-edge-1.id"]);
            assert.ok(domains.every((d) => push.dependsOn?.includes(d.urn)), "once DCDN has every name");
        });

        it("is ordered once for several edges: the first orders and serves it on its private address, the others copy it from there", async () => {
            const run = await runStackProgram("cn", { redirector: false, replicas: 3 });
            const [first, ...others] = ["cn-edge-1", "cn-edge-2", "cn-edge-3"].map((name) => ({
                name, settings: JSON.parse(file(run, name, "/etc/china-edge/renew.json")), haproxy: file(run, name, "/etc/haproxy/haproxy.cfg"),
            }));
            const firstIp = String(one(run, T.instance, "cn-edge-1").inputs.privateIp);
            assert.equal(first.settings.source.kind, "acme");
            assert.match(first.haproxy, new RegExp(`bind ${firstIp.replace(/\./g, "\\.")}:8405 ssl crt /etc/haproxy/tls/link\\.pem verify required ca-file /etc/haproxy/tls/link-ca\\.crt\n`));
            for (const edge of others) {
                assert.deepEqual(edge.settings.source, {
                    kind: "peer", address: `${firstIp}:8405`, serverName: "edge-link.china-edge.internal", path: "/certificate",
                    ca: "/etc/haproxy/tls/link-ca.crt", clientCertificate: "/etc/haproxy/tls/link.pem",
                }, edge.name);
                assert.doesNotMatch(edge.haproxy, /fe_share/, `${edge.name} serves no copy`);
            }
            const share = ofType(run, "alicloud:ecs/securityGroupRule:SecurityGroupRule").filter((r) => r.inputs.portRange === "8405/8405");
            assert.deepEqual(share.map((r) => r.inputs.cidrIp), ["10.10.0.0/16"], "the copy port is open to the edges' VPC only");
            const firstRun = ofType(run, T.invocation).find((r) => (r.inputs.instanceIds as string[])[0] === "cn-edge-1.id")!;
            assert.ok(ofType(run, T.invocation).filter((r) => r !== firstRun).every((r) => (r.dependsOn ?? []).length > 0),
                "the others are delivered after the first, whose delivery waits for its order");
        });

        it("is ordered once for several origin proxies when the us stack orders (what clients meet in passthrough): the others copy it", async () => {
            const run = await runStackProgram("us", { certificates: "acme", acmeEmail: "ops@example.cn", replicas: 2 });
            const [first, second] = ["us-origin-1", "us-origin-2"].map((name) => JSON.parse(file(run, name, "/etc/china-edge/renew.json")));
            const firstIp = String(one(run, T.instance, "us-origin-1").inputs.privateIp);
            assert.deepEqual([first.source.kind, first.source.dns, first.source.env], ["acme", "alidns", { ALICLOUD_RAM_ROLE: onlyHostRam(run, "role").inputs.roleName }]);
            assert.deepEqual(first.files, { certificate: "/etc/nginx/tls/site.crt", key: "/etc/nginx/tls/site.key", pem: "/etc/nginx/tls/site.pem", pemGroup: "www-data" });
            assert.deepEqual(second.source, {
                kind: "peer", address: `${firstIp}:8405`, path: "/certificate", serverName: "origin-link.china-edge.internal",
                ca: "/etc/nginx/tls/link-ca.crt", clientCertificate: "/etc/nginx/tls/link.crt", clientKey: "/etc/nginx/tls/link.key",
            });
            const nginx = file(run, "us-origin-1", "/etc/nginx/nginx.conf");
            assert.match(nginx, /listen 8405 ssl;[\s\S]*ssl_verify_client on;[\s\S]*if \(\$ssl_client_s_dn != "CN=origin-link\.china-edge\.internal"\)[\s\S]*alias \/etc\/nginx\/tls\/site\.pem;/);
            assert.deepEqual(JSON.parse(String(onlyHostRam(run, "policy").inputs.policyDocument)).Statement[1].Action, ALIDNS_ACTIONS);
            assert.deepEqual(ofType(run, "alicloud:ecs/securityGroupRule:SecurityGroupRule").filter((r) => r.inputs.portRange === "8405/8405").map((r) => r.inputs.cidrIp),
                ["10.20.0.0/16"]);
            assert.doesNotMatch(file(run, "us-origin-1", "/etc/nginx/nginx.conf").replace(/# The other origin proxies copy[\s\S]*$/, ""), /8405/);
            // The stack file's choice: with the edges ending TLS, no one meets this certificate.
            assert.deepEqual(dnsActions(await runStackProgram("us", {})), []);
        });

        it("asks nothing of DNS and installs no renewer's settings when the edge self-signs", async () => {
            const run = await runEdgeStack();
            assert.equal(instanceFiles(run.resources, one(run, T.instance, "cn-edge-1")).some((f) => f.path === "/etc/china-edge/renew.json"), false);
            assert.deepEqual(dnsActions(run), []);
            assert.equal(instanceUserData(one(run, T.instance, "cn-edge-1")), instanceUserData(one(await runStackProgram("cn", { redirector: false }), T.instance, "cn-edge-1")),
                "the same host whatever its certificate");
        });
    });
});
