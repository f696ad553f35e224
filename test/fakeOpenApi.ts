// A stand-in for Alibaba Cloud's RPC endpoints on loopback: records each call (action, parameters, whether it was
// signed) and answers with what `answer` returns, or an API error (HTTP 400 with Code and Message).
import { spawn } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import { ROOT } from "./helpers";

export interface ApiCall { action: string; params: Record<string, string>; signed: boolean; method: string; path: string }

export type Answer = { body: Record<string, unknown> } | { error: string; message: string };

export class FakeOpenApi {
    readonly calls: ApiCall[] = [];
    private readonly server: http.Server;

    constructor(private readonly answer: (call: ApiCall) => Answer) {
        this.server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => { body += c; });
            req.on("end", () => {
                const params = Object.fromEntries([...new URL(req.url ?? "/", "http://x").searchParams, ...new URLSearchParams(body)]);
                const call = { action: String(req.headers["x-acs-action"] ?? params.Action), params,
                    signed: typeof req.headers.authorization === "string" || "Signature" in params,
                    method: req.method ?? "", path: new URL(req.url ?? "/", "http://x").pathname };
                this.calls.push(call);
                const a = this.answer(call);
                res.setHeader("content-type", "application/json");
                if ("error" in a) {
                    res.statusCode = 400;
                    res.end(JSON.stringify({ Code: a.error, Message: a.message, RequestId: "fake" }));
                } else {
                    res.end(JSON.stringify({ RequestId: "fake", ...a.body }));
                }
            });
        });
    }

    /** Listens on a loopback port; resolves to the endpoint URL. */
    start(): Promise<string> {
        return new Promise((resolve) => this.server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}`)));
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}

/** Credentials for the stand-in, and no instance-metadata lookup: nothing leaves loopback. */
export const FAKE_CREDENTIALS = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: "test-id", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "test-secret", ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true",
};

/**
 * A dynamic provider's code as the engine holds it, run as Pulumi's dynamic provider host runs it
 * (`require-from-string(code).handler()`), in a plain Node process without ts-node, with `env` (its stand-in
 * endpoints) and the fake credentials; prints what each call returned, a JSON line each.
 */
export function runSerialized(code: string, env: Record<string, string>, calls: [string, ...unknown[]][]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const script = `
        const provider = require("require-from-string")(process.env.PROVIDER_CODE).handler();
        (async () => {
            for (const [method, ...args] of ${JSON.stringify(calls)}) {
                try { console.log(JSON.stringify({ [method]: await provider[method](...args) })); }
                catch (err) { console.log(JSON.stringify({ [method]: { error: err.message } })); }
            }
        })();`;
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["-e", script], {
            cwd: ROOT, env: { ...process.env, NODE_OPTIONS: "", PROVIDER_CODE: code, ...env, ...FAKE_CREDENTIALS },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("close", (exit) => resolve({ code: exit, stdout, stderr }));
    });
}
