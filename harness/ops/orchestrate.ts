// Runs an operation over the stacks in the order their reference demands, with the policy pack, and stops at the
// first stack that fails or that policy blocks.
import { Role } from "china-edge-policy/kernel/stacks";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { Operation, StackRunner } from "./runner";

export type StackName = Role;

/** us before cn (cn reads us by reference); destroy in reverse. */
export const ORDER: Record<Operation, StackName[]> = { deploy: ["us", "cn"], preview: ["us", "cn"], destroy: ["cn", "us"] };

export interface PolicyFinding {
    policy: string;
    level: string;
    urn?: string;
    message: string;
}

export interface StackSummary {
    stack: StackName;
    operation: Operation;
    ok: boolean;
    /** Resources the engine stepped through. */
    resources: number;
    changes: Record<string, number>;
    outputs: Record<string, unknown>;
    violations: PolicyFinding[];
    error?: string;
}

export interface OrchestrateOptions {
    refresh: boolean;
    policyPack: string;
    /** Progress as the engine prints it. */
    onOutput: (text: string) => void;
}

/** The useful end of an Automation API error: the CLI's last lines of stderr, without the command line. */
export function failureMessage(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    const stderr = /stderr: ([\s\S]*?)(?:\n\s*err\?:|$)/.exec(text)?.[1] ?? text;
    return stderr.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim()).slice(-12).join("\n");
}

export async function orchestrate(runner: StackRunner, operation: Operation, stacks: StackName[], options: OrchestrateOptions): Promise<StackSummary[]> {
    const summaries: StackSummary[] = [];
    for (const stack of ORDER[operation].filter((s) => stacks.includes(s))) {
        const summary: StackSummary = { stack, operation, ok: false, resources: 0, changes: {}, outputs: {}, violations: [] };
        summaries.push(summary);
        const onEvent = (event: EngineEvent) => {
            if (event.resourcePreEvent) {
                summary.resources++;
            }
            const p = event.policyEvent;
            if (p) {
                summary.violations.push({ policy: p.policyName, level: p.enforcementLevel, urn: p.resourceUrn, message: p.message });
            }
        };
        const runnerOptions = {
            refresh: options.refresh,
            policyPacks: operation === "destroy" ? [] : [options.policyPack],
            onOutput: options.onOutput,
            onEvent,
        };
        try {
            const run = operation === "deploy" ? runner.up : operation === "preview" ? runner.preview : runner.destroy;
            const result = await run.call(runner, stack, runnerOptions);
            summary.changes = result.changes;
            summary.outputs = result.outputs;
            summary.ok = !summary.violations.some((v) => v.level === "mandatory");
            if (!summary.ok) {
                summary.error = "blocked by a mandatory policy";
            }
        } catch (err) {
            summary.error = summary.violations.some((v) => v.level === "mandatory") ? "blocked by a mandatory policy" : failureMessage(err);
        }
        if (!summary.ok) {
            break;
        }
    }
    return summaries;
}

export function formatSummary(summaries: StackSummary[], requested: StackName[], operation: Operation): string {
    const lines: string[] = [];
    for (const s of summaries) {
        const changes = Object.entries(s.changes).filter(([, n]) => n > 0).map(([op, n]) => `${n} ${op}`).join(", ") || "no changes";
        lines.push(`${s.stack}: ${s.operation} ${s.ok ? "succeeded" : "FAILED"} (${s.resources} resources; ${changes})`);
        for (const v of s.violations) {
            lines.push(`    policy ${v.level} ${v.policy}: ${v.message.split("\n")[0]}${v.urn ? ` (${v.urn.split("::").pop()})` : ""}`);
        }
        for (const [k, v] of Object.entries(s.outputs)) {
            lines.push(`    ${k}: ${JSON.stringify(v)}`);
        }
        if (s.error) {
            lines.push(...s.error.split("\n").map((l) => `    ${l}`));
        }
    }
    const skipped = ORDER[operation].filter((s) => requested.includes(s) && !summaries.some((x) => x.stack === s));
    if (skipped.length > 0) {
        lines.push(`not run: ${skipped.join(", ")} (stopped at the first failure)`);
    }
    return lines.join("\n") + "\n";
}
