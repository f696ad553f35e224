import * as path from "path";
import { loadProject, loadStackConfig, stackFile } from "../scripts/plan/stackFiles";
import { runProgram, ProgramRun, PlannedResource } from "../scripts/plan/mockEngine";
import { runStack } from "../stacks/program";

export const ROOT = path.resolve(__dirname, "..");

/** The config a stack's own file gives the program, with overrides ("key" → value, undefined removes it). */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
    const project = loadProject(ROOT);
    const config = loadStackConfig(project, stackFile(project, stack));
    for (const [key, value] of Object.entries(overrides)) {
        const full = `china-edge:${key}`;
        if (value === undefined) {
            delete config[full];
        } else {
            config[full] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return config;
}

/** Runs the real program of a stack under the mock engine; cn gets the planned us outputs by reference. */
export async function runStackProgram(stack: "cn" | "us", overrides: Record<string, unknown> = {}): Promise<ProgramRun> {
    const stackOutputs: Record<string, Record<string, unknown>> = {};
    if (stack === "cn") {
        const us = await runProgram({ project: "china-edge", stack: "us", config: stackConfig("us") }, runStack);
        stackOutputs["organization/china-edge/us"] = us.outputs;
    }
    return runProgram({ project: "china-edge", stack, config: stackConfig(stack, overrides), stackOutputs }, runStack);
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
