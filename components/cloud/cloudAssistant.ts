// Scripts run on ECS instances through Cloud Assistant, no SSH and no open port:
// - RunCommand: a shell script (Base64), once, on one instance
//   (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-runcommand);
// - DescribeInvocationResults: each instance's state, exit code and output (Base64 by default)
//   (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinvocationresults).
import { Call, apiError, rpc } from "./openApi";

/** ECS's API (version 2014-05-26) in `region`. */
export function cloudAssistant(region: string, env: NodeJS.ProcessEnv = process.env): CloudAssistant {
    return new CloudAssistant(rpc("ecs", "2014-05-26", `ecs.${region}.aliyuncs.com`, env), region);
}

/** One script's outcome on one instance. */
export interface ScriptRun {
    /** Cloud Assistant's InvocationStatus (Success, Failed, Timeout…), or "Unreachable" when it could not be asked. */
    status: string;
    exitCode: number | null;
    output: string;
    /** Why the script did not run or finish, in Cloud Assistant's words. */
    error?: string;
}

/** Still on its way (the rest are final). An array: Pulumi serializes a dynamic provider's closure, and a Set does not survive it. */
const UNFINISHED = ["Pending", "Scheduled", "Running", "Stopping"];

export interface RunOptions {
    /** What the invocation is called in the console. */
    name: string;
    /** Seconds the script may run on the instance. */
    timeoutSeconds: number;
    /** Milliseconds between asking for the results. */
    pollMs: number;
}

export class CloudAssistant {
    constructor(private readonly call: Call, private readonly region: string) {}

    /** Starts `script` on `instanceId`; returns the invocation's id. */
    async start(instanceId: string, script: string, o: RunOptions): Promise<string> {
        const body = await this.call("RunCommand", {
            RegionId: this.region, Type: "RunShellScript", Name: o.name, "InstanceId.1": instanceId,
            CommandContent: Buffer.from(script).toString("base64"), ContentEncoding: "Base64",
            Timeout: String(o.timeoutSeconds), KeepCommand: "false",
        });
        if (typeof body.InvokeId !== "string") {
            throw new Error(`RunCommand on ${instanceId} returned no InvokeId`);
        }
        return body.InvokeId;
    }

    /** The invocation's result on `instanceId`, or undefined while it has none. */
    async result(invokeId: string, instanceId: string): Promise<ScriptRun | undefined> {
        const body = await this.call("DescribeInvocationResults", { RegionId: this.region, InvokeId: invokeId, InstanceId: instanceId });
        const results = ((body.Invocation as { InvocationResults?: { InvocationResult?: unknown[] } } | undefined)
            ?.InvocationResults?.InvocationResult ?? []) as Record<string, unknown>[];
        const r = results.find((x) => x.InstanceId === instanceId);
        if (!r) {
            return undefined;
        }
        const status = String(r.InvocationStatus ?? r.InvokeRecordStatus ?? "Unknown");
        const output = typeof r.Output === "string" ? Buffer.from(r.Output, "base64").toString("utf8") : "";
        const error = [r.ErrorCode, r.ErrorInfo].filter((x) => typeof x === "string" && x !== "").join(": ");
        return { status, exitCode: typeof r.ExitCode === "number" ? r.ExitCode : null, output, ...(error ? { error } : {}) };
    }

    /** Runs `script` on `instanceId` and waits for it to finish, at most its timeout and a minute more. */
    async run(instanceId: string, script: string, o: RunOptions): Promise<ScriptRun> {
        let invokeId: string;
        try {
            invokeId = await this.start(instanceId, script, o);
        } catch (err) {
            return { status: "Unreachable", exitCode: null, output: "", error: apiError(err) };
        }
        const deadline = Date.now() + (o.timeoutSeconds + 60) * 1000;
        for (;;) {
            await new Promise((r) => setTimeout(r, o.pollMs));
            let run: ScriptRun | undefined;
            try {
                run = await this.result(invokeId, instanceId);
            } catch (err) {
                return { status: "Unreachable", exitCode: null, output: "", error: apiError(err) };
            }
            if (run && !UNFINISHED.includes(run.status)) {
                return run;
            }
            if (Date.now() > deadline) {
                return { status: run?.status ?? "Pending", exitCode: null, output: run?.output ?? "", error: `no result from ${invokeId} in time` };
            }
        }
    }
}
