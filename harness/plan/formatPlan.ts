import { Plan } from "./planStack";
import { PlannedResource } from "./mockEngine";
import { MonitoringOutputs } from "../../components/monitoring/monitoring";
import { ReportedHost } from "../../components/render/shared/report";

/** What CloudMonitor will watch and whom it tells, one line each. */
function formatMonitoring(m: MonitoringOutputs): string[] {
    return [
        "", `Monitoring (CloudMonitor): ${m.alarms.length} alarms, ${m.probes.length} probes, telling ${m.contacts.length > 0 ? m.contacts.join(", ")
            : "no one (set china-edge:alarmEmails or china-edge:alarmDingTalkWebhook)"}`,
        ...m.probes.map((p) => `    probe ${p.url} every ${p.intervalMinutes} min from ${p.points.length > 0 ? `points ${p.points.join(", ")}` : "three points CloudMonitor chooses"}, answered below 400`),
        ...m.alarms.map((a) => `    alarm ${a.name}: ${a.project}/${a.metric} ${a.condition}`),
    ];
}

/** The human preview: the resource tree as parented, the policy findings, the stack outputs. */
export function formatPlan(plan: Plan): string {
    const children = new Map<string | undefined, PlannedResource[]>();
    for (const r of plan.resources) {
        const key = r.parent;
        children.set(key, [...(children.get(key) ?? []), r]);
    }
    const lines = [`Offline plan of stack "${plan.stack}" (mock engine, no cloud): ${plan.resources.filter((r) => r.custom).length} resources to create`, ""];
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            lines.push(`${"    ".repeat(depth)}+ ${r.type}  ${r.name}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 1);
    lines.push("", plan.violations.length === 0 ? "Policies: no violation." : "Policies:");
    for (const v of plan.violations) {
        lines.push(`    [${v.level}] ${v.policy}: ${v.message.replace(/\n/g, " ")}${v.urn ? `\n        ${v.urn}` : ""}`);
    }
    if (plan.outputs.monitoring) {
        lines.push(...formatMonitoring(plan.outputs.monitoring as MonitoringOutputs));
    }
    lines.push("", "Outputs:");
    // Monitoring has its own section; the Prometheus files are among the artifacts.
    for (const [k, v] of Object.entries(plan.outputs).filter(([key]) => key !== "monitoring" && key !== "prometheus")) {
        // The hosts' report settings are for `npm run status` (the --json plan has them whole).
        const shown = k === "proxyHosts" ? (v as ReportedHost[]).map((h) => `${h.name} (${h.instanceId})`).join(", ") : JSON.stringify(v);
        lines.push(`    ${k}: ${shown}`);
    }
    if (plan.artifacts.length > 0) {
        lines.push("", "Artifacts:", ...plan.artifacts.map((a) => `    ${a}`));
    }
    return lines.join("\n") + "\n";
}
