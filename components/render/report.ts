// How a proxy host is doing, asked by `npm run status`: apply/china-edge-report.py run on the host with the settings
// below, and the one line of JSON it prints (judged in harness/status/verdict.ts).
import * as fs from "fs";
import * as path from "path";

export const REPORT_TOOL_SOURCE = fs.readFileSync(path.join(__dirname, "apply", "china-edge-report.py"), "utf8");

/** What the report tool reads on one host. */
export interface ReportSettings {
    name: string;
    /** Exits 0 while the service runs. */
    active: string[];
    /** Exits 0 while it serves, as its balancer's health check sees it. */
    health: string[];
    /** HAProxy's Prometheus exporter (edges): each origin proxy's state. */
    metrics?: string;
    /** nginx's stub_status (origin proxies). */
    connections?: string;
    /** The served public certificate (PEM). */
    certificate?: string;
    /** The renewer's status.json. */
    renewal?: string;
}

/** What the report tool prints. */
export interface HostReport {
    name: string;
    active: boolean;
    healthy: boolean;
    backends?: { backend: string; server: string; state: string }[];
    connections?: number | null;
    certificate?: { notAfter: number | null; issuer: string | null; names: string[] } | { error: string };
    renewal?: { ok: boolean; detail: string; notAfter: string | null; checkedAt: string };
    errors?: string[];
}

/** The report in the tool's output (its last JSON line), or undefined when there is none. */
export function parseReport(output: string): HostReport | undefined {
    const line = output.trim().split("\n").reverse().find((l) => l.startsWith("{"));
    try {
        return line ? JSON.parse(line) as HostReport : undefined;
    } catch {
        return undefined;
    }
}
