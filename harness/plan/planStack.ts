import * as fs from "fs";
import * as path from "path";
import { ConfigError, NAMESPACE, parseStackConfig, projectConfig } from "../../stacks/config";
import { PeerStackError } from "../../stacks/cn";
import { runStack } from "../../stacks/program";
import { PlannedResource, ProgramFailed, ProgramRun, displayValue, runProgram } from "./mockEngine";
import { EncryptedConfigError, PlanInputError, Project, loadProject, loadStackConfig, stackFile } from "./stackFiles";
import { AnalyzedResource, Diagnostic, PolicyPackServer } from "./policyPack";
import { writeInstanceArtifacts, writePrometheusArtifacts } from "./artifacts";

export { ROLES as STACKS, Role as StackName } from "china-edge-policy/kernel/stacks";
import { Role as StackName } from "china-edge-policy/kernel/stacks";

export type Violation = Diagnostic;

export interface Plan {
    stack: string;
    resources: PlannedResource[];
    violations: Violation[];
    outputs: Record<string, unknown>;
    artifacts: string[];
}

export interface PlanOptions {
    /** The project's directory. */
    root: string;
    stack: StackName;
    /** A stack config file in the Pulumi.<stack>.yaml format; default: the stack's own file. */
    configFile?: string;
    /** Where artifacts go; they land under <outDir>/<stack>/. */
    outDir: string;
}

/** A config the program refused: exit code 2, the message names the key. */
export class PlanConfigError extends Error {}

/** The us stack, which cn references, did not run. */
class UsRunFailed extends Error {
    constructor(readonly cause: unknown, readonly file: string) {
        super(cause instanceof Error ? cause.message : String(cause));
    }
}

export interface RunOptions {
    /** Keys ("namespace:key") given as secrets, as `pulumi config set --secret` makes them; a stack file has none. */
    secretKeys?: string[];
    /** The us stack's config when cn runs; by default its own file. */
    usConfig?: Record<string, string>;
}

/**
 * Runs a stack's program under the mock engine with the given config; for cn, the us stack runs first so that the
 * StackReference (named by cn's usStack) resolves to its planned outputs.
 */
export async function runStackProgram(project: Project, stack: StackName, config: Record<string, string>, options: RunOptions = {}): Promise<ProgramRun> {
    const stackOutputs: Record<string, Record<string, unknown>> = {};
    if (stack === "cn") {
        const usFile = stackFile(project, "us");
        const usConfig = options.usConfig ?? loadStackConfig(project, usFile);
        const us = await runStackProgram(project, "us", usConfig, { secretKeys: options.secretKeys })
            .catch((err) => { throw new UsRunFailed(err, usFile); });
        stackOutputs[config[`${NAMESPACE}:usStack`]] = us.outputs;
    }
    return runProgram({ project: project.name, stack, config, stackOutputs, secretKeys: options.secretKeys }, runStack);
}

/** A refused config becomes a PlanConfigError naming the file; anything else is rethrown as it is. */
function explain(err: unknown, file: string): unknown {
    if (err instanceof UsRunFailed) {
        const inner = explain(err.cause, err.file);
        return inner instanceof PlanConfigError ? new PlanConfigError(`the us stack, which cn references, does not plan: ${inner.message}`) : inner;
    }
    const cause = err instanceof ProgramFailed ? err.cause : err;
    const shown = path.relative(process.cwd(), file);
    const where = shown.startsWith("..") ? file : shown;
    if (cause instanceof ConfigError || cause instanceof PeerStackError) {
        return new PlanConfigError(`${where}:\n${cause.message}`);
    }
    return cause;
}

/**
 * Validates a stack file's config as the program will, with the plan's message on failure (PlanConfigError).
 * A file with encrypted values is left to the program, which validates it once the CLI has decrypted them.
 */
export function checkStackFile(root: string, stack: StackName): void {
    const project = loadProject(root);
    const file = stackFile(project, stack);
    let config: Record<string, string>;
    try {
        config = loadStackConfig(project, file);
    } catch (err) {
        if (err instanceof EncryptedConfigError) {
            return;
        }
        throw err;
    }
    try {
        parseStackConfig(projectConfig(config), stack);
    } catch (err) {
        throw explain(err, file);
    }
}

/** The offline preview of one stack: its program under the mock engine, then the policy pack over it. */
export async function planStack(options: PlanOptions): Promise<Plan> {
    const project = loadProject(options.root);
    const file = options.configFile ?? stackFile(project, options.stack);
    const config = loadStackConfig(project, file);
    // The pack compiles itself as it starts (seconds): it does so while the program runs.
    const pack = PolicyPackServer.start();
    pack.catch(() => undefined);
    const run = await runStackProgram(project, options.stack, config).catch((err) => {
        // Not awaited: a failed program is reported at once (the pack's process is stopped when it is up, or at exit).
        void pack.then((p) => p.stop(), () => undefined);
        throw explain(err, file);
    });

    const plan: Plan = {
        stack: options.stack,
        resources: run.resources,
        violations: await analyze(run.resources, pack),
        outputs: displayValue(run.rawOutputs) as Record<string, unknown>,
        artifacts: [],
    };
    const dir = path.join(options.outDir, options.stack);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    plan.artifacts.push(...writeInstanceArtifacts(run.resources, dir), ...writePrometheusArtifacts(run.outputs, dir));
    const planFile = path.join(dir, "plan.json");
    plan.artifacts.push(planFile);
    fs.writeFileSync(planFile, planJson(plan));
    return plan;
}

/** The plan as the --json document: secrets and unknowns already replaced by markers. */
export function planJson(plan: Plan): string {
    return JSON.stringify({
        stack: plan.stack,
        resources: plan.resources.map(({ rawInputs: _raw, ...r }) => r),
        violations: plan.violations,
        outputs: plan.outputs,
        artifacts: plan.artifacts,
    }, null, 2) + "\n";
}

export { PlanInputError };

/**
 * The pack over every resource, then over the stack, as `pulumi preview --policy-pack policy` runs it; `starting` is
 * a pack already on its way up, which this stops when done.
 */
export async function analyze(resources: PlannedResource[], starting: Promise<PolicyPackServer> = PolicyPackServer.start()): Promise<Violation[]> {
    const analyzed: AnalyzedResource[] = resources
        .filter((r) => r.custom && !r.type.startsWith("pulumi:"))
        .map((r) => ({ type: r.type, name: r.name, urn: r.urn, parent: r.parent, properties: r.rawInputs, propertyDependencies: r.propertyDependencies }));
    const pack = await starting;
    try {
        const perResource = await Promise.all(analyzed.map((r) => pack.analyze(r)));
        return [...perResource.flat(), ...(await pack.analyzeStack(analyzed))];
    } finally {
        pack.stop();
    }
}
