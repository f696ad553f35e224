// Real validators and the tests' way of saying a tool is missing.
import { spawnSync } from "child_process";
import * as fs from "fs";

export function hasTool(tool: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

/** Skips the current test or hook with a visible line when a tool is missing. */
export function requireTools(ctx: Mocha.Context, ...tools: string[]): void {
    const missing = tools.filter((t) => !hasTool(t));
    if (missing.length > 0) {
        console.log(`      skipped: ${missing.join(", ")} not installed (bash scripts/dev.sh installs the Debian packages)`);
        ctx.skip();
    }
}

export interface Result {
    code: number;
    output: string;
}

export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Result {
    const r = spawnSync(command, args, { encoding: "utf8", env: options.env ?? process.env });
    return { code: r.status ?? -1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** haproxy -c in zero-warning mode: a warning fails like an error. */
export function haproxyCheck(file: string): Result {
    return run("haproxy", ["-c", "-dW", "-f", file]);
}

/** nginx -t with its own prefix and startup error log, as a non-root user can run it. */
export function nginxCheck(file: string, prefix: string): Result {
    return run("nginx", ["-t", "-q", "-p", prefix, "-c", file, "-e", `${prefix}/startup-error.log`]);
}

export function cloudInitSchema(file: string): Result {
    return run("cloud-init", ["schema", "--config-file", file]);
}

/** Debian's copy of cloud-init's JSON schema. */
const CLOUD_INIT_SCHEMA = "/usr/lib/python3/dist-packages/cloudinit/config/schemas/schema-cloud-config-v1.json";

/** Every top-level key cloud-init's schema defines (it does not report unknown keys itself). */
export function cloudInitTopLevelKeys(): Set<string> {
    const schema = JSON.parse(fs.readFileSync(CLOUD_INIT_SCHEMA, "utf8")) as { $defs: Record<string, { properties?: Record<string, unknown> }> };
    return new Set(Object.values(schema.$defs).flatMap((d) => Object.keys(d.properties ?? {})));
}
