// `npm run status`: the hosts' reports judged (what is down, what is about to be) and shown on one screen.
import { HostReport } from "../../components/render/shared/report";
import { CERTIFICATE_DAYS_WARNING } from "../../components/render/shared/alertRules";
import { ProbeReading } from "../cloud/cloudMonitor";
import { DcdnAnswers } from "../../components/cloud/dcdnApi";

/** Whole days from `now` (ms) to `notAfter` (Unix seconds), rounded down. */
export function daysLeft(notAfter: number, now: number): number {
    return Math.floor((notAfter * 1000 - now) / 86_400_000);
}

/** What is wrong with a host, in words; empty when it is well. `now` in ms; `certificateDays` left at the least. */
export function hostProblems(report: HostReport, now: number, certificateDays = CERTIFICATE_DAYS_WARNING): string[] {
    const problems: string[] = [];
    if (!report.active) {
        problems.push(`${report.name}: its service is not running`);
    } else if (!report.healthy) {
        problems.push(`${report.name}: fails its health check`);
    }
    // A server is in several backends (pages, WebSockets): one problem per server and state, naming them.
    const notUp = new Map<string, string[]>();
    for (const b of (report.backends ?? []).filter((b) => b.state !== "UP")) {
        const key = `${b.server} is ${b.state}`;
        notUp.set(key, [...notUp.get(key) ?? [], b.backend]);
    }
    problems.push(...[...notUp].map(([what, backends]) => `${report.name}: ${what} in ${backends.join(", ")}`));
    const cert = report.certificate;
    if (cert && "error" in cert) {
        problems.push(`${report.name}: its certificate cannot be read (${cert.error})`);
    } else if (cert?.notAfter) {
        const days = daysLeft(cert.notAfter, now);
        if (days < certificateDays) {
            problems.push(`${report.name}: its certificate ${days < 0 ? "has expired" : `expires in ${days} days`}`);
        }
    }
    if (report.renewal && !report.renewal.ok) {
        problems.push(`${report.name}: the last certificate renewal failed: ${report.renewal.detail}`);
    }
    for (const r of report.reach ?? []) {
        if (r.error !== undefined) {
            problems.push(`${report.name}: ${r.host} does not answer (${r.error})`);
        }
    }
    problems.push(...(report.errors ?? []).map((e) => `${report.name}: ${e}`));
    return problems;
}

/** A host whose report could not be made (Cloud Assistant could not run it, or it printed none), and why. */
export interface UnreadHost {
    name: string;
    unread: string;
}

/** A probe's latest figures from CloudMonitor, or why they could not be read. */
export interface ProbeStatus extends Partial<ProbeReading> {
    name: string;
    url: string;
    error?: string;
}

/** An alarm rule of the stack's in state ALARM. */
export interface FiringAlarm {
    rule: string;
    summary: string;
}

/** DCDN's latest answers counted: its figures arrive about 5 minutes late, a window of 15 holds 10 of them at least. */
export const DCDN_WINDOW_MINUTES = 15;

/** What DCDN answered for a public name lately, or why it could not be asked; `limitPercent` of 5xx tolerated. */
export interface DcdnStatus extends Partial<DcdnAnswers> {
    domain: string;
    limitPercent: number;
    error?: string;
}

/** What CloudMonitor (and DCDN, when on) says of the stack, where the account could be asked. */
export interface CloudView {
    probes: ProbeStatus[];
    alarms: FiringAlarm[];
    dcdn?: DcdnStatus[];
    /** What could not be asked (not counted as problems: the stack may be well). */
    notes: string[];
}

/** One stack's status as `--json` prints it. */
export interface StackStatus {
    stack: string;
    hosts: (HostReport | UnreadHost)[];
    cloud?: CloudView;
    problems: string[];
}

/** The share of 5xx among DCDN's answers in %, one decimal; undefined without answers. */
export function errorShare(d: DcdnStatus): number | undefined {
    return d.requests ? Math.round((d.errors ?? 0) / d.requests * 1000) / 10 : undefined;
}

function cloudProblems(cloud: CloudView): string[] {
    return [
        ...cloud.alarms.map((a) => `alarm: ${a.summary}`),
        ...cloud.probes.filter((p) => p.availabilityPercent === 0).map((p) => `${p.name}: no mainland probe reached ${p.url} in its last round`),
        ...(cloud.dcdn ?? []).filter((d) => (errorShare(d) ?? 0) > d.limitPercent)
            .map((d) => `DCDN ${d.domain}: ${errorShare(d)}% of its answers were 5xx (more than ${d.limitPercent}%)`),
    ];
}

export function stackStatus(stack: string, hosts: (HostReport | UnreadHost)[], now: number, cloud?: CloudView, certificateDays?: number): StackStatus {
    const problems = hosts.flatMap((h) => "unread" in h ? [`${h.name}: cannot be asked (${h.unread})`] : hostProblems(h, now, certificateDays));
    return { stack, hosts, ...(cloud ? { cloud } : {}), problems: [...problems, ...(cloud ? cloudProblems(cloud) : [])] };
}

/** One line per host, then the problems. */
export function formatStatus(statuses: StackStatus[], now: number): string {
    const lines: string[] = [];
    for (const s of statuses) {
        lines.push(`${s.stack}:`);
        for (const h of s.hosts) {
            if ("unread" in h) {
                lines.push(`    ${h.name.padEnd(14)} UNKNOWN (${h.unread})`);
                continue;
            }
            const state = !h.active ? "DOWN (not running)" : h.healthy ? "up" : "DOWN (health check failing)";
            const parts = [`    ${h.name.padEnd(14)} ${state}`];
            if (h.backends) {
                // A server is in several backends (HTTP, WebSockets, plain HTTP): up only where it is up in all.
                const servers = [...new Set(h.backends.map((b) => b.server))];
                const up = servers.filter((server) => h.backends!.every((b) => b.server !== server || b.state === "UP"));
                parts.push(h.role === "origin proxy"
                    ? `nginx ${up.length === servers.length ? "up" : "DOWN"} behind the link's HAProxy`
                    : `origin proxies ${up.length}/${servers.length} up`);
            }
            if (typeof h.connections === "number") {
                parts.push(`${h.connections} connections`);
            }
            const cert = h.certificate;
            if (cert && !("error" in cert) && cert.notAfter) {
                parts.push(`certificate until ${new Date(cert.notAfter * 1000).toISOString().slice(0, 10)} (${daysLeft(cert.notAfter, now)} days, ${issuerName(cert.issuer)})`);
            }
            if (h.renewal) {
                parts.push(`renewal ${h.renewal.ok ? "ok" : "FAILING"} (${h.renewal.checkedAt})`);
            }
            if (h.reach) {
                const answered = h.reach.filter((r) => r.error === undefined);
                const slowest = Math.max(...answered.map((r) => r.ms ?? 0));
                parts.push(`third parties ${answered.length}/${h.reach.length} answer${answered.length > 0 ? ` (slowest ${slowest} ms)` : ""}`);
            }
            lines.push(parts.join(", "));
        }
        lines.push(...formatCloud(s.cloud));
    }
    const problems = statuses.flatMap((s) => s.problems);
    lines.push("", problems.length === 0 ? "All well." : `${problems.length} problem${problems.length > 1 ? "s" : ""}:`, ...problems.map((p) => `    ${p}`));
    return lines.join("\n") + "\n";
}

function formatCloud(cloud: CloudView | undefined): string[] {
    if (!cloud) {
        return [];
    }
    const lines = cloud.probes.map((p) => p.error !== undefined
        ? `    probe ${p.url}: unread (${p.error})`
        : `    probe ${p.url}: ${p.availabilityPercent == null ? "no data" : `${p.availabilityPercent}% available`}` +
          `${p.responseMs == null ? "" : `, ${p.responseMs} ms`}${p.at ? ` (${p.at})` : ""}`);
    lines.push(...(cloud.dcdn ?? []).map((d) => d.error !== undefined
        ? `    dcdn ${d.domain}: unread (${d.error})`
        : `    dcdn ${d.domain}: ${d.requests ? `${errorShare(d)}% 5xx of ${d.requests} answers` : "no answers"} in the latest ${DCDN_WINDOW_MINUTES} min`));
    lines.push(cloud.alarms.length === 0 ? "    alarms: none firing" : `    alarms firing: ${cloud.alarms.map((a) => a.rule).join(", ")}`);
    lines.push(...cloud.notes.map((n) => `    note: ${n}`));
    return lines;
}

/** The issuer's CN (or O), else the whole issuer. */
function issuerName(issuer: string | null): string {
    const m = /CN\s*=\s*([^,]+)/.exec(issuer ?? "") ?? /O\s*=\s*([^,]+)/.exec(issuer ?? "");
    return m ? m[1].trim() : issuer ?? "unknown issuer";
}
