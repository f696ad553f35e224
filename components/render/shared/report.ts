// How a proxy host is doing, asked by `npm run status`: apply/china-edge-report.py run on the host (by Cloud
// Assistant, or in the lab) with the settings below, and the one line of JSON it prints (judged in
// harness/status/verdict.ts).
import * as fs from "fs";
import * as path from "path";
import { HAPROXY_PATHS, NGINX_PATHS } from "./paths";
import { LINK_STATS_PORT, METRICS_PATH, NGINX_STATUS_PATH, STATS_PORT } from "./endpoints";
import { RENEW_STATE } from "./renew";
import { edgeHealthCommand } from "../edge/edgeHost";
import { ORIGIN_SERVICES, originHealthCommand } from "../originProxy/originHost";

export const REPORT_TOOL_SOURCE = fs.readFileSync(path.join(__dirname, "apply", "china-edge-report.py"), "utf8");

/** What the report tool reads on one host. */
export interface ReportSettings {
    name: string;
    /** What the host is: an edge's `metrics` are its origin proxies, an origin proxy's the nginx behind its link's HAProxy. */
    role: "edge" | "origin proxy";
    /** Exits 0 while the service runs. */
    active: string[];
    /** Exits 0 while it serves, as its balancer's health check sees it. */
    health: string[];
    /** HAProxy's Prometheus exporter: each origin proxy's state (edges), the local nginx's (origin proxies). */
    metrics?: string;
    /** nginx's stub_status (origin proxies). */
    connections?: string;
    /** The served public certificate (PEM). */
    certificate?: string;
    /** The renewer's status.json. */
    renewal?: string;
    /** Third-party hosts this host should reach over HTTPS: the relayed ones (origin proxies), the mirrors (edges, in China). */
    reach?: string[];
    /** Lab only: where a host of `reach` is reached instead of its name's address ("IP:PORT", or a unix socket's path). */
    reachVia?: Record<string, string>;
    /** Lab only: the CA file that verifies the hosts of `reach`, instead of the system's bundle. */
    reachCa?: string;
}

const RENEWAL_STATUS = path.posix.join(RENEW_STATE, "status.json");

const reachOf = (hosts: string[]): Pick<ReportSettings, "reach"> => hosts.length > 0 ? { reach: hosts } : {};

/** An edge's report settings; `terminating` edges serve the public names' certificate; `mirrors` are what visitors in China use instead of blocked hosts. */
export function edgeReportSettings(name: string, privateIp: string, terminating: boolean, mirrors: string[]): ReportSettings {
    return {
        name, role: "edge", active: ["systemctl", "is-active", "--quiet", "haproxy"], health: edgeHealthCommand(privateIp),
        metrics: `http://${privateIp}:${STATS_PORT}${METRICS_PATH}`,
        ...(terminating ? { certificate: HAPROXY_PATHS.siteCertificate, renewal: RENEWAL_STATUS } : {}),
        ...reachOf(mirrors),
    };
}

/**
 * An origin proxy's report settings: both services, nginx as the HAProxy ending the link checks it; `relayed` are the
 * third-party hosts it fetches for visitors.
 */
export function originReportSettings(name: string, privateIp: string, publicHost: string, relayed: string[]): ReportSettings {
    return {
        name, role: "origin proxy", active: ORIGIN_SERVICES.active, health: originHealthCommand(publicHost),
        metrics: `http://${privateIp}:${LINK_STATS_PORT}${METRICS_PATH}`,
        connections: `http://127.0.0.1:${STATS_PORT}${NGINX_STATUS_PATH}`,
        certificate: NGINX_PATHS.certificate, renewal: RENEWAL_STATUS, ...reachOf(relayed),
    };
}

/**
 * A shell script that carries the report tool and `settings` and runs one with the other, leaving nothing behind:
 * what Cloud Assistant runs on a host (the tool need not be installed there) and the lab runs on its proxies.
 */
export function renderReportScript(settings: ReportSettings): string {
    const settingsJson = JSON.stringify(settings);
    for (const [delimiter, text] of [["CHINA_EDGE_REPORT_TOOL", REPORT_TOOL_SOURCE], ["CHINA_EDGE_REPORT_SETTINGS", settingsJson]]) {
        if (text.split("\n").includes(delimiter)) {
            throw new Error(`the report script cannot carry a line that reads ${delimiter}`);
        }
    }
    return `#!/bin/sh
# Rendered by china-edge: how this host is doing, as one line of JSON (read-only).
set -eu
tool=$(mktemp)
trap 'rm -f "$tool"' EXIT
cat >"$tool" <<'CHINA_EDGE_REPORT_TOOL'
${REPORT_TOOL_SOURCE.trimEnd()}
CHINA_EDGE_REPORT_TOOL
python3 "$tool" <<'CHINA_EDGE_REPORT_SETTINGS'
${settingsJson}
CHINA_EDGE_REPORT_SETTINGS
`;
}

/** A proxy host as its stack exports it for `npm run status`: its instance, and what its report reads there. */
export interface ReportedHost<I = string> {
    name: string;
    instanceId: I;
    report: ReportSettings;
}

/** A scaling group as its stack exports it for `npm run status`: its id, and what its report reads on each of its hosts. */
export interface ReportedGroup<I = string> {
    name: string;
    scalingGroupId: I;
    report: ReportSettings;
}

/** What the report tool prints. */
export interface HostReport {
    name: string;
    role?: ReportSettings["role"];
    active: boolean;
    healthy: boolean;
    backends?: { backend: string; server: string; state: string }[];
    connections?: number | null;
    certificate?: { notAfter: number | null; issuer: string | null; names: string[] } | { error: string };
    renewal?: { ok: boolean; detail: string; notAfter: string | null; checkedAt: string };
    /** Each host of the settings' `reach`: its HTTP status and the time to it, or why it did not answer. */
    reach?: { host: string; status?: number; ms?: number; error?: string }[];
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
