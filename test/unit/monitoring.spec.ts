import { strict as assert } from "assert";
import * as YAML from "yaml";
import { ProgramFailed } from "../../harness/plan/mockEngine";
import { ConfigError } from "../../stacks/config";
import { AlarmThresholds, planAlarms, planProbes, probeTaskName } from "../../components/monitoring/alarmPlan";
import { ofType, one, runStackProgram } from "../helpers";
import { makeTls } from "../tls";

const ALARM = "alicloud:cms/alarm:Alarm";
const PROBE = "alicloud:cms/siteMonitor:SiteMonitor";
const CONTACT = "alicloud:cms/alarmContact:AlarmContact";
const GROUP = "alicloud:cms/alarmContactGroup:AlarmContactGroup";
const THRESHOLDS: AlarmThresholds = { cpuPercent: 70, memoryPercent: 90, bandwidthPercent: 75, probeAvailabilityPercent: 95, probeResponseMs: 2000 };
const WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token=abc123";

function issueKeys(err: unknown): string[] {
    const cause = err instanceof ProgramFailed ? err.cause : err;
    assert.ok(cause instanceof ConfigError, `expected a ConfigError, got ${cause}`);
    return cause.issues.map((i) => `${i.key}=${i.value}`);
}

describe("monitoring", function () {
    this.timeout(60_000);

    describe("the alarm plan", () => {
        it("watches each instance's CPU and memory (a scaling group's hosts by their tag), each EIP and NLB, both directions of the link and each probe, with the thresholds given", () => {
            const alarms = planAlarms({
                instances: [{ name: "edge-1", id: "i-1" }, { name: "edge-2", id: "i-2" }],
                groups: [{ name: "origin", tag: { key: "china-edge-group", value: "china-edge-us-origin" } }],
                eips: [{ name: "eip", id: "eip-1" }],
                loadBalancers: [{ name: "nlb", id: "nlb-1" }],
                crossBorder: { cenId: "cen-1", regions: ["cn-shanghai", "us-east-1"] },
                probes: [{ name: "example.cn", id: "task-1", intervalMinutes: 5 }],
            }, THRESHOLDS);
            const line = (a: (typeof alarms)[number]) => `${a.name} ${a.project}/${a.metric} ${JSON.stringify(a.dimensions)} ${a.statistics} ${a.comparison} ${a.threshold} ×${a.times}/${a.periodSeconds}s`;
            assert.deepEqual(alarms.map(line), [
                `edge-1-cpu acs_ecs_dashboard/CPUUtilization {"instanceId":"i-1"} Average > 70 ×3/60s`,
                `edge-1-memory acs_ecs_dashboard/memory_usedutilization {"instanceId":"i-1"} Average > 90 ×3/60s`,
                `edge-2-cpu acs_ecs_dashboard/CPUUtilization {"instanceId":"i-2"} Average > 70 ×3/60s`,
                `edge-2-memory acs_ecs_dashboard/memory_usedutilization {"instanceId":"i-2"} Average > 90 ×3/60s`,
                `origin-cpu acs_ecs_dashboard/CPUUtilization {"tag:china-edge-group":"china-edge-us-origin"} Average > 70 ×3/60s`,
                `origin-memory acs_ecs_dashboard/memory_usedutilization {"tag:china-edge-group":"china-edge-us-origin"} Average > 90 ×3/60s`,
                `eip-bandwidth acs_vpc_eip/net_out.rate_percentage {"instanceId":"eip-1"} Average > 75 ×3/60s`,
                `nlb-dropped acs_nlb/InstanceDropConnection {"instanceId":"nlb-1"} Average > 0 ×3/60s`,
                `cross-border-cn-shanghai-to-us-east-1 acs_cen/InternetOutRatePercentByConnectionRegion {"cenId":"cen-1","localRegionId":"cn-shanghai","oppositeRegionId":"us-east-1"} Value > 75 ×3/60s`,
                `cross-border-us-east-1-to-cn-shanghai acs_cen/InternetOutRatePercentByConnectionRegion {"cenId":"cen-1","localRegionId":"us-east-1","oppositeRegionId":"cn-shanghai"} Value > 75 ×3/60s`,
                `probe-example.cn-availability acs_networkmonitor/Availability {"taskId":"task-1"} Average < 95 ×2/300s`,
                `probe-example.cn-response-time acs_networkmonitor/ResponseTime {"taskId":"task-1"} Average > 2000 ×2/300s`,
            ]);
        });

        it("probes each public name and each old name for an answer, under names CloudMonitor accepts", () => {
            const probes = planProbes("cn", ["example.cn"], ["example.com"], [{ isp: "5", city: "428" }], 5);
            assert.deepEqual(probes.map((p) => [p.taskName, p.url]), [
                ["china_edge_cn_example_cn", "https://example.cn/"],
                ["china_edge_cn_example_com", "https://example.com/"],
            ]);
            const long = probeTaskName("a-very-long-stack-name", `${"x".repeat(90)}.example.cn`);
            assert.ok(/^[A-Za-z0-9_]{4,100}$/.test(long), long);
        });
    });

    describe("the cn stack under mocks", () => {
        it("makes a probe per public name, alarms notifying one contact group of every configured contact, the webhook kept secret", async () => {
            const run = await runStackProgram("cn", {
                alarmEmails: ["ops@example.cn", "oncall@example.cn"], alarmDingTalkWebhook: WEBHOOK,
                probePoints: ["5:428", "232:4"], probeIntervalMinutes: 5, alarmCpuPercent: 65, alarmDcdnErrorPercent: 3,
            }, { secrets: ["alarmDingTalkWebhook"] });
            const contacts = ofType(run, CONTACT);
            assert.deepEqual(contacts.map((c) => c.inputs.channelsMail ?? c.inputs.channelsDingWebHook),
                ["ops@example.cn", "oncall@example.cn", "[secret]"]);
            assert.ok(!JSON.stringify(run.resources.map((r) => r.inputs)).includes("abc123"), "the webhook's token must not appear in plain text");
            const group = one(run, GROUP);
            assert.deepEqual(group.inputs.contacts, contacts.map((c) => c.inputs.alarmContactName));

            const probes = ofType(run, PROBE);
            assert.deepEqual(probes.map((p) => p.inputs.address), ["https://example.cn/", "https://www.example.cn/"]);
            assert.deepEqual(probes[0].inputs.ispCities, [{ isp: "5", city: "428" }, { isp: "232", city: "4" }]);
            assert.equal(probes[0].inputs.interval, "5");
            assert.deepEqual((probes[0].inputs.optionJson as { assertions: unknown[] }).assertions,
                [{ type: "status_code", operator: "lessThan", target: "400" }], "what the API can check: no header name in an assertion");

            const alarms = ofType(run, ALARM);
            assert.ok(alarms.every((a) => JSON.stringify(a.inputs.contactGroups) === JSON.stringify([group.inputs.alarmContactGroupName])));
            const cpu = alarms.find((a) => a.inputs.metric === "CPUUtilization")!;
            assert.deepEqual(cpu.inputs.escalationsCritical, { statistics: "Average", comparisonOperator: ">", threshold: "65", times: 3 });
            assert.equal(cpu.inputs.metricDimensions, JSON.stringify([{ instanceId: "cn-edge-1.id" }]));
            const availability = alarms.filter((a) => a.inputs.metric === "Availability");
            assert.deepEqual(availability.map((a) => a.inputs.metricDimensions),
                probes.map((p) => JSON.stringify([{ taskId: `${p.name}.id` }])));

            const exported = run.outputs.monitoring as { contacts: string[]; alarms: { name: string }[]; probes: { points: string[] }[]; dcdn?: object };
            assert.deepEqual(exported.contacts, ["ops@example.cn", "oncall@example.cn", "DingTalk robot (webhook kept secret)"]);
            assert.deepEqual(exported.dcdn, { domains: ["example.cn", "www.example.cn"], errorPercent: 3 }, "what npm run status asks DCDN, and its limit");
            assert.equal(exported.alarms.length, alarms.length);
            assert.deepEqual(exported.probes[0].points, ["5:428", "232:4"]);
        });

        it("watches the NLB instead of an EIP when several edges serve, and probes the old names when their mainland records are made", async () => {
            const old = makeTls(["example.com", "www.example.com"]);
            const run = await runStackProgram("cn", {
                replicas: 2, dcdn: false, oldDomainDns: true, redirectorTlsCertificate: old.certificate, redirectorTlsPrivateKey: old.privateKey,
            }, { secrets: ["redirectorTlsPrivateKey"] });
            const metrics = ofType(run, ALARM).map((a) => a.inputs.metric);
            assert.equal(metrics.filter((m) => m === "InstanceDropConnection").length, 1);
            assert.equal(metrics.filter((m) => m === "net_out.rate_percentage").length, 0);
            assert.equal(metrics.filter((m) => m === "CPUUtilization").length, 2);
            assert.equal((run.outputs.monitoring as { dcdn?: object }).dcdn, undefined, "no DCDN to ask when it is off");
            assert.deepEqual(ofType(run, PROBE).map((p) => p.inputs.address).sort(),
                ["https://example.cn/", "https://example.com/", "https://www.example.cn/", "https://www.example.com/"]);
            // Prometheus in the VPC scrapes every edge's HAProxy and node exporter at its fixed private address.
            const scrape = YAML.parse((run.outputs.prometheus as { scrape: string }).scrape) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
            const edges = run.outputs.edgePrivateIps as string[];
            assert.equal(edges.length, 2);
            assert.deepEqual(scrape.scrape_configs.map((j) => [j.job_name, j.static_configs[0].targets]), [
                ["china-edge-cn-haproxy", edges.map((ip) => `${ip}:8404`)], ["china-edge-cn-node", edges.map((ip) => `${ip}:9100`)],
            ]);
        });

        it("makes nothing of CloudMonitor when monitoring is off", async () => {
            const run = await runStackProgram("cn", { monitoring: false });
            assert.deepEqual(run.resources.filter((r) => r.type.startsWith("alicloud:cms/")), []);
            assert.equal(run.outputs.monitoring, undefined);
            assert.equal(run.outputs.prometheus, undefined);
        });
    });

    it("the us stack watches each origin proxy and its egress EIP, or the NAT gateway's", async () => {
        const eips = await runStackProgram("us", { replicas: 2, alarmOriginErrorPercent: 2, alarmCertificateDays: 7 });
        const addresses = (eips.outputs.originProxies as { address: string }[]).map((o) => o.address);
        const prometheus = eips.outputs.prometheus as { scrape: string; rules: string };
        assert.deepEqual((YAML.parse(prometheus.scrape) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] }).scrape_configs
            .map((j) => [j.job_name, j.static_configs[0].targets]),
        [["china-edge-us-origin-haproxy", addresses.map((a) => `${a}:8406`)], ["china-edge-us-node", addresses.map((a) => `${a}:9100`)]]);
        assert.match(prometheus.rules, /> 2\n/, "the origin proxies' 5xx share from alarmOriginErrorPercent");
        assert.match(prometheus.rules, /\/ 86400 < 7\n/, "the certificate's days from alarmCertificateDays");
        assert.equal((eips.outputs.monitoring as { certificateDays: number }).certificateDays, 7, "and npm run status judges by the same");
        assert.deepEqual(ofType(eips, ALARM).map((a) => a.inputs.metric).sort(),
            ["CPUUtilization", "CPUUtilization", "memory_usedutilization", "memory_usedutilization", "net_out.rate_percentage", "net_out.rate_percentage"]);
        const nat = await runStackProgram("us", { replicas: 2, originEgress: "nat" });
        assert.deepEqual(ofType(nat, ALARM).filter((a) => a.inputs.metric === "net_out.rate_percentage").map((a) => a.inputs.metricDimensions),
            [JSON.stringify([{ instanceId: "us-origin-nat-eip.id" }])]);
    });

    it("refuses contacts and probe points it cannot use, naming each", async () => {
        await assert.rejects(runStackProgram("cn", {
            alarmEmails: ["ops@example.cn", "not-an-address"], alarmDingTalkWebhook: WEBHOOK, probePoints: ["telecom:shanghai"],
            probeIntervalMinutes: 2, alarmCertificateDays: 30,
        }), (err: unknown) => {
            assert.deepEqual(issueKeys(err).sort(), [
                "alarmCertificateDays=30", "alarmDingTalkWebhook=[plain text]", "alarmEmails=not-an-address", "probeIntervalMinutes=2", "probePoints=telecom:shanghai",
            ]);
            return true;
        });
    });

    describe("access logs shipped to Simple Log Service", () => {
        const LOG = "alicloud:log/";
        const installScript = (run: Awaited<ReturnType<typeof runStackProgram>>) => {
            const install = ofType(run, "alicloud:ecs/command:Command").find((c) => String(c.inputs.name).endsWith("-logtail"))!;
            return Buffer.from(String(install.inputs.commandContent), "base64").toString();
        };

        it("cn: a project and logstore, the edges as a machine group by their identifier, HAProxy's journal lines collected, Logtail installed in place", async () => {
            const run = await runStackProgram("cn", { replicas: 2, logService: true, logRetentionDays: 7 });
            const project = one(run, `${LOG}project:Project`);
            // Unique across accounts: the stack's name and a random suffix.
            const suffix = ofType(run, "random:index/randomString:RandomString").find((r) => r.name === "cn-logs-suffix");
            assert.ok(suffix, "a random suffix");
            assert.match(String(project.inputs.projectName), /^china-edge-cn-\S+$/);
            assert.equal(one(run, `${LOG}store:Store`).inputs.retentionPeriod, 7);
            const group = one(run, `${LOG}machineGroup:MachineGroup`);
            assert.deepEqual([group.inputs.identifyType, group.inputs.identifyLists], ["userdefined", ["china-edge-cn-edge"]]);
            const collection = one(run, `${LOG}logTailConfig:LogTailConfig`);
            assert.equal(collection.inputs.inputType, "plugin");
            const plugin = (JSON.parse(String(collection.inputs.inputDetail)) as { plugin: { inputs: { type: string; detail: { Units: string[] } }[] } }).plugin;
            assert.deepEqual(plugin.inputs.map((i) => [i.type, i.detail.Units]), [["service_journal", ["haproxy.service"]]]);
            const attachment = one(run, `${LOG}logTailAttachment:LogTailAttachment`);
            assert.deepEqual([attachment.inputs.logtailConfigName, attachment.inputs.machineGroupName], [collection.inputs.name, group.inputs.name]);

            const script = installScript(run);
            assert.match(script, /printf '%s\\n' 'china-edge-cn-edge' > \/etc\/ilogtail\/user_defined_id/, "the identifier the group matches");
            assert.match(script, /logtail-release-cn-shanghai\.oss-cn-shanghai-internal\.aliyuncs\.com\/linux64\/logtail\.sh/);
            assert.match(script, /install cn-shanghai\n/);
            const invocation = ofType(run, "alicloud:ecs/ecsInvocation:EcsInvocation").find((i) => i.name.endsWith("-logs-install"))!;
            assert.deepEqual(invocation.inputs.instanceIds, ["cn-edge-1.id", "cn-edge-2.id"], "every edge, by Cloud Assistant");
            assert.deepEqual(run.outputs.logs, { project: project.inputs.projectName, logstore: "access", retentionDays: 7 });
        });

        it("us: nginx's JSON access log file of each origin proxy; nothing at all when logService is off (the default)", async () => {
            const run = await runStackProgram("us", { replicas: 2, logService: true });
            const collection = one(run, `${LOG}logTailConfig:LogTailConfig`);
            assert.equal(collection.inputs.inputType, "file");
            const detail = JSON.parse(String(collection.inputs.inputDetail)) as { logType: string; logPath: string; filePattern: string };
            assert.deepEqual([detail.logType, `${detail.logPath}/${detail.filePattern}`], ["json_log", "/var/log/nginx/access.log"]);
            assert.deepEqual(one(run, `${LOG}machineGroup:MachineGroup`).inputs.identifyLists, ["china-edge-us-origin"]);
            assert.equal(one(run, `${LOG}store:Store`).inputs.retentionPeriod, 30, "a month by default");
            assert.match(installScript(run), /install us-east-1\n/);

            const off = await runStackProgram("us", {});
            assert.deepEqual(off.resources.filter((r) => r.type.startsWith(LOG)), []);
            assert.equal(off.outputs.logs, undefined);
            await assert.rejects(runStackProgram("us", { logService: true, logRetentionDays: 0 }), (err: unknown) => {
                assert.deepEqual(issueKeys(err), ["logRetentionDays=0"]);
                return true;
            });
        });
    });
});
