// A deployed stack as `npm run status` needs it: its region, its proxy hosts and what their reports read, and its
// CloudMonitor probes and alarms. Read from the stack's outputs through the Automation API (the Pulumi CLI), or
// from a file as `pulumi stack output --json` prints them.
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { ReportedGroup, ReportedHost } from "../../components/render/shared/report";
import { MonitoringOutputs } from "../../components/monitoring/monitoring";
import { StatusValues, requiredStatusOutputs } from "../../stacks/contract";

export interface DeployedStack {
    stack: string;
    region: string;
    hosts: ReportedHost[];
    /** Scaling groups, whose hosts in service are asked of Auto Scaling when status runs. */
    groups: ReportedGroup[];
    monitoring?: MonitoringOutputs;
}

/** Outputs that cannot be used, with the reason in words. */
export class OutputsError extends Error {}

/** `outputs` (name → value) checked for what status reads (stacks/contract.ts's STACK_OUTPUTS). */
export function deployedStack(stack: string, outputs: Record<string, unknown>): DeployedStack {
    const missing = requiredStatusOutputs().find((name) => outputs[name] === undefined);
    if (missing) {
        throw new OutputsError(`the ${stack} stack exports no ${missing}: ` +
            "it was deployed by an earlier version of this program or not at all; run `npm run deploy` first");
    }
    const { region, proxyHosts, monitoring, proxyGroups = [] } = outputs as Partial<StatusValues>;
    if (typeof region !== "string" || !Array.isArray(proxyHosts)) {
        throw new OutputsError(`the ${stack} stack exports a region or proxyHosts that is not what this program writes: ` +
            `${JSON.stringify({ region, proxyHosts })}`);
    }
    for (const h of proxyHosts as Partial<ReportedHost>[]) {
        if (typeof h?.name !== "string" || typeof h.instanceId !== "string" || typeof h.report !== "object") {
            throw new OutputsError(`the ${stack} stack's proxyHosts holds an entry without name, instanceId and report: ${JSON.stringify(h)}`);
        }
    }
    for (const g of proxyGroups as Partial<ReportedGroup>[]) {
        if (typeof g?.name !== "string" || typeof g.scalingGroupId !== "string" || typeof g.report !== "object") {
            throw new OutputsError(`the ${stack} stack's proxyGroups holds an entry without name, scalingGroupId and report: ${JSON.stringify(g)}`);
        }
    }
    return { stack, region, hosts: proxyHosts, groups: proxyGroups, ...(monitoring && typeof monitoring === "object" ? { monitoring } : {}) };
}

/** `<dir>/<stack>.json`, as `pulumi stack output --stack <stack> --json > <dir>/<stack>.json` writes it. */
export function outputsFromFile(dir: string, stack: string): Record<string, unknown> {
    const file = path.join(dir, `${stack}.json`);
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new OutputsError(`--outputs ${dir}: no ${stack}.json there (write it with \`pulumi stack output --stack ${stack} --json > ${file}\`)`);
    }
    try {
        const outputs = JSON.parse(text) as unknown;
        if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) {
            throw new Error("not an object of outputs");
        }
        return outputs as Record<string, unknown>;
    } catch (err) {
        throw new OutputsError(`${file} is not what \`pulumi stack output --json\` prints: ${(err as Error).message}`);
    }
}

/** The stack's outputs through the Automation API; needs the Pulumi CLI and the stack's backend. */
export async function outputsFromPulumi(root: string, stack: string, envVars: Record<string, string>): Promise<Record<string, unknown>> {
    try {
        const s = await LocalWorkspace.selectStack({ stackName: stack, workDir: root }, { envVars });
        const outputs = await s.outputs();
        return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
    } catch (err) {
        const message = (err instanceof Error ? err.message : String(err)).split("\n").filter((l) => l.trim()).slice(-3).join(" ");
        throw new OutputsError(`cannot read the ${stack} stack's outputs through Pulumi (${message}); ` +
            "or pass --outputs DIR holding each stack's `pulumi stack output --json`");
    }
}
