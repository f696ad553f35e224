// `npm run status -- --stack` against stand-ins for ECS (Cloud Assistant), CloudMonitor and DCDN on loopback, with the
// outputs the real programs export (planned under the mock engine); and the report script run for real.
import { strict as assert } from "assert";
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { REPORT_TOOL_SOURCE, ReportSettings, ReportedHost, parseReport, renderReportScript } from "../../components/render/shared/report";
import { runScript, runStackProgram } from "../helpers";
import { ApiCall, FAKE_CREDENTIALS, FakeOpenApi } from "../fakeOpenApi";
import { StackStatus, formatStatus, hostProblems, stackStatus } from "../../harness/status/verdict";
import { makeTls } from "../tls";
import { THIRD_PARTY_HOSTS } from "../../components/thirdParty/hosts";

const DAY = 86_400;

/** The settings a report script carries. */
function carried(script: string): ReportSettings {
    return JSON.parse(/<<'CHINA_EDGE_REPORT_SETTINGS'\n(.*)\nCHINA_EDGE_REPORT_SETTINGS\n/.exec(script)![1]) as ReportSettings;
}

/** What each host "reports" through the stand-in: a function of its carried settings, or how its run fails. */
type HostAnswer = { report: (s: ReportSettings) => object } | { fails: { status: string; code: string; info: string } };

/**
 * ECS and CloudMonitor as their API references document them: RunCommand returns an InvokeId; DescribeInvocationResults
 * says Running once, then the final state with the output in Base64; DescribeMetricLast returns Datapoints as a JSON
 * string; DescribeMetricRuleList the rules in ALARM; DescribeDcdnDomainRealTimeHttpCodeData each minute's count per
 * status code, here 3 minutes of `codes` (code → count) per domain.
 */
function fakeCloud(answer: (instanceId: string) => HostAnswer, firing: string[], codes: (domain: string) => Record<string, number> = () => ({ 200: 990, 502: 10 })): FakeOpenApi {
    const invocations = new Map<string, { instanceId: string; script: string; asked: number }>();
    return new FakeOpenApi((call: ApiCall) => {
        const p = call.params;
        switch (call.action) {
            case "RunCommand": {
                const id = `t-${invocations.size + 1}`;
                invocations.set(id, { instanceId: p["InstanceId.1"], script: Buffer.from(p.CommandContent, "base64").toString(), asked: 0 });
                return { body: { InvokeId: id, CommandId: `c-${id}` } };
            }
            case "DescribeInvocationResults": {
                const inv = invocations.get(p.InvokeId)!;
                const a = answer(inv.instanceId);
                const base = { InstanceId: inv.instanceId, InvokeId: p.InvokeId };
                const result = inv.asked++ === 0 ? { ...base, InvocationStatus: "Running", Output: "" }
                    : "fails" in a ? { ...base, InvocationStatus: a.fails.status, ExitCode: 0, ErrorCode: a.fails.code, ErrorInfo: a.fails.info, Output: "" }
                        : { ...base, InvocationStatus: "Success", ExitCode: 0, Output: Buffer.from(`${JSON.stringify(a.report(carried(inv.script)))}\n`).toString("base64") };
                return { body: { Invocation: { InvocationResults: { InvocationResult: [result] } } } };
            }
            case "DescribeMetricLast": {
                const [{ taskId }] = JSON.parse(p.Dimensions) as { taskId: string }[];
                const value = p.MetricName === "Availability" ? { Availability: 100 } : { ResponseTime: 850 };
                return { body: { Success: true, Datapoints: JSON.stringify([{ timestamp: 1_795_000_000_000, taskId, ...value }]) } };
            }
            case "DescribeDcdnDomainRealTimeHttpCodeData": {
                const minute = (m: number) => ({
                    TimeStamp: new Date(Date.parse(p.StartTime) + m * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
                    Value: { RealTimeCodeProportionData: Object.entries(codes(p.DomainName)).map(([Code, n]) => ({ Code, Count: String(n), Proportion: "0" })) },
                });
                return { body: { DomainName: p.DomainName, DataInterval: "60", RealTimeHttpCodeData: { UsageData: [0, 1, 2].map(minute) } } };
            }
            case "DescribeScalingInstances":
                return { body: { TotalCount: 2, ScalingInstances: { ScalingInstance: ["i-g1", "i-g2"].map((InstanceId) => ({ InstanceId, LifecycleState: p.LifecycleState })) } } };
            case "DescribeMetricRuleList":
                return { body: { Success: true, Total: String(firing.length), Alarms: { Alarm: firing.map((RuleName) => ({ RuleName, AlertState: "ALARM", MetricName: "Availability" })) } } };
            default:
                return { error: "InvalidAction.NotFound", message: `${call.action} is not served here` };
        }
    });
}

function well(s: ReportSettings): object {
    return {
        name: s.name, active: true, healthy: true,
        role: s.role,
        ...(s.role === "edge" ? { backends: [{ backend: "be_origin", server: "us-origin-1", state: "UP" }] }
            : { backends: ["be_pages", "be_websockets"].map((backend) => ({ backend, server: "nginx", state: "UP" })), connections: 12 }),
        ...(s.certificate ? { certificate: { notAfter: Math.floor(Date.now() / 1000) + 60 * DAY, issuer: "C=US, O=Let's Encrypt, CN=R11", names: ["example.cn"] } } : {}),
        ...(s.reach ? { reach: s.reach.map((host, i) => ({ host, status: 200, ms: 100 + i })) } : {}),
    };
}

function status(endpoint: string, ...args: string[]): ReturnType<typeof runScript> {
    return runScript("status", args, {
        CHINA_EDGE_ECS_ENDPOINT: endpoint, CHINA_EDGE_CMS_ENDPOINT: endpoint, CHINA_EDGE_DCDN_ENDPOINT: endpoint, CHINA_EDGE_ESS_ENDPOINT: endpoint, ...FAKE_CREDENTIALS,
    });
}

describe("npm run status -- --stack (Cloud Assistant, CloudMonitor and DCDN stand-ins)", function () {
    this.timeout(120_000);
    let dir = "";
    let us: Record<string, unknown>;
    let cn: Record<string, unknown>;
    const hostsOf = (outputs: Record<string, unknown>) => outputs.proxyHosts as ReportedHost[];

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-"));
        const monitoring = { monitoring: true, alarmEmails: ["ops@example.com"] };
        us = (await runStackProgram("us", { ...monitoring, replicas: 2 })).outputs;
        cn = (await runStackProgram("cn", monitoring, { us: { ...monitoring, replicas: 2 } })).outputs;
        fs.writeFileSync(path.join(dir, "us.json"), JSON.stringify(us));
        fs.writeFileSync(path.join(dir, "cn.json"), JSON.stringify(cn));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the stacks export each proxy host's instance and what its report reads there", () => {
        assert.deepEqual(hostsOf(us).map((h) => h.name), ["us-origin-1", "us-origin-2"]);
        assert.deepEqual(hostsOf(cn).map((h) => h.name), ["cn-edge-1"]);
        const [edge] = hostsOf(cn);
        assert.match(edge.instanceId, /\S/);
        assert.deepEqual(edge.report.active, ["systemctl", "is-active", "--quiet", "haproxy"]);
        assert.match(edge.report.metrics!, /^http:\/\/10\.\d+\.\d+\.\d+:8404\/metrics$/);
        assert.deepEqual([edge.report.role, ...hostsOf(us).map((h) => h.report.role)], ["edge", "origin proxy", "origin proxy"]);
        // Each origin proxy's own exporter, on its private address: the HAProxy ending the link, and its nginx behind.
        assert.ok(hostsOf(us).every((h) => /^http:\/\/10\.\d+\.\d+\.\d+:8406\/metrics$/.test(h.report.metrics!)), JSON.stringify(hostsOf(us)[0].report));
        assert.ok(hostsOf(us).every((h) => h.report.connections && h.report.certificate && h.report.health.includes("--haproxy-protocol")));
        // The origin proxies reach what they relay; the edges, in China, the mirrors visitors use.
        const relayed = THIRD_PARTY_HOSTS.filter((t) => t.treatment === "relay").map((t) => t.host);
        assert.ok(relayed.length >= 8);
        assert.ok(hostsOf(us).every((h) => JSON.stringify(h.report.reach) === JSON.stringify(relayed)), JSON.stringify(hostsOf(us)[0].report));
        assert.deepEqual(edge.report.reach, ["www.recaptcha.net"]);
        assert.equal(edge.report.reachVia, undefined, "only the lab sends them elsewhere");
    });

    it("runs the report on every host of both stacks through Cloud Assistant, and shows each with the probes: all well, exit 0", async () => {
        const fake = fakeCloud(() => ({ report: well }), []);
        const endpoint = await fake.start();
        try {
            const r = await status(endpoint, "--stack", "all", "--outputs", dir);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /us-origin-2 +up, nginx up behind the link's HAProxy, 12 connections, certificate until \d{4}-\d{2}-\d{2} \((59|60) days, R11\)/);
            assert.match(r.stdout, /cn-edge-1 +up, origin proxies 1\/1 up.*, third parties 1\/1 answer \(slowest 100 ms\)/);
            const relayed = hostsOf(us)[0].report.reach!.length;
            assert.match(r.stdout, new RegExp(`us-origin-1 .*, third parties ${relayed}/${relayed} answer \\(slowest ${100 + relayed - 1} ms\\)`));
            assert.match(r.stdout, /probe https:\/\/www\.example\.cn\/: 100% available, 850 ms/);
            assert.match(r.stdout, /alarms: none firing/);
            assert.match(r.stdout, /dcdn www\.example\.cn: 1% 5xx of 3000 answers in the latest 15 min/);
            assert.match(r.stdout, /All well\./);

            const runs = fake.calls.filter((c) => c.action === "RunCommand");
            const expected = [...hostsOf(us).map((h) => ({ h, region: us.region })), ...hostsOf(cn).map((h) => ({ h, region: cn.region }))];
            assert.equal(runs.length, expected.length);
            for (const { h, region } of expected) {
                const run = runs.find((c) => c.params["InstanceId.1"] === h.instanceId)!;
                assert.ok(run && run.signed, `${h.name} asked with signed credentials`);
                assert.deepEqual([run.params.RegionId, run.params.Type, run.params.ContentEncoding], [region, "RunShellScript", "Base64"]);
                const script = Buffer.from(run.params.CommandContent, "base64").toString();
                assert.deepEqual(carried(script), h.report, "the settings the stack exported travel to the host");
                assert.ok(script.includes(REPORT_TOOL_SOURCE.trimEnd()), "the tool travels with them");
            }
            const probes = (cn.monitoring as { probes: { taskId: string }[] }).probes;
            const asked = fake.calls.filter((c) => c.action === "DescribeMetricLast").map((c) => `${c.params.Namespace}/${c.params.MetricName} ${c.params.Dimensions}`);
            for (const p of probes) {
                assert.ok(asked.includes(`acs_networkmonitor/Availability [{"taskId":"${p.taskId}"}]`), asked.join("\n"));
            }
            const dcdn = fake.calls.filter((c) => c.action === "DescribeDcdnDomainRealTimeHttpCodeData");
            assert.deepEqual(dcdn.map((c) => c.params.DomainName).sort(), [...cn.publicHosts as string[]].sort(), "each public name DCDN serves");
            for (const c of dcdn) {
                assert.equal(Date.parse(c.params.EndTime) - Date.parse(c.params.StartTime), 15 * 60_000, "the latest 15 minutes");
                assert.ok(c.signed);
            }
            const rules = fake.calls.filter((c) => c.action === "DescribeMetricRuleList");
            assert.deepEqual(rules.map((c) => [c.params.AlertState, c.params.RuleName]).sort(), [["ALARM", "china-edge-cn-"], ["ALARM", "china-edge-us-"]]);
        } finally {
            await fake.stop();
        }
    });

    it("reads each edge a scaling group has in service, listed by Auto Scaling when it runs, with the group's report", async () => {
        const scaling = (await runStackProgram("cn", { maxReplicas: 4, minReplicas: 2 }, { us: { replicas: 2 } })).outputs;
        const groups = scaling.proxyGroups as { name: string; scalingGroupId: string; report: ReportSettings }[];
        assert.deepEqual(groups.map((g) => [g.name, g.scalingGroupId, g.report.metrics]), [["cn-edge", "cn-edge-group.id", "http://127.0.0.1:8404/metrics"]]);
        assert.deepEqual(scaling.proxyHosts, [], "no fixed edge");
        const groupDir = fs.mkdtempSync(path.join(os.tmpdir(), "status-group-"));
        fs.writeFileSync(path.join(groupDir, "cn.json"), JSON.stringify(scaling));
        const fake = fakeCloud((id) => (id === "i-g2" ? { fails: { status: "Failed", code: "InstanceNotRunning", info: "the instance is stopping" } } : { report: well }), []);
        const endpoint = await fake.start();
        try {
            const r = await status(endpoint, "--stack", "cn", "--outputs", groupDir);
            assert.equal(r.code, 1, r.stdout + r.stderr);
            assert.match(r.stdout, /cn-edge\/i-g1 +up, origin proxies 1\/1 up/);
            assert.match(r.stdout, /cn-edge\/i-g2 .*InstanceNotRunning/);
            const listed = fake.calls.filter((c) => c.action === "DescribeScalingInstances");
            assert.deepEqual(listed.map((c) => [c.params.RegionId, c.params.ScalingGroupId, c.params.LifecycleState, c.signed]), [["cn-shanghai", "cn-edge-group.id", "InService", true]]);
            const runs = fake.calls.filter((c) => c.action === "RunCommand").map((c) => c.params["InstanceId.1"]).sort();
            assert.deepEqual(runs, ["i-g1", "i-g2"]);
        } finally {
            await fake.stop();
            fs.rmSync(groupDir, { recursive: true, force: true });
        }
    });

    it("a host Cloud Assistant cannot run on, an origin proxy down at the edge, a firing alarm and DCDN answering 5xx each make a problem: exit 1", async () => {
        const [first, second] = hostsOf(us);
        const fake = fakeCloud((id) => id === second.instanceId
            ? { fails: { status: "Failed", code: "InstanceNotRunning", info: "the instance is not running" } }
            : { report: (s) => s.role === "edge" ? { ...well(s), backends: [{ backend: "be_origin", server: first.name, state: "DOWN" }] }
                : { ...well(s), backends: ["be_pages", "be_websockets"].map((backend) => ({ backend, server: "nginx", state: "DOWN" })),
                    reach: [{ host: "cdn.jsdelivr.net", error: "no answer within 5 s" }] } },
        ["china-edge-cn-probe-www.example.cn-availability"], (domain): Record<string, number> => domain === "example.cn" ? { 200: 920, 503: 60, 504: 20 } : { 200: 1000, 404: 50 });
        const endpoint = await fake.start();
        try {
            const r = await status(endpoint, "--stack", "all", "--outputs", dir, "--json");
            assert.equal(r.code, 1, r.stderr);
            const statuses = JSON.parse(r.stdout) as StackStatus[];
            assert.deepEqual(statuses.map((s) => s.stack), ["us", "cn"]);
            const problems = statuses.flatMap((s) => s.problems);
            const availability = (cn.monitoring as { alarms: { name: string; summary: string }[] }).alarms.find((a) => a.name === "probe-www.example.cn-availability");
            assert.ok(availability, "the plan has the probe's availability alarm");
            assert.deepEqual(problems, [
                `${first.name}: nginx is DOWN in be_pages, be_websockets`,
                `${first.name}: cdn.jsdelivr.net does not answer (no answer within 5 s)`,
                `${second.name}: cannot be asked (Cloud Assistant on ${second.instanceId}: Failed, exit 0: InstanceNotRunning: the instance is not running)`,
                `cn-edge-1: ${first.name} is DOWN in be_origin`,
                `alarm: ${availability.summary}`,
                "DCDN example.cn: 8% of its answers were 5xx (more than 5%)",
            ]);
        } finally {
            await fake.stop();
        }
    });

    it("refuses outputs it cannot use and bad arguments, exit 2, saying what to do", async () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "status-"));
        fs.writeFileSync(path.join(empty, "cn.json"), JSON.stringify({ region: "cn-shanghai" }));
        try {
            const cases: [string[], RegExp][] = [
                [["--stack", "us", "--outputs", empty], /no us\.json there \(write it with `pulumi stack output --stack us --json > /],
                [["--stack", "cn", "--outputs", empty], /the cn stack exports no proxyHosts: it was deployed by an earlier version of this program or not at all/],
                [["--stack", "eu"], /--stack "eu" is not a stack: expected cn, us or all/],
                [["--stack", "cn", "--lab"], /--lab and --stack are two different places to ask: pass one/],
                [[], /--stack or --lab is missing/],
            ];
            for (const [args, message] of cases) {
                const r = await status("http://127.0.0.1:9", ...args);
                assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
                assert.match(r.stderr, message);
            }
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
    });
});

describe("the report script (what Cloud Assistant runs on a host)", () => {
    it("runs its tool with its settings under sh and prints the report, leaving nothing behind", () => {
        const before = fs.readdirSync(os.tmpdir()).length;
        const script = renderReportScript({ name: "probe-host", role: "edge", active: ["true"], health: ["false"] });
        const r = spawnSync("sh", ["-c", script], { encoding: "utf8" });
        const report = parseReport(r.stdout);
        assert.deepEqual(report && { name: report.name, role: report.role, active: report.active, healthy: report.healthy },
            { name: "probe-host", role: "edge", active: true, healthy: false }, r.stdout + r.stderr);
        assert.equal(fs.readdirSync(os.tmpdir()).length, before);
    });
});

describe("the report tool's reach of third-party hosts (HTTPS on loopback)", function () {
    this.timeout(30_000);
    it("gives each host's status and time, or why it did not answer: silent, refused, a certificate for another name", async () => {
        const tls = makeTls(["fonts.googleapis.com", "www.recaptcha.net"]);
        const answering = https.createServer({ cert: tls.certificate, key: tls.privateKey }, (req, res) => {
            res.writeHead(req.headers.host === "www.recaptcha.net" ? 404 : 200).end();
        });
        const silent = net.createServer(() => undefined);
        const closed = net.createServer();
        await Promise.all([answering, silent, closed].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
        const at = (s: net.Server) => `127.0.0.1:${(s.address() as AddressInfo).port}`;
        const refused = at(closed);
        await new Promise<void>((r) => closed.close(() => r()));
        const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), "reach-"));
        const socket = path.join(socketDir, "stand-in.sock");
        const unix = net.createServer((c) => {
            const u = net.connect({ host: "127.0.0.1", port: (answering.address() as AddressInfo).port });
            c.pipe(u).pipe(c);
            for (const end of [c, u]) {
                end.on("error", () => { c.destroy(); u.destroy(); });
            }
        });
        await new Promise<void>((r) => unix.listen(socket, r));
        try {
            const reach = ["fonts.googleapis.com", "www.recaptcha.net", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "www.gstatic.com", "fonts.gstatic.com"];
            const settings: ReportSettings = {
                name: "us-origin-1", role: "origin proxy", active: ["true"], health: ["true"], reach, reachCa: tls.caFile,
                reachVia: {
                    "fonts.googleapis.com": at(answering), "www.recaptcha.net": socket, "cdn.jsdelivr.net": at(silent),
                    "cdnjs.cloudflare.com": refused, "www.gstatic.com": at(answering), "fonts.gstatic.com": path.join(socketDir, "none.sock"),
                },
            };
            const started = Date.now();
            const run = await new Promise<string>((resolve) => execFile("sh", ["-c", renderReportScript(settings)], (_e, out) => resolve(out)));
            const seconds = (Date.now() - started) / 1000;
            const report = parseReport(run)!;
            const byHost = Object.fromEntries(report.reach!.map(({ host, ...rest }) => [host, rest]));
            assert.deepEqual(report.reach!.map((r) => r.host), reach, "in the order asked");
            assert.equal(byHost["fonts.googleapis.com"].status, 200);
            assert.ok(typeof byHost["fonts.googleapis.com"].ms === "number");
            assert.equal(byHost["www.recaptcha.net"].status, 404, "any HTTP answer counts, here through a unix socket");
            assert.equal(byHost["cdn.jsdelivr.net"].error, "no answer within 5 s");
            assert.match(byHost["cdnjs.cloudflare.com"].error!, /refused/i);
            assert.match(byHost["www.gstatic.com"].error!, /CERTIFICATE_VERIFY_FAILED|match/, "the certificate must name the host");
            assert.match(byHost["fonts.gstatic.com"].error!, /No such file/);
            assert.ok(seconds < 15, `hosts are asked side by side: ${seconds} s`);
            assert.deepEqual(hostProblems(report, Date.now()), [
                "us-origin-1: cdn.jsdelivr.net does not answer (no answer within 5 s)",
                `us-origin-1: cdnjs.cloudflare.com does not answer (${byHost["cdnjs.cloudflare.com"].error})`,
                `us-origin-1: www.gstatic.com does not answer (${byHost["www.gstatic.com"].error})`,
                `us-origin-1: fonts.gstatic.com does not answer (${byHost["fonts.gstatic.com"].error})`,
            ]);
            assert.match(formatStatus([stackStatus("us", [report], Date.now())], Date.now()), /us-origin-1 +up, third parties 2\/6 answer \(slowest \d+ ms\)/);
        } finally {
            for (const s of [answering, silent, unix]) {
                s.close();
            }
            silent.unref();
            fs.rmSync(socketDir, { recursive: true, force: true });
        }
    });
});

describe("the status verdict on a certificate", () => {
    it("counts one with fewer days left than the stack's alarmCertificateDays a problem, 14 by default", () => {
        const now = Date.now();
        const report = { name: "cn-edge-1", active: true, healthy: true, certificate: { notAfter: Math.floor(now / 1000) + 10 * DAY + 3600, issuer: "CN=R11", names: ["example.cn"] } };
        assert.deepEqual(hostProblems(report, now), ["cn-edge-1: its certificate expires in 10 days"]);
        assert.deepEqual(hostProblems(report, now, 7), []);
    });
});
