// The stack operations the scripts run, behind an interface: the Automation API in production, a recording
// implementation in the tests.
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";

export type Operation = "deploy" | "preview" | "destroy";

export interface RunnerOptions {
    refresh: boolean;
    /** Policy packs run on previews and updates (the project's `policy/`). */
    policyPacks: string[];
    onOutput: (text: string) => void;
    onEvent: (event: EngineEvent) => void;
}

export interface StackResult {
    /** Operation → number of resources, as the engine counts them (create, update, delete, same…). */
    changes: Record<string, number>;
    outputs: Record<string, unknown>;
}

export interface StackRunner {
    preview(stack: string, options: RunnerOptions): Promise<StackResult>;
    up(stack: string, options: RunnerOptions): Promise<StackResult>;
    destroy(stack: string, options: RunnerOptions): Promise<StackResult>;
}

/**
 * The Automation API over this project's directory (not an inline program): `pulumi up` and the scripts run one
 * program with one config. A stack is created on first use from its Pulumi.<stack>.yaml.
 */
export class AutomationRunner implements StackRunner {
    constructor(private readonly root: string, private readonly envVars: Record<string, string>) {}

    private stack(name: string): Promise<Stack> {
        return LocalWorkspace.createOrSelectStack({ stackName: name, workDir: this.root }, { envVars: this.envVars });
    }

    async preview(stack: string, o: RunnerOptions): Promise<StackResult> {
        const r = await (await this.stack(stack)).preview({ policyPacks: o.policyPacks, refresh: o.refresh, onOutput: o.onOutput, onEvent: o.onEvent });
        return { changes: { ...r.changeSummary }, outputs: {} };
    }

    async up(stack: string, o: RunnerOptions): Promise<StackResult> {
        const r = await (await this.stack(stack)).up({ policyPacks: o.policyPacks, refresh: o.refresh, onOutput: o.onOutput, onEvent: o.onEvent });
        return {
            changes: { ...(r.summary.resourceChanges ?? {}) },
            outputs: Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value])),
        };
    }

    async destroy(stack: string, o: RunnerOptions): Promise<StackResult> {
        const r = await (await this.stack(stack)).destroy({ refresh: o.refresh, onOutput: o.onOutput, onEvent: o.onEvent });
        return { changes: { ...(r.summary.resourceChanges ?? {}) }, outputs: {} };
    }
}
