// `npm run status`: the hosts' reports judged (what is down, what is about to be) and shown on one screen.
import { HostReport } from "../../components/render/report";

/** Renewal runs 30 days before expiry: fewer than 14 days left means it has been failing for two weeks. */
export const CERTIFICATE_DAYS_WARNING = 14;

/** Whole days from `now` (ms) to `notAfter` (Unix seconds), rounded down. */
export function daysLeft(notAfter: number, now: number): number {
    return Math.floor((notAfter * 1000 - now) / 86_400_000);
}

/** What is wrong with a host, in words; empty when it is well. `now` in ms. */
export function hostProblems(report: HostReport, now: number): string[] {
    const problems: string[] = [];
    if (!report.active) {
        problems.push(`${report.name}: its service is not running`);
    } else if (!report.healthy) {
        problems.push(`${report.name}: fails its health check`);
    }
    for (const b of report.backends ?? []) {
        if (b.state !== "UP") {
            problems.push(`${report.name}: ${b.server} is ${b.state} in ${b.backend}`);
        }
    }
    const cert = report.certificate;
    if (cert && "error" in cert) {
        problems.push(`${report.name}: its certificate cannot be read (${cert.error})`);
    } else if (cert?.notAfter) {
        const days = daysLeft(cert.notAfter, now);
        if (days < CERTIFICATE_DAYS_WARNING) {
            problems.push(`${report.name}: its certificate ${days < 0 ? "has expired" : `expires in ${days} days`}`);
        }
    }
    if (report.renewal && !report.renewal.ok) {
        problems.push(`${report.name}: the last certificate renewal failed: ${report.renewal.detail}`);
    }
    problems.push(...(report.errors ?? []).map((e) => `${report.name}: ${e}`));
    return problems;
}

/** One stack's status as `--json` prints it. */
export interface StackStatus {
    stack: string;
    hosts: HostReport[];
    problems: string[];
}

export function stackStatus(stack: string, hosts: HostReport[], now: number): StackStatus {
    return { stack, hosts, problems: hosts.flatMap((h) => hostProblems(h, now)) };
}

/** One line per host, then the problems. */
export function formatStatus(statuses: StackStatus[], now: number): string {
    const lines: string[] = [];
    for (const s of statuses) {
        lines.push(`${s.stack}:`);
        for (const h of s.hosts) {
            const state = !h.active ? "DOWN (not running)" : h.healthy ? "up" : "DOWN (health check failing)";
            const parts = [`    ${h.name.padEnd(14)} ${state}`];
            if (h.backends) {
                // A server is in several backends (HTTP, WebSockets, plain HTTP): up only where it is up in all.
                const servers = [...new Set(h.backends.map((b) => b.server))];
                const up = servers.filter((server) => h.backends!.every((b) => b.server !== server || b.state === "UP"));
                parts.push(`origin proxies ${up.length}/${servers.length} up`);
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
            lines.push(parts.join(", "));
        }
    }
    const problems = statuses.flatMap((s) => s.problems);
    lines.push("", problems.length === 0 ? "All well." : `${problems.length} problem${problems.length > 1 ? "s" : ""}:`, ...problems.map((p) => `    ${p}`));
    return lines.join("\n") + "\n";
}

/** The issuer's CN (or O), else the whole issuer. */
function issuerName(issuer: string | null): string {
    const m = /CN\s*=\s*([^,]+)/.exec(issuer ?? "") ?? /O\s*=\s*([^,]+)/.exec(issuer ?? "");
    return m ? m[1].trim() : issuer ?? "unknown issuer";
}
