// The wait for a new instance's Cloud Assistant agent before its first delivery (components/proxy/cloudAssistantReady.ts),
// against a stand-in ECS endpoint on loopback that answers DescribeCloudAssistantStatus as its reference documents:
// in-process, and as the engine runs it, the provider's serialized code loaded alone by plain Node.
import { strict as assert } from "assert";
import { CLOUD_ASSISTANT_READY, waitForCloudAssistant } from "../../components/proxy/cloudAssistantReady";
import { one, runStackProgram } from "../helpers";
import { FAKE_CREDENTIALS, FakeOpenApi, runSerialized } from "../fakeOpenApi";

describe("the wait for Cloud Assistant on a new instance (a dynamic provider)", () => {
    // The agent reports "false" `startsIn` more times, then "true"; `failing` answers an API error instead.
    const state = { startsIn: 0, failing: false };
    const fake = new FakeOpenApi((call) => state.failing
        ? { error: "Throttling", message: "Request was denied due to request throttling." }
        : { body: { InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: [
            { InstanceId: call.params["InstanceId.1"], CloudAssistantStatus: state.startsIn-- > 0 ? "false" : "true" },
        ] } } });
    let endpoint = "";
    const env = () => ({ ...process.env, CHINA_EDGE_ECS_ENDPOINT: endpoint, ...FAKE_CREDENTIALS });
    before(async () => { endpoint = await fake.start(); });
    after(() => fake.stop());
    beforeEach(() => { fake.calls.length = 0; state.startsIn = 0; state.failing = false; });

    it("asks, signed, in the instance's region, until the agent runs", async () => {
        state.startsIn = 2;
        const wait = { region: "cn-shanghai", instanceId: "i-1", attempts: 5, intervalSeconds: 0 };
        assert.equal(await waitForCloudAssistant(wait, env()), "running (asked 3 times)");
        assert.deepEqual(fake.calls.map((c) => [c.action, c.params.RegionId, c.params["InstanceId.1"], c.signed]),
            Array(3).fill(["DescribeCloudAssistantStatus", "cn-shanghai", "i-1", true]));
    });

    it("stops once the attempts run out, naming the instance, its region and the last answer (an API error counts as not yet)", async () => {
        state.failing = true;
        await assert.rejects(waitForCloudAssistant({ region: "us-east-1", instanceId: "i-2", attempts: 2, intervalSeconds: 0 }, env()),
            /Cloud Assistant on i-2 \(us-east-1\) is not running after 2 asks, 0 s apart \(last: Throttling: Request was denied/);
        state.failing = false;
        state.startsIn = 10;
        await assert.rejects(waitForCloudAssistant({ region: "us-east-1", instanceId: "i-2", attempts: 2, intervalSeconds: 0 }, env()), /\(last: not running\)/);
    });

    it("every delivery waits for its host's agent, asked in the stack's region: Shanghai, US East, Hong Kong", async () => {
        for (const [stack, hosts] of [["us", { "us-origin-1": "us-east-1" }], ["cn", { "cn-edge-1": "cn-shanghai", "hk-redirector-1": "cn-hongkong" }]] as const) {
            const run = await runStackProgram(stack);
            for (const [host, region] of Object.entries(hosts)) {
                const ready = one(run, CLOUD_ASSISTANT_READY, `${host}-assistant`);
                assert.deepEqual([ready.inputs.region, ready.inputs.instanceId], [region, `${host}.id`]);
                const delivery = one(run, "alicloud:ecs/ecsInvocation:EcsInvocation", `${host}-config`);
                assert.ok(delivery.dependsOn?.includes(ready.urn), `${host}'s delivery waits for its agent`);
            }
        }
    });

    it("Logtail's install, another command on the hosts, waits for their agents too", async () => {
        const run = await runStackProgram("us", { logService: true, replicas: 2 });
        const install = one(run, "alicloud:ecs/ecsInvocation:EcsInvocation", "us-logs-install");
        for (const host of ["us-origin-1", "us-origin-2"]) {
            assert.ok(install.propertyDependencies.instanceIds?.includes(one(run, CLOUD_ASSISTANT_READY, `${host}-assistant`).urn), host);
        }
    });

    it("runs from the code the program hands the engine, in plain Node: waits on create, again only for another instance", async () => {
        const run = await runStackProgram("cn");
        const code = one(run, CLOUD_ASSISTANT_READY, "cn-edge-1-assistant").rawInputs.__provider;
        const wait = { region: "cn-shanghai", instanceId: "i-3", attempts: 3, intervalSeconds: 0 };
        const r = await runSerialized(code as string, { CHINA_EDGE_ECS_ENDPOINT: endpoint }, [
            ["create", wait],
            ["diff", "id", wait, wait],
            ["diff", "id", wait, { ...wait, instanceId: "i-4" }],
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n").map((l) => JSON.parse(l)), [
            { create: { id: "cloud-assistant:i-3", outs: { ...wait, status: "running (asked 1 time)" } } },
            { diff: { changes: false } },
            { diff: { changes: true } },
        ]);
    });
});
