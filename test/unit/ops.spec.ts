import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { ORDER, StackName, formatSummary, orchestrate } from "../../harness/ops/orchestrate";
import { Operation, RunnerOptions, StackResult, StackRunner } from "../../harness/ops/runner";
import { PreflightError, defaultBackend, preflight } from "../../harness/ops/preflight";
import { PlanConfigError, planStack } from "../../harness/plan/planStack";
import { ROOT } from "../helpers";

interface Call {
    method: "preview" | "up" | "destroy";
    stack: string;
    refresh: boolean;
    policyPacks: string[];
}

/** A runner that records each call and plays back what the test scripted for a stack. */
class RecordingRunner implements StackRunner {
    readonly calls: Call[] = [];
    constructor(private readonly script: Record<string, { fail?: string; events?: EngineEvent[]; result?: Partial<StackResult> }> = {}) {}

    private async run(method: Call["method"], stack: string, o: RunnerOptions): Promise<StackResult> {
        this.calls.push({ method, stack, refresh: o.refresh, policyPacks: o.policyPacks });
        const s = this.script[stack] ?? {};
        o.onOutput(`${method} ${stack}\n`);
        for (const e of s.events ?? [{ sequence: 1, timestamp: 0, resourcePreEvent: { metadata: {} as never } }]) {
            o.onEvent(e);
        }
        if (s.fail) {
            throw new Error(`code: 255\n stdout: \n stderr: ${s.fail}\n err?: Error`);
        }
        return { changes: { create: 3 }, outputs: {}, ...s.result };
    }
    preview(stack: string, o: RunnerOptions) { return this.run("preview", stack, o); }
    up(stack: string, o: RunnerOptions) { return this.run("up", stack, o); }
    destroy(stack: string, o: RunnerOptions) { return this.run("destroy", stack, o); }
}

const options = { refresh: false, policyPack: "/project/policy", onOutput: () => undefined };
const both: StackName[] = ["us", "cn"];

function policyEvent(level: "mandatory" | "warning"): EngineEvent {
    return { sequence: 2, timestamp: 0, policyEvent: { message: "m", color: "never", policyName: "no-public-ssh", policyPackName: "china-edge",
        policyPackVersion: "", policyPackVersionTag: "", enforcementLevel: level, resourceUrn: "urn:pulumi:cn::china-edge::x::cn-ssh-0" } };
}

describe("deploy, preview and destroy orchestration", () => {
    it("runs us before cn on deploy and preview, cn before us on destroy", async () => {
        for (const [op, method] of [["deploy", "up"], ["preview", "preview"], ["destroy", "destroy"]] as const) {
            const runner = new RecordingRunner();
            await orchestrate(runner, op, both, options);
            assert.deepEqual(runner.calls.map((c) => [c.method, c.stack]), ORDER[op].map((s) => [method, s]));
        }
        assert.deepEqual(ORDER.destroy, ["cn", "us"]);
    });

    it("passes the policy pack to every preview and update, and --refresh to each operation", async () => {
        const runner = new RecordingRunner();
        await orchestrate(runner, "preview", both, { ...options, refresh: true });
        await orchestrate(runner, "deploy", both, options);
        await orchestrate(runner, "destroy", ["cn"], options);
        assert.deepEqual(runner.calls.map((c) => [c.method, c.policyPacks, c.refresh]), [
            ["preview", ["/project/policy"], true], ["preview", ["/project/policy"], true],
            ["up", ["/project/policy"], false], ["up", ["/project/policy"], false],
            ["destroy", [], false],
        ]);
    });

    it("runs only the stack asked for", async () => {
        const runner = new RecordingRunner();
        await orchestrate(runner, "deploy", ["cn"], options);
        assert.deepEqual(runner.calls.map((c) => c.stack), ["cn"]);
    });

    it("stops at the first stack that fails, with the CLI's message in the summary", async () => {
        const runner = new RecordingRunner({ us: { fail: "error: InvalidAccessKeyId.NotFound: Specified access key is not found." } });
        const summaries = await orchestrate(runner, "deploy", both, options);
        assert.deepEqual(runner.calls.map((c) => c.stack), ["us"]);
        assert.equal(summaries[0].ok, false);
        assert.equal(summaries[0].error, "error: InvalidAccessKeyId.NotFound: Specified access key is not found.");
        assert.match(formatSummary(summaries, both, "deploy"), /us: deploy FAILED[^]*not run: cn \(stopped at the first failure\)/);
    });

    it("counts a stack blocked by a mandatory policy as failed, and keeps advisories in the summary", async () => {
        const blocked = await orchestrate(new RecordingRunner({ cn: { events: [policyEvent("mandatory")], fail: "error: preview failed" } }), "preview", both, options);
        assert.deepEqual(blocked.map((s) => [s.stack, s.ok, s.error]), [["us", true, undefined], ["cn", false, "blocked by a mandatory policy"]]);
        assert.match(formatSummary(blocked, both, "preview"), /policy mandatory no-public-ssh: m \(cn-ssh-0\)/);
        const advisory = await orchestrate(new RecordingRunner({ us: { events: [policyEvent("warning")] } }), "preview", both, options);
        assert.ok(advisory.every((s) => s.ok));
        assert.equal(advisory[0].violations[0].level, "warning");
    });

    it("summarises each stack: resources, changes and outputs", async () => {
        const runner = new RecordingRunner({ cn: { result: { changes: { create: 40, same: 2 }, outputs: { edgeAddress: "47.1.2.3" } } } });
        const text = formatSummary(await orchestrate(runner, "deploy", both, options), both, "deploy");
        assert.match(text, /^us: deploy succeeded \(1 resources; 3 create\)$/m);
        assert.match(text, /^cn: deploy succeeded \(1 resources; 40 create, 2 same\)\n {4}edgeAddress: "47\.1\.2\.3"$/m);
    });
});

describe("pre-flight checks", () => {
    const ready = { PULUMI_CONFIG_PASSPHRASE: "p", ALIBABA_CLOUD_ACCESS_KEY_ID: "id", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "s" };
    const ctx = (env: NodeJS.ProcessEnv, onPath = true, root = ROOT) => ({ root, env, onPath: () => onPath, home: os.tmpdir() });
    const refusal = (run: () => unknown) => {
        try {
            run();
        } catch (err) {
            assert.ok(err instanceof PreflightError, String(err));
            return err.message;
        }
        assert.fail("accepted");
    };

    it("says how to install the Pulumi CLI when it is missing", () => {
        assert.match(refusal(() => preflight("preview", both, ctx(ready, false))), /Pulumi CLI is not on PATH. Install it .*get\.pulumi\.com/);
    });

    it("keeps state in a file backend inside the project unless PULUMI_BACKEND_URL says otherwise", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "ops-"));
        for (const f of ["Pulumi.yaml", "Pulumi.cn.yaml", "Pulumi.us.yaml"]) {
            fs.copyFileSync(path.join(ROOT, f), path.join(root, f));
        }
        assert.deepEqual(preflight("preview", both, ctx(ready, true, root)), { PULUMI_BACKEND_URL: `file://${root}/.pulumi-state` });
        assert.ok(fs.statSync(path.join(root, ".pulumi-state")).isDirectory());
        assert.equal(defaultBackend("/p"), "file:///p/.pulumi-state");
        const oss = { ...ready, PULUMI_BACKEND_URL: "oss://bucket?region=cn-shanghai" };
        assert.deepEqual(preflight("preview", both, ctx(oss)), { PULUMI_BACKEND_URL: "oss://bucket?region=cn-shanghai" });
    });

    it("names the passphrase variable when a self-managed backend has none, and needs none for Pulumi Cloud", () => {
        const { PULUMI_CONFIG_PASSPHRASE: _p, ...noPassphrase } = ready;
        assert.match(refusal(() => preflight("deploy", both, ctx(noPassphrase))), /set PULUMI_CONFIG_PASSPHRASE \(or PULUMI_CONFIG_PASSPHRASE_FILE\)/);
        assert.doesNotThrow(() => preflight("deploy", both, ctx({ ...noPassphrase, PULUMI_BACKEND_URL: "https://api.pulumi.com" })));
    });

    it("names the credential variables and the profile when none is set", () => {
        const message = refusal(() => preflight("preview", both, ctx({ PULUMI_CONFIG_PASSPHRASE: "p" })));
        assert.match(message, /ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
        assert.match(message, /ALIBABA_CLOUD_PROFILE/);
    });

    it("refuses a stack config with the offline plan's own message", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "ops-"));
        for (const f of ["Pulumi.yaml", "Pulumi.us.yaml"]) {
            fs.copyFileSync(path.join(ROOT, f), path.join(root, f));
        }
        fs.writeFileSync(path.join(root, "Pulumi.cn.yaml"), fs.readFileSync(path.join(ROOT, "Pulumi.cn.yaml"), "utf8") + "  china-edge:systemDiskSize: 40\n");
        const message = refusal(() => preflight("preview", both, ctx(ready, true, root)));
        const planned = await planStack({ root, stack: "cn", outDir: fs.mkdtempSync(path.join(os.tmpdir(), "ops-out-")) }).then(() => "", (e) => {
            assert.ok(e instanceof PlanConfigError);
            return e.message;
        });
        assert.equal(message.replace(root + path.sep, ""), planned.replace(root + path.sep, ""));
        assert.match(message, /china-edge:systemDiskSize = "40": expected a whole number of GB from 100 to 500/);
    });
});

describe("npm run preview|deploy|destroy as a user runs them", () => {
    const script = path.join(ROOT, "scripts", "ops.ts");
    const tsNode = path.join(ROOT, "node_modules", ".bin", "ts-node");
    const run = (op: Operation | string, ...args: string[]) => {
        const env = { ...process.env, PATH: path.dirname(process.execPath) };
        const r = spawnSync(process.execPath, [tsNode, "--transpile-only", script, op, ...args], { cwd: ROOT, encoding: "utf8", env });
        return { code: r.status, stderr: r.stderr };
    };

    it("exits 2 with the install hint when the Pulumi CLI is missing", () => {
        const r = run("preview", "--stack", "all");
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^error: the Pulumi CLI is not on PATH/);
    });

    it("exits 2 on an unknown stack or option, with the usage", () => {
        for (const args of [["--stack", "eu"], ["--force"]]) {
            const r = run("deploy", ...args);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /usage: npm run deploy -- \[--stack cn\|us\|all\] \[--yes\] \[--refresh\]/);
        }
    });

    it("previews both stacks for real with the policy pack when a Pulumi CLI is installed", function () {
        if (spawnSync("sh", ["-c", "command -v pulumi"]).status !== 0) {
            console.log("      skipped: no Pulumi CLI on PATH (it cannot be installed on this machine); the orchestration tests above use a recording runner");
            this.skip();
        }
        const r = spawnSync("npm", ["run", "-s", "preview", "--", "--stack", "all"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "test" } });
        const env = process.env;
        if (!(env.ALIBABA_CLOUD_ACCESS_KEY_ID || env.ALICLOUD_ACCESS_KEY || env.ALIBABA_CLOUD_PROFILE)) {
            assert.equal(r.status, 2, r.stderr);
            assert.match(r.stderr, /no Alibaba Cloud credentials/);
            return;
        }
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /^us: preview succeeded .*\n[^]*^cn: preview succeeded/m);
    });
});
