// The DCDN steps `pulumi up` runs through scripts/dcdn.ts, against a stand-in DCDN endpoint on loopback that
// answers as the API reference documents (Content, or the error code DomainOwnerVerifyFail).
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { ROOT } from "../helpers";
import { FAKE_CREDENTIALS, FakeOpenApi } from "../fakeOpenApi";

/** DCDN as the API reference documents it: VerifyDcdnDomainOwner fails until `failuresLeft` runs out. */
function fakeDcdn(state: { failuresLeft: number }): FakeOpenApi {
    return new FakeOpenApi((call) => call.action === "VerifyDcdnDomainOwner" && state.failuresLeft-- > 0
        ? { error: "DomainOwnerVerifyFail", message: "Owner verification of the root domain failed." }
        : { body: { Content: call.action === "DescribeDcdnVerifyContent" ? "verify_0123abcd" : "verified" } });
}

function run(endpoint: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "dcdn.ts"), ...args], {
            cwd: ROOT,
            env: { ...process.env, CHINA_EDGE_DCDN_ENDPOINT: endpoint, ...FAKE_CREDENTIALS },
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
    const fake = fakeDcdn(state);
    const calls = fake.calls;
    let endpoint = "";
    before(async () => { endpoint = await fake.start(); });
    after(() => fake.stop());
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
