// The DCDN steps `pulumi up` runs through scripts/dcdn.ts, against a stand-in DCDN endpoint on loopback that
// answers as the API reference documents (Content, or the error code DomainOwnerVerifyFail).
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { ROOT } from "../helpers";

interface Call { action: string; params: Record<string, string>; signed: boolean }

/** A DCDN stand-in: VerifyDcdnDomainOwner fails until `failuresLeft` runs out. */
function fakeDcdn(state: { failuresLeft: number }) {
    const calls: Call[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => { body += c; });
        req.on("end", () => {
            const params = Object.fromEntries([...new URL(req.url ?? "/", "http://x").searchParams, ...new URLSearchParams(body)]);
            const action = String(req.headers["x-acs-action"] ?? params.Action);
            calls.push({ action, params, signed: typeof req.headers.authorization === "string" || "Signature" in params });
            res.setHeader("content-type", "application/json");
            if (action === "VerifyDcdnDomainOwner" && state.failuresLeft-- > 0) {
                res.statusCode = 400;
                res.end(JSON.stringify({ Code: "DomainOwnerVerifyFail", Message: "Owner verification of the root domain failed.", RequestId: "r1" }));
                return;
            }
            res.end(JSON.stringify({ Content: action === "DescribeDcdnVerifyContent" ? "verify_0123abcd" : "verified", RequestId: "r2" }));
        });
    });
    return { calls, server };
}

function run(endpoint: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "dcdn.ts"), ...args], {
            cwd: ROOT,
            env: {
                ...process.env, CHINA_EDGE_DCDN_ENDPOINT: endpoint, ALIBABA_CLOUD_ACCESS_KEY_ID: "test-id",
                ALIBABA_CLOUD_ACCESS_KEY_SECRET: "test-secret", ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true",
            },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

describe("the DCDN steps of a deploy (scripts/dcdn.ts)", () => {
    const state = { failuresLeft: 0 };
    const { calls, server } = fakeDcdn(state);
    let endpoint = "";
    before((done) => { server.listen(0, "127.0.0.1", () => { endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`; done(); }); });
    after((done) => { server.close(() => done()); });
    beforeEach(() => { calls.length = 0; });

    it("prints the ownership content of a domain, asked with signed credentials", async () => {
        const r = await run(endpoint, "verify-content", "example.cn");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "verify_0123abcd");
        assert.deepEqual(calls.map((c) => [c.action, c.params.DomainName, c.signed]), [["DescribeDcdnVerifyContent", "example.cn", true]]);
    });

    it("asks again until DCDN sees the record, then succeeds", async () => {
        state.failuresLeft = 2;
        const r = await run(endpoint, "verify-owner", "example.cn", "--attempts", "5", "--interval", "0");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(calls.length, 3);
        assert.ok(calls.every((c) => c.action === "VerifyDcdnDomainOwner" && c.params.VerifyType === "dnsCheck"));
        assert.match(r.stderr, /not verified yet \(DomainOwnerVerifyFail/);
    });

    it("fails with the API's error once the attempts run out", async () => {
        state.failuresLeft = 5;
        const r = await run(endpoint, "verify-owner", "example.cn", "--attempts", "2", "--interval", "0");
        assert.equal(r.code, 1);
        assert.equal(calls.length, 2);
        assert.match(r.stderr, /dcdn: verify-owner example\.cn: DomainOwnerVerifyFail/);
        state.failuresLeft = 0;
    });

    it("switches the account's WebSocket function on: function 6, argument 12", async () => {
        const r = await run(endpoint, "websocket", "on");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(calls[0].action, "SetDcdnUserConfig");
        assert.equal(calls[0].params.FunctionId, "6");
        assert.deepEqual(JSON.parse(calls[0].params.Configs), [{ argId: 12, argValue: "on" }]);
    });

    it("refuses bad arguments with the usage and exit 2, calling nothing", async () => {
        for (const args of [["websocket", "maybe"], ["verify-owner"], ["verify-owner", "example.cn", "--attempts", "0"], ["nothing"]]) {
            const r = await run(endpoint, ...args);
            assert.equal(r.code, 2, args.join(" "));
            assert.match(r.stderr, /usage: dcdn /);
        }
        assert.equal(calls.length, 0);
    });
});
