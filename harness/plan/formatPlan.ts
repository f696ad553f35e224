import { Plan } from "./planStack";
import { PlannedResource } from "./mockEngine";

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
    lines.push("", "Outputs:");
    for (const [k, v] of Object.entries(plan.outputs)) {
        lines.push(`    ${k}: ${JSON.stringify(v)}`);
    }
    if (plan.artifacts.length > 0) {
        lines.push("", "Artifacts:", ...plan.artifacts.map((a) => `    ${a}`));
    }
    return lines.join("\n") + "\n";
}
