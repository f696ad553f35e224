// The DCDN calls `pulumi up` makes where no provider resource exists (components/dcdn/steps.ts), against a stand-in
// DCDN endpoint on loopback that answers as the API reference documents (Content, or the error DomainOwnerVerifyFail):
// in-process, and as the engine runs them, the provider's serialized code loaded alone by plain Node.
import { strict as assert } from "assert";
import { DCDN_CALL, DcdnStep, runDcdnStep } from "../../components/dcdn/steps";
import { one, runStackProgram } from "../helpers";
import { FAKE_CREDENTIALS, FakeOpenApi, runSerialized } from "../fakeOpenApi";

/** DCDN as the API reference documents it: VerifyDcdnDomainOwner fails until `failuresLeft` runs out. */
function fakeDcdn(state: { failuresLeft: number }): FakeOpenApi {
    return new FakeOpenApi((call) => call.action === "VerifyDcdnDomainOwner" && state.failuresLeft-- > 0
        ? { error: "DomainOwnerVerifyFail", message: "Owner verification of the root domain failed." }
        : { body: { Content: call.action === "DescribeDcdnVerifyContent" ? "verify_0123abcd" : "verified" } });
}

describe("the DCDN calls of a deploy (a dynamic provider)", () => {
    const state = { failuresLeft: 0 };
    const fake = fakeDcdn(state);
    const calls = fake.calls;
    let endpoint = "";
    const env = () => ({ ...process.env, CHINA_EDGE_DCDN_ENDPOINT: endpoint, ...FAKE_CREDENTIALS });
    before(async () => { endpoint = await fake.start(); });
    after(() => fake.stop());
    beforeEach(() => { calls.length = 0; state.failuresLeft = 0; });

    it("answers the ownership content of a domain, asked with signed credentials", async () => {
        assert.equal(await runDcdnStep({ action: "verify-content", domain: "example.cn" }, env()), "verify_0123abcd");
        assert.deepEqual(calls.map((c) => [c.action, c.params.DomainName, c.signed]), [["DescribeDcdnVerifyContent", "example.cn", true]]);
    });

    it("asks again until DCDN sees the record, then succeeds; fails with the API's error once the attempts run out", async () => {
        state.failuresLeft = 2;
        assert.equal(await runDcdnStep({ action: "verify-owner", domain: "example.cn", attempts: 5, intervalSeconds: 0 }, env()), "verified");
        assert.equal(calls.length, 3);
        assert.ok(calls.every((c) => c.action === "VerifyDcdnDomainOwner" && c.params.VerifyType === "dnsCheck"));
        calls.length = 0;
        state.failuresLeft = 5;
        await assert.rejects(runDcdnStep({ action: "verify-owner", domain: "example.cn", attempts: 2, intervalSeconds: 0 }, env()),
            /DCDN did not verify example\.cn after 2 attempts: DomainOwnerVerifyFail/);
        assert.equal(calls.length, 2);
    });

    it("switches the account's WebSocket function on: function 6, argument 12", async () => {
        assert.equal(await runDcdnStep({ action: "websocket", on: true }, env()), "websocket on");
        assert.equal(calls[0].action, "SetDcdnUserConfig");
        assert.equal(calls[0].params.FunctionId, "6");
        assert.deepEqual(JSON.parse(calls[0].params.Configs), [{ argId: 12, argValue: "on" }]);
    });

    it("reads a name's functions back until DCDN applied them; fails with what DCDN holds when it did not, or holds other values", async () => {
        const held: { status: string; enabled: string }[] = [{ status: "configuring", enabled: "on" }, { status: "success", enabled: "on" }];
        const functions = new FakeOpenApi((call) => {
            const now = held.length > 1 ? held.shift()! : held[0];
            return { body: { DomainConfigs: { DomainConfig: [
                { FunctionName: "websocket", Status: now.status, ConfigId: 1, FunctionArgs: { FunctionArg: [{ ArgName: "enabled", ArgValue: now.enabled }, { ArgName: "heartbeat", ArgValue: "60" }] } },
                { FunctionName: "dynamic", Status: "success", ConfigId: 2, FunctionArgs: { FunctionArg: [{ ArgName: "enable", ArgValue: "on" }, { ArgName: "dynamic_route_origin", ArgValue: "https" }] } },
            ].filter((c) => call.params.FunctionNames.split(",").includes(c.FunctionName)) } } };
        });
        const local = { ...env(), CHINA_EDGE_DCDN_ENDPOINT: await functions.start() };
        try {
            const step: DcdnStep = { action: "check-functions", domain: "example.cn", attempts: 3, intervalSeconds: 0,
                expect: { websocket: { enabled: "on" }, dynamic: { enable: "on", dynamic_route_origin: "https" } } };
            assert.deepEqual(JSON.parse(await runDcdnStep(step, local)), {
                websocket: { enabled: "on", heartbeat: "60" }, dynamic: { enable: "on", dynamic_route_origin: "https" } }, "every argument DCDN holds");
            assert.deepEqual(functions.calls.map((c) => [c.action, c.params.DomainName, c.params.FunctionNames]),
                [["DescribeDcdnDomainConfigs", "example.cn", "websocket,dynamic"], ["DescribeDcdnDomainConfigs", "example.cn", "websocket,dynamic"]]);
            held.splice(0, held.length, { status: "success", enabled: "off" });
            await assert.rejects(runDcdnStep(step, local), /DCDN holds example\.cn's websocket: status success, \{"enabled":"off","heartbeat":"60"\}, not websocket \{"enabled":"on"\}/);
            held.splice(0, held.length, { status: "failed", enabled: "on" });
            await assert.rejects(runDcdnStep(step, local), /DCDN did not apply example\.cn's websocket: status failed/);
            await assert.rejects(runDcdnStep({ ...step, expect: { ...step.expect, https_force: {} } }, local), /did not apply example\.cn's websocket: status failed.*; https_force: none/);
        } finally {
            await functions.stop();
        }
    });

    it("runs from the code the program hands the engine, in plain Node: create, no change, update on a new trigger", async () => {
        const run = await runStackProgram("cn");
        const code = one(run, DCDN_CALL, "dcdn-owner-content").rawInputs.__provider;
        assert.equal(typeof code, "string");
        const step: DcdnStep = { action: "verify-content", domain: "example.cn" };
        const r = await runSerialized(code as string, { CHINA_EDGE_DCDN_ENDPOINT: endpoint }, [
            ["create", { step }],
            ["diff", "id", { step }, { step }],
            ["diff", "id", { step, trigger: "a" }, { step, trigger: "b" }],
            ["update", "id", { step }, { step: { action: "websocket", on: false } }],
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n").map((l) => JSON.parse(l)), [
            { create: { id: "verify-content:example.cn", outs: { step, answer: "verify_0123abcd" } } },
            { diff: { changes: false } },
            { diff: { changes: true } },
            { update: { outs: { step: { action: "websocket", on: false }, answer: "websocket off" } } },
        ]);
        assert.deepEqual(calls.map((c) => c.action), ["DescribeDcdnVerifyContent", "SetDcdnUserConfig"]);
    });
});
