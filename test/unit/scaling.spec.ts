import { strict as assert } from "assert";
import * as alicloud from "@pulumi/alicloud";
import { ofType, one, runStackProgram } from "../helpers";
import { ProgramRun, isSecret, runProgram } from "../../harness/plan/mockEngine";
import { analyze } from "../../harness/plan/planStack";
import { instanceUserData, writeInstanceArtifacts } from "../../harness/plan/artifacts";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleDigest, decodeBundle } from "../../components/render/shared/bundle";
import { LIFECYCLE_ROLE_ACTIONS } from "../../components/render/shared/lifecycleTemplate";
import { EdgeProxy } from "../../components/proxy/edgeProxy";
import { RegionalNetwork } from "../../components/network/regionalNetwork";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";

const T = {
    group: "alicloud:ess/scalingGroup:ScalingGroup",
    configuration: "alicloud:ess/scalingConfiguration:ScalingConfiguration",
    rule: "alicloud:ess/scalingRule:ScalingRule",
    hook: "alicloud:ess/lifecycleHook:LifecycleHook",
    attachment: "alicloud:ess/serverGroupAttachment:ServerGroupAttachment",
    template: "alicloud:oos/template:Template",
    object: "alicloud:oss/bucketObject:BucketObject",
    nlbGroup: "alicloud:nlb/serverGroup:ServerGroup",
    member: "alicloud:nlb/serverGroupServerAttachment:ServerGroupServerAttachment",
    role: "alicloud:ram/role:Role",
    policy: "alicloud:ram/policy:Policy",
    invocation: "alicloud:ecs/ecsInvocation:EcsInvocation",
};

/** The cn stack with its edges as a scaling group (a self-signed edge: ACME is refused with one). */
function runScalingStack(overrides: Record<string, unknown> = {}) {
    return runStackProgram("cn", {
        redirector: false, certificates: "self-signed", dcdn: false, maxReplicas: 6, minReplicas: 2, onDemandBase: 1, spotPercent: 60, ...overrides,
    });
}

/** A planned input's value, a secret's too. */
function plain(value: unknown): string {
    return String(isSecret(value) ? (value as { value: unknown }).value : value);
}

/** An OOS template of the group `role`, "launch" or "leave" (launch's is a secret: its script is derived from the bundle, which holds the link's key). */
function template(run: ProgramRun, suffix = "launch", role = "cn-edge") {
    return JSON.parse(plain(one(run, T.template, `${role}-${suffix}`).rawInputs.content));
}

/** An OOS template's parameters, as Auto Scaling starts it. */
function templateParameters(run: ProgramRun, suffix = "launch", role = "cn-edge"): Record<string, { Default: unknown }> {
    return template(run, suffix, role).Parameters;
}

describe("edges as an Auto Scaling group, under mocks", () => {
    let run: ProgramRun;
    let fixed: ProgramRun;
    before(async () => {
        run = await runScalingStack();
        fixed = await runStackProgram("cn", { redirector: false, certificates: "self-signed", dcdn: false, replicas: 2 });
    });

    it("makes a group over the stack's zones with its spot share above a pay-as-you-go base, and no fixed edge", () => {
        assert.equal(ofType(run, ECS_INSTANCE).length, 0);
        const group = one(run, T.group);
        assert.deepEqual([group.inputs.minSize, group.inputs.maxSize, group.inputs.multiAzPolicy], [2, 6, "COST_OPTIMIZED"]);
        assert.deepEqual(group.inputs.vswitchIds, ["cn-vsw-cn-shanghai-l.id", "cn-vsw-cn-shanghai-m.id"]);
        assert.deepEqual([group.inputs.onDemandBaseCapacity, group.inputs.onDemandPercentageAboveBaseCapacity, group.inputs.spotInstanceRemedy], [1, 40, true]);
        const configuration = one(run, T.configuration);
        assert.deepEqual([configuration.inputs.instanceTypes, configuration.inputs.systemDiskCategory, configuration.inputs.systemDiskSize],
            [["ecs.g8i.large"], "cloud_essd", 100]);
        assert.deepEqual([configuration.inputs.spotStrategy, configuration.inputs.active, configuration.inputs.enable], ["SpotAsPriceGo", true, true]);
        assert.equal(configuration.inputs.roleName, "china-edge-cn-cn-edge", "the hosts' role, as fixed edges have");
        assert.equal(instanceUserData(configuration), instanceUserData(one(fixed, ECS_INSTANCE, "cn-edge-1")), "the same first boot as a fixed edge");
    });

    it("has every new edge fetch and apply the role's bundle before it joins, abandoning one whose setup fails", () => {
        const object = ofType(run, T.object).find((o) => o.inputs.key === "bundles/cn-edge.br85");
        assert.ok(object && isSecret(object.rawInputs.content), "the role's bundle, stored once, a secret");
        const stored = plain(object.rawInputs.content);
        const params = templateParameters(run);
        const script = String(params.commandContent.Default);
        assert.match(script, / --fetch oss:\/\/\S+\/bundles\/cn-edge\.br85 /);
        assert.ok(script.endsWith(` --sha256 ${bundleDigest(stored)}\n`), "the stored bundle's digest");
        assert.deepEqual([params.instanceIds.Default, params.lifecycleActionToken.Default], [["${instanceIds}"], "${lifecycleActionToken}"]);
        const tasks = template(run).Tasks;
        assert.deepEqual(tasks.map((t: { Name: string; OnSuccess?: string; OnError?: string }) => [t.Name, t.OnSuccess, t.OnError]),
            [["runCommand", "continue", "abandon"], ["continue", "ACS::END", undefined], ["abandon", undefined, undefined]]);
        assert.deepEqual(tasks.slice(1).map((t: { Properties: { Parameters: { LifecycleActionResult: string } } }) => t.Properties.Parameters.LifecycleActionResult), ["CONTINUE", "ABANDON"]);

        assert.ok(isSecret(one(run, T.template, "cn-edge-launch").rawInputs.content), "derived from the bundle, which holds the link's key");
        const hook = one(run, T.hook, "cn-edge-launch");
        assert.deepEqual([hook.inputs.lifecycleTransition, hook.inputs.defaultResult], ["SCALE_OUT", "ABANDON"]);
        assert.equal(hook.inputs.notificationArn, `acs:ess:cn-shanghai:<account id at deploy>:oos/${one(run, T.template, "cn-edge-launch").inputs.templateName}`);
        assert.ok(Number(hook.inputs.heartbeatTimeout) > Number(params.timeout.Default), "the hook outwaits the setup");

        const oosRole = one(run, T.role, "cn-edge-lifecycle-role");
        assert.equal(JSON.parse(String(oosRole.inputs.assumeRolePolicyDocument)).Statement[0].Principal.Service[0], "oos.aliyuncs.com");
        assert.equal(params.OOSAssumeRole.Default, oosRole.inputs.roleName);
        assert.deepEqual(JSON.parse(String(one(run, T.policy, "cn-edge-lifecycle-policy").inputs.policyDocument)).Statement[0].Action, LIFECYCLE_ROLE_ACTIONS);
    });

    it("has an edge a scale-in releases leave the balancer first, the scale-in going on however that ends", () => {
        const hook = one(run, T.hook, "cn-edge-leave");
        assert.deepEqual([hook.inputs.lifecycleTransition, hook.inputs.defaultResult], ["SCALE_IN", "CONTINUE"]);
        assert.equal(hook.inputs.notificationArn, `acs:ess:cn-shanghai:<account id at deploy>:oos/${one(run, T.template, "cn-edge-leave").inputs.templateName}`);
        const params = templateParameters(run, "leave");
        assert.match(String(params.commandContent.Default), /^\/usr\/local\/sbin\/china-edge-leave \/etc\/china-edge\/leave\.json$/m);
        assert.ok(Number(hook.inputs.heartbeatTimeout) > Number(params.timeout.Default));
        const object = ofType(run, T.object).find((o) => o.inputs.key === "bundles/cn-edge.br85")!;
        const bundle = decodeBundle(plain(object.rawInputs.content));
        const settings = JSON.parse(bundle.files.find((f) => f.path === "/etc/china-edge/leave.json")!.content);
        assert.deepEqual([settings.map, settings.leaveSeconds], ["/etc/haproxy/leaving.map", 20], "the NLB's 3 failed checks 5 s apart, and one more");
        assert.ok(Number(params.timeout.Default) > settings.leaveSeconds + settings.finishSeconds);
        assert.deepEqual(bundle.after, ["systemctl restart china-edge-spot-watch"], "a group with spot edges watches for the notice");
    });

    it("serves the same haproxy.cfg on any edge: stats and health on every address, no edge's own address", () => {
        const object = ofType(run, T.object).find((o) => o.inputs.key === "bundles/cn-edge.br85")!;
        const bundle = decodeBundle(plain(object.rawInputs.content));
        const cfg = bundle.files.find((f) => f.path === "/etc/haproxy/haproxy.cfg")!.content;
        assert.match(cfg, /bind 0\.0\.0\.0:8404\b/);
        assert.doesNotMatch(cfg, /10\.10\.\d+\.\d+/, "no fixed edge address");
        assert.ok(bundle.ready?.command.includes("http://127.0.0.1:8404/healthz"), JSON.stringify(bundle.ready));
    });

    it("puts the group's edges in the NLB's server groups (443 and 80) and tracks the edges' CPU", () => {
        assert.equal(ofType(run, T.member).length, 0, "no fixed member");
        const groups = ofType(run, T.nlbGroup);
        assert.deepEqual(ofType(run, T.attachment).map((a) => [a.inputs.serverGroupId, a.inputs.type, a.inputs.port]),
            groups.map((g, i) => [`${g.name}.id`, "NLB", [443, 80][i]]));
        assert.equal(run.outputs.edgeAddress, "cn-edge-nlb.dnsName");
        const rule = one(run, T.rule);
        assert.deepEqual([rule.inputs.scalingRuleType, rule.inputs.metricName, rule.inputs.targetValue], ["TargetTrackingScalingRule", "CpuUtilization", 60]);
    });

    it("uses no spot capacity unless spotPercent asks, and installs Logtail on each new edge when logs are shipped", async () => {
        const noSpot = await runScalingStack({ spotPercent: 0, onDemandBase: 0, logService: true });
        assert.deepEqual([one(noSpot, T.group).inputs.onDemandPercentageAboveBaseCapacity, one(noSpot, T.configuration).inputs.spotStrategy], [100, "NoSpot"]);
        assert.match(String(templateParameters(noSpot).commandContent.Default), /user_defined_id/, "Logtail's install follows the bundle's");
        const object = ofType(noSpot, T.object).find((o) => o.inputs.key === "bundles/cn-edge.br85")!;
        assert.deepEqual(decodeBundle(plain(object.rawInputs.content)).after, [], "no spot edge, no watch");
        assert.equal(ofType(noSpot, T.invocation).filter((i) => i.name === "cn-logs-install").length, 0, "no running edge to install on");
    });

    it("writes the group's first boot and haproxy.cfg among the plan's artifacts, as each of its edges gets them", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scaling-artifacts-"));
        try {
            const written = writeInstanceArtifacts(run.resources, dir).map((f) => path.relative(dir, f)).sort();
            assert.deepEqual(written, ["cn-edge-group/haproxy.cfg", "cn-edge-group/user-data.yaml"]);
            assert.match(fs.readFileSync(path.join(dir, "cn-edge-group/haproxy.cfg"), "utf8"), /bind 0\.0\.0\.0:8404/);
            assert.equal(fs.readFileSync(path.join(dir, "cn-edge-group/user-data.yaml"), "utf8"), instanceUserData(one(fixed, ECS_INSTANCE, "cn-edge-1")));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("keeps one ACME certificate for the group in its bucket: any edge orders it when due under a lease, every edge serves and hands it to DCDN", async () => {
        const acme = await runStackProgram("cn", { redirector: false, maxReplicas: 4, minReplicas: 2 });
        const object = ofType(acme, T.object).find((o) => o.inputs.key === "bundles/cn-edge.br85")!;
        const bundle = decodeBundle(plain(object.rawInputs.content));
        const renew = JSON.parse(bundle.files.find((f) => f.path === "/etc/china-edge/renew.json")!.content);
        const bucket = one(acme, "alicloud:oss/bucket:Bucket", "cn-edge-bundles").inputs.bucket;
        assert.deepEqual([renew.source.kind, renew.source.bucket, renew.source.certificate, renew.source.lease, renew.source.acme.dns],
            ["store", bucket, "certificates/site.pem", "certificates/lease.json", "alidns"]);
        assert.equal(renew.source.acme.env.ALICLOUD_RAM_ROLE, "china-edge-cn-cn-edge");
        assert.deepEqual(renew.dcdn.domains, ["example.cn", "www.example.cn"], "each edge hands it to DCDN, once per certificate");
        assert.ok(bundle.after?.some((line) => line.startsWith("systemctl start china-edge-renew.service")), "a new edge fetches it as it joins");
        const statements = JSON.parse(String(one(acme, T.policy, "cn-edge-role-policy").inputs.policyDocument)).Statement;
        assert.deepEqual(statements.find((st: { Resource: string[] }) => st.Resource[0].endsWith("/certificates/*")),
            { Effect: "Allow", Action: ["oss:GetObject", "oss:PutObject", "oss:DeleteObject"], Resource: [`acs:oss:*:*:${bucket}/certificates/*`] });
        assert.equal(ofType(acme, T.invocation).filter((i) => i.name === "dcdn-certificate").length, 0, "no fixed edge to run it on: the edges' hourly runs push it");
    });

    it("leaves the fixed replicas' plan without a scaling group", () => {
        assert.equal(ofType(fixed, T.group).length + ofType(fixed, T.template).length + ofType(fixed, T.hook).length, 0);
        assert.equal(ofType(fixed, T.member).length, 4);
    });

    it("is judged by the policy pack: none mandatory as configured; a burstable type and a small disk refused on the scaling configuration", async () => {
        assert.deepEqual((await analyze(run.resources)).filter((v) => v.level === "mandatory"), []);
        const bad = await runProgram({ project: "china-edge", stack: "bad", config: {} }, async () => {
            const provider = new alicloud.Provider("bad", { region: "cn-shanghai" });
            const net = new RegionalNetwork("bad", { cidrBlock: "10.9.0.0/16", vswitches: [
                { zoneId: "cn-shanghai-l", cidrBlock: "10.9.1.0/24" }, { zoneId: "cn-shanghai-m", cidrBlock: "10.9.2.0/24" }] }, { provider });
            // Components take their input as given; only the stack config refuses these values.
            new EdgeProxy("bad", {
                vpcId: net.vpcId, vpcCidr: "10.9.0.0/16", vswitches: net.vswitches, securityGroupId: net.securityGroupId,
                publicHosts: ["example.cn"], originProxies: [{ name: "o-1", address: "10.20.1.10" }], mirrors: [], httpRedirect: false,
                replicas: 1, scaling: { min: 1, max: 2, cpuPercent: 60, onDemandBase: 1, spotPercent: 0 },
                settings: { instanceType: "ecs.t6-c1m1.large", systemDiskSize: 40, systemDiskCategory: "cloud_essd" },
                adminCidrs: [], eipBandwidthMbps: 5, tls: { kind: "passthrough", verifyOriginCertificate: false },
            }, { provider });
            return {};
        });
        const mandatory = (await analyze(bad.resources)).filter((v) => v.level === "mandatory");
        assert.deepEqual(mandatory.map((v) => [v.policy, v.urn!.split("::").pop()]).sort(), [
            ["minimum-disk-size", "bad-configuration"], ["no-burstable-instances", "bad-configuration"],
        ]);
    });
});

describe("origin proxies as an Auto Scaling group, under mocks", () => {
    const US_GROUP = { maxReplicas: 6, minReplicas: 2, onDemandBase: 1, spotPercent: 50, originEgress: "nat" };
    let us: ProgramRun;
    let cn: ProgramRun;
    let bundle: ReturnType<typeof decodeBundle>;
    before(async () => {
        us = await runStackProgram("us", US_GROUP);
        cn = await runStackProgram("cn", { redirector: false, certificates: "self-signed", dcdn: false, replicas: 2 }, { us: US_GROUP });
        bundle = decodeBundle(plain(ofType(us, T.object).find((o) => o.inputs.key === "bundles/us-origin.br85")!.rawInputs.content));
    });

    it("makes a group of origin proxies behind an internal NLB at a fixed address per zone, which the edges list as their origin proxies", () => {
        assert.equal(ofType(us, ECS_INSTANCE).length, 0);
        const group = one(us, T.group);
        assert.deepEqual([group.inputs.minSize, group.inputs.maxSize, group.inputs.onDemandPercentageAboveBaseCapacity], [2, 6, 50]);
        const nlb = one(us, "alicloud:nlb/loadBalancer:LoadBalancer", "us-origin-nlb");
        assert.equal(nlb.inputs.addressType, "Intranet");
        assert.deepEqual((nlb.inputs.zoneMappings as { zoneId: string; privateIpv4Address: string }[]).map((z) => [z.zoneId, z.privateIpv4Address]),
            [["us-east-1a", "10.20.1.9"], ["us-east-1b", "10.20.2.9"]]);
        assert.deepEqual(us.outputs.originProxies, [{ name: "us-origin-nlb-1", address: "10.20.1.9" }, { name: "us-origin-nlb-2", address: "10.20.2.9" }]);
        const edgeBundle = decodeBundle(plain(ofType(cn, T.object).find((o) => o.inputs.key === "bundles/cn-edge-1.br85")!.rawInputs.content));
        const edgeCfg = edgeBundle.files.find((f) => f.path === "/etc/haproxy/haproxy.cfg")!.content;
        assert.match(edgeCfg, /server us-origin-nlb-1 10\.20\.1\.9:8443 /);
        assert.match(edgeCfg, /server us-origin-nlb-2 10\.20\.2\.9:8443 /);
    });

    it("puts the group in the NLB's server groups for 443, the link and 80, checked on the link's health, and reaches the origin by the NAT gateway", () => {
        const groups = ofType(us, T.nlbGroup);
        assert.deepEqual(groups.map((g) => [g.name, (g.inputs.healthCheck as { healthCheckConnectPort: number; healthCheckUrl: string }).healthCheckConnectPort,
            (g.inputs.healthCheck as { healthCheckUrl: string }).healthCheckUrl, g.inputs.preserveClientIpEnabled]),
        [["us-origin-443", 8406, "/healthz", true], ["us-origin-8443", 8406, "/healthz", true], ["us-origin-80", 8406, "/healthz", true]]);
        assert.deepEqual(ofType(us, T.attachment).map((a) => [a.inputs.serverGroupId, a.inputs.port]), [["us-origin-443.id", 443], ["us-origin-8443.id", 8443], ["us-origin-80.id", 80]]);
        assert.deepEqual(us.outputs.egressIps, ["us-origin-nat-eip.ipAddress"]);
        const linkRules = ofType(us, "alicloud:ecs/securityGroupRule:SecurityGroupRule").filter((r) => r.inputs.portRange === "8443/8443");
        assert.deepEqual(linkRules.map((r) => r.inputs.cidrIp), ["10.10.0.0/16", "10.20.0.0/16"], "the edges' range, and the NLB's own should it not preserve theirs");
        assert.equal(ofType(us, "alicloud:vpc/natGateway:NatGateway").length, 1);
    });

    it("serves one bundle on any host: the link's health on every address, the leave settings of both services, the spot watch", () => {
        const cfg = bundle.files.find((f) => f.path === "/etc/haproxy/haproxy.cfg")!.content;
        assert.match(cfg, /bind 0\.0\.0\.0:8406\n/);
        assert.match(cfg, /http-request return status 503 .*"leaving" if \{ path \/healthz \} \{ str\(leaving\),map\(\/etc\/haproxy\/leaving\.map\) -m found \}/);
        assert.doesNotMatch(cfg, /10\.20\.\d+\.\d+/, "no host's own address");
        assert.deepEqual(bundle.files.find((f) => f.path === "/etc/haproxy/leaving.map")?.content, "");
        const leave = JSON.parse(bundle.files.find((f) => f.path === "/etc/china-edge/leave.json")!.content);
        assert.deepEqual([leave.name, leave.map, leave.leaveSeconds], ["us-origin", "/etc/haproxy/leaving.map", 20]);
        assert.match(leave.softStop.join(" "), /SIGUSR1 .*haproxy; .*SIGQUIT .*nginx/, "HAProxy soft-stopped and nginx shut down gracefully");
        assert.deepEqual(leave.hardStop, ["systemctl", "stop", "haproxy", "nginx"]);
        assert.deepEqual(bundle.after, ["systemctl restart china-edge-spot-watch"]);
        assert.deepEqual([bundle.ready?.passes, bundle.ready?.intervalSeconds], [2, 5], "ready as the NLB's checks would put it in service");
        const params = templateParameters(us, "leave", "us-origin");
        assert.equal(params.commandContent.Default, "#!/bin/sh\n# Rendered by china-edge: leaves the balancer without dropping anyone, then the scale-in goes on.\nset -eu\n/usr/local/sbin/china-edge-leave /etc/china-edge/leave.json\n");
    });

    it("has CloudMonitor watch each host of the group, found by the tag its scaling configuration gives it", () => {
        const tags = one(us, T.configuration).inputs.tags as Record<string, string>;
        assert.deepEqual(tags, { "china-edge-group": "china-edge-us-us-origin" });
        const tagGroup = one(us, "alicloud:cms/dynamicTagGroup:DynamicTagGroup");
        assert.deepEqual([tagGroup.inputs.tagKey, tagGroup.inputs.matchExpresses], ["china-edge-group", [{ tagValue: "china-edge-us-us-origin", tagValueMatchFunction: "equals" }]]);
        const template = one(us, "alicloud:cms/metricRuleTemplate:MetricRuleTemplate");
        assert.deepEqual(tagGroup.inputs.templateIdLists, [`${template.name}.id`]);
        assert.deepEqual(tagGroup.inputs.contactGroupLists, [one(us, "alicloud:cms/alarmContactGroup:AlarmContactGroup").inputs.alarmContactGroupName]);
        const rules = template.inputs.alertTemplates as { ruleName: string; metricName: string; escalations: { critical: { comparisonOperator: string; threshold: string } } }[];
        assert.deepEqual(rules.map((r) => [r.ruleName, r.metricName, r.escalations.critical.comparisonOperator]),
            [["china-edge-us-us-origin-cpu", "CPUUtilization", "GreaterThanThreshold"], ["china-edge-us-us-origin-memory", "memory_usedutilization", "GreaterThanThreshold"]]);
        assert.equal(ofType(us, "alicloud:cms/alarm:Alarm").filter((a) => String(a.inputs.metricDimensions).includes("tag:")).length, 0, "no single-resource rule for it");
    });

    it("exports the group for npm run status and leaves Prometheus no fixed host to scrape", () => {
        const groups = us.outputs.proxyGroups as { name: string; scalingGroupId: string; report: { role: string; metrics: string } }[];
        assert.deepEqual(groups.map((g) => [g.name, g.scalingGroupId, g.report.role, g.report.metrics]),
            [["us-origin", "us-origin-group.id", "origin proxy", "http://127.0.0.1:8406/metrics"]]);
        assert.deepEqual(us.outputs.proxyHosts, []);
    });

    it("keeps the origin proxies' ACME certificate in the group's bucket when the edges pass TLS through", async () => {
        const acme = await runStackProgram("us", { ...US_GROUP, certificates: "acme", acmeEmail: "ops@example.cn" });
        const object = ofType(acme, T.object).find((o) => o.inputs.key === "bundles/us-origin.br85")!;
        const renew = JSON.parse(decodeBundle(plain(object.rawInputs.content)).files.find((f) => f.path === "/etc/china-edge/renew.json")!.content);
        assert.deepEqual([renew.source.kind, renew.source.certificate, renew.files.certificate], ["store", "certificates/site.pem", "/etc/nginx/tls/site.crt"]);
    });
});
