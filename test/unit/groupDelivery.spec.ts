// A change of a scaling group's bundle taken to the instances in service (components/proxy/groupDelivery.ts), against
// stand-ins of the Auto Scaling and ECS endpoints on loopback answering DescribeScalingInstances, RunCommand and
// DescribeInvocationResults as their references document: in-process, and as the engine runs it, from the serialized code.
import { strict as assert } from "assert";
import { GROUP_DELIVERY, deliverToGroup } from "../../components/proxy/groupDelivery";
import { one, runStackProgram } from "../helpers";
import { FAKE_CREDENTIALS, FakeOpenApi, runSerialized } from "../fakeOpenApi";

describe("a change of a scaling group's bundle, on the instances in service (a dynamic provider)", () => {
    // The group's instances in service, and each one's outcome: Success, or Failed with the apply tool's words.
    const state = { instances: [] as string[], failing: new Set<string>() };
    const ess = new FakeOpenApi((call) => ({ body: {
        TotalCount: state.instances.length,
        ScalingInstances: { ScalingInstance: state.instances.map((id) => ({ InstanceId: id, LifecycleState: call.params.LifecycleState })) },
    } }));
    const ecs = new FakeOpenApi((call) => call.action === "RunCommand"
        ? { body: { InvokeId: `t-${call.params["InstanceId.1"]}` } }
        : { body: { Invocation: { InvocationResults: { InvocationResult: [{
            InstanceId: call.params.InstanceId,
            ...(state.failing.has(call.params.InstanceId)
                ? { InvocationStatus: "Failed", ExitCode: 1, Output: Buffer.from("china-edge-apply: haproxy -c refused it\nputting the previous files back\n").toString("base64") }
                : { InvocationStatus: "Success", ExitCode: 0, Output: Buffer.from("applied (1 files changed), reloaded\n").toString("base64") }),
        }] } } } });
    const endpoints = { CHINA_EDGE_ESS_ENDPOINT: "", CHINA_EDGE_ECS_ENDPOINT: "" };
    const env = () => ({ ...process.env, ...endpoints, ...FAKE_CREDENTIALS });
    const change = { region: "cn-shanghai", scalingGroupId: "asg-1", script: "#!/bin/sh\napply v2\n", name: "china-edge-cn-cn-edge-change", timeoutSeconds: 60, pollMs: 1 };
    before(async () => { endpoints.CHINA_EDGE_ESS_ENDPOINT = await ess.start(); endpoints.CHINA_EDGE_ECS_ENDPOINT = await ecs.start(); });
    after(async () => { await ess.stop(); await ecs.stop(); });
    beforeEach(() => { ess.calls.length = 0; ecs.calls.length = 0; state.instances = []; state.failing.clear(); });

    it("runs the apply command on each instance in service, one after another, signed, in the group's region", async () => {
        state.instances = ["i-1", "i-2", "i-3"];
        assert.equal(await deliverToGroup(change, env()), "applied on i-1, i-2, i-3");
        assert.deepEqual(ess.calls.map((c) => [c.action, c.params.RegionId, c.params.ScalingGroupId, c.params.LifecycleState, c.signed]),
            [["DescribeScalingInstances", "cn-shanghai", "asg-1", "InService", true]]);
        const runs = ecs.calls.filter((c) => c.action === "RunCommand");
        assert.deepEqual(runs.map((c) => [c.params["InstanceId.1"], Buffer.from(c.params.CommandContent, "base64").toString(), c.params.Type]),
            state.instances.map((id) => [id, change.script, "RunShellScript"]));
        const order = ecs.calls.map((c) => `${c.action}:${c.params["InstanceId.1"] ?? c.params.InstanceId}`);
        assert.ok(order.indexOf("RunCommand:i-2") > order.lastIndexOf("DescribeInvocationResults:i-1"), "the next only once the one before has its result");
    });

    it("stops at the first instance that does not apply it, naming it, the ones before and what its apply tool said", async () => {
        state.instances = ["i-1", "i-2", "i-3"];
        state.failing.add("i-2");
        await assert.rejects(deliverToGroup(change, env()),
            /i-2 did not apply the change \(Failed, exit 1\) after i-1 had; the instances after it keep what they served, new ones fetch the change:\n.*haproxy -c refused it/s);
        assert.ok(!ecs.calls.some((c) => c.params["InstanceId.1"] === "i-3"), "i-3 is not touched");
    });

    it("has nothing to do before the group has an instance in service: each fetches the bundle as it joins", async () => {
        assert.equal(await deliverToGroup(change, env()), "no instance in service yet: each fetches the bundle as it joins");
        assert.equal(ecs.calls.length, 0);
    });

    it("is in the plan of a scaling group, with its apply command, and runs from the code the program hands the engine: again only for a new script", async () => {
        const run = await runStackProgram("cn", { redirector: false, certificates: "self-signed", dcdn: false, maxReplicas: 4, minReplicas: 2 });
        const delivery = one(run, GROUP_DELIVERY, "cn-edge-change");
        assert.deepEqual([delivery.inputs.region, delivery.inputs.scalingGroupId], ["cn-shanghai", "cn-edge-group.id"]);
        assert.ok(delivery.dependsOn?.includes(one(run, "alicloud:oss/bucketObject:BucketObject", "cn-edge-bundle").urn), "the bundle stored first");
        state.instances = ["i-7"];
        const r = await runSerialized(delivery.rawInputs.__provider as string, endpoints, [
            ["create", change],
            ["diff", "id", change, change],
            ["diff", "id", change, { ...change, script: "#!/bin/sh\napply v3\n" }],
        ]);
        assert.equal(r.code, 0, r.stderr);
        // Its progress lines go to the engine's log (stdout outside an engine); each call's answer is a JSON line.
        assert.deepEqual(r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)), [
            { create: { id: "group-delivery:asg-1", outs: { ...change, delivered: "applied on i-7" } } },
            { diff: { changes: false } },
            { diff: { changes: true } },
        ]);
    });
});
