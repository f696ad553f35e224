// A deployed stack's status: each proxy host's report, made on the host by Cloud Assistant running the report
// script, what CloudMonitor says of the stack's probes and alarms, and what DCDN answered lately.
import { ReportedHost, parseReport, renderReportScript } from "../../components/render/shared/report";
import { DcdnWatch } from "../../components/monitoring/monitoring";
import { ScriptRun, RunOptions } from "../../components/cloud/cloudAssistant";
import { FiringRule, ProbeReading } from "../cloud/cloudMonitor";
import { DcdnAnswers } from "../../components/cloud/dcdnApi";
import { apiError } from "../../components/cloud/openApi";
import { DeployedStack } from "./stackOutputs";
import { CloudView, DCDN_WINDOW_MINUTES, DcdnStatus, StackStatus, stackStatus } from "./verdict";

/** What status asks of the account, per region (the real clients, or stand-ins in tests). */
export interface StatusClients {
    assistant(region: string): { run(instanceId: string, script: string, o: RunOptions): Promise<ScriptRun> };
    monitor(region: string): { probe(taskId: string): Promise<ProbeReading>; firing(prefix: string): Promise<FiringRule[]> };
    dcdn(): { answers(domain: string, start: string, end: string): Promise<DcdnAnswers> };
    /** A scaling group's instances in service. */
    scaling(region: string): { inService(scalingGroupId: string): Promise<string[]> };
}

/** Seconds a host's report may take: its health check and each read are bounded by a few seconds. */
export const REPORT_TIMEOUT_SECONDS = 60;

/** The report's output tail, for a run that printed no report. */
function tail(output: string): string {
    return output.trim().split("\n").slice(-3).join(" | ");
}

async function hostState(d: DeployedStack, host: ReportedHost, clients: StatusClients, pollMs: number) {
    const run = await clients.assistant(d.region).run(host.instanceId, renderReportScript(host.report),
        { name: `china-edge-status-${host.name}`, timeoutSeconds: REPORT_TIMEOUT_SECONDS, pollMs });
    const report = parseReport(run.output);
    if (report) {
        return report;
    }
    const exit = run.exitCode === null ? "" : `, exit ${run.exitCode}`;
    const why = run.error ?? (tail(run.output) || "no output");
    return { name: host.name, unread: `Cloud Assistant on ${host.instanceId}: ${run.status}${exit}: ${why}` };
}

async function dcdnView(watch: DcdnWatch, clients: StatusClients, now: number): Promise<DcdnStatus[]> {
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    const [start, end] = [iso(now - DCDN_WINDOW_MINUTES * 60_000), iso(now)];
    const dcdn = clients.dcdn();
    return Promise.all(watch.domains.map(async (domain) => {
        try {
            return { domain, limitPercent: watch.errorPercent, ...await dcdn.answers(domain, start, end) };
        } catch (err) {
            return { domain, limitPercent: watch.errorPercent, error: apiError(err) };
        }
    }));
}

async function cloudView(d: DeployedStack, clients: StatusClients, now: number): Promise<CloudView | undefined> {
    const m = d.monitoring;
    if (!m) {
        return undefined;
    }
    const monitor = clients.monitor(d.region);
    const notes: string[] = [];
    const probes = await Promise.all(m.probes.map(async (p) => {
        try {
            return { name: p.name, url: p.url, ...await monitor.probe(p.taskId) };
        } catch (err) {
            return { name: p.name, url: p.url, error: apiError(err) };
        }
    }));
    const prefix = `${m.contactGroup}-`;
    let alarms: CloudView["alarms"] = [];
    try {
        alarms = (await monitor.firing(prefix)).map((f) => ({
            rule: f.ruleName, summary: m.alarms.find((a) => `${prefix}${a.name}` === f.ruleName)?.summary ?? `${f.ruleName} (${f.metric})`,
        }));
    } catch (err) {
        notes.push(`the alarm rules could not be read: ${apiError(err)}`);
    }
    return { probes, alarms, notes, ...(m.dcdn ? { dcdn: await dcdnView(m.dcdn, clients, now) } : {}) };
}

/** Each scaling group's hosts in service, named group/instance, with the group's report settings; a group that cannot be listed reads as unread. */
async function groupHosts(d: DeployedStack, clients: StatusClients): Promise<{ hosts: ReportedHost[]; unread: { name: string; unread: string }[] }> {
    const hosts: ReportedHost[] = [];
    const unread: { name: string; unread: string }[] = [];
    for (const g of d.groups) {
        try {
            const ids = await clients.scaling(d.region).inService(g.scalingGroupId);
            hosts.push(...ids.map((id) => ({ name: `${g.name}/${id}`, instanceId: id, report: { ...g.report, name: `${g.name}/${id}` } })));
            if (ids.length === 0) {
                unread.push({ name: g.name, unread: `the scaling group ${g.scalingGroupId} has no instance in service` });
            }
        } catch (err) {
            unread.push({ name: g.name, unread: `Auto Scaling did not list ${g.scalingGroupId}: ${apiError(err)}` });
        }
    }
    return { hosts, unread };
}

/** The stack's status as one screen shows it; `now` in ms. */
export async function deployedStatus(d: DeployedStack, clients: StatusClients, now: number, pollMs = 1000): Promise<StackStatus> {
    const grouped = await groupHosts(d, clients);
    const [reports, cloud] = await Promise.all([Promise.all([...d.hosts, ...grouped.hosts].map((h) => hostState(d, h, clients, pollMs))), cloudView(d, clients, now)]);
    const hosts = [...reports, ...grouped.unread];
    return stackStatus(d.stack, hosts, now, cloud, d.monitoring?.certificateDays);
}
