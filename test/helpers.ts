import { Role } from "china-edge-policy/kernel/stacks";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadProject, loadStackConfig, stackFile, withOverrides } from "../harness/plan/stackFiles";
import { ProgramRun, PlannedResource } from "../harness/plan/mockEngine";
import { runStackProgram as runPlannedStack } from "../harness/plan/planStack";

export const ROOT = path.resolve(__dirname, "..");

/** The config a stack's own file gives the program, with overrides ("key" → value, undefined removes it). */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
    const project = loadProject(ROOT);
    return withOverrides(project, loadStackConfig(project, stackFile(project, stack)), overrides);
}

export interface RunExtras {
    /** Overrides of the us stack's config when cn runs (cn reads us by reference). */
    us?: Record<string, unknown>;
    /** Keys (without namespace) given as secrets, as `pulumi config set --secret` would. */
    secrets?: string[];
}

/** Runs the real program of a stack under the mock engine with overrides; cn gets the planned us outputs by reference. */
export function runStackProgram(stack: Role, overrides: Record<string, unknown> = {}, extras: RunExtras = {}): Promise<ProgramRun> {
    return runPlannedStack(loadProject(ROOT), stack, stackConfig(stack, overrides), {
        usConfig: extras.us ? stackConfig("us", extras.us) : undefined,
        secretKeys: (extras.secrets ?? []).map((k) => `china-edge:${k}`),
    });
}

export function ofType(run: ProgramRun, token: string): PlannedResource[] {
    return run.resources.filter((r) => r.type === token);
}

export function one(run: ProgramRun, token: string, name?: string): PlannedResource {
    const found = ofType(run, token).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${token}${name ? ` named ${name}` : ""}, found ${found.length}`);
    }
    return found[0];
}

/** Runs `scripts/<name>.ts` as `npm run` does, with `env` added to this process's environment. */
export function runScript(name: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", `${name}.ts`), ...args], {
            cwd: ROOT, env: { ...process.env, ...env },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** The JSON objects logged in `file` (lines that are not JSON, such as HAProxy's start-up notices, are skipped). */
export function jsonLines(file: string): Record<string, unknown>[] {
    return fs.readFileSync(file, "utf8").split("\n").flatMap((line) => {
        try {
            const parsed = JSON.parse(line.slice(line.indexOf("{")));
            return typeof parsed === "object" && parsed ? [parsed as Record<string, unknown>] : [];
        } catch {
            return [];
        }
    });
}

/** A file's text, or "" when it is not there (yet). */
export function readIf(file: string): string {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}
