import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { runProgram } from "../../harness/plan/mockEngine";

describe("the plan's mock engine", () => {
    it("records real inputs, parents and providers, with secrets hidden and computed outputs named", async () => {
        const run = await runProgram({ project: "china-edge", stack: "t", config: {} }, async () => {
            const provider = new alicloud.Provider("p", { region: "cn-shanghai" });
            const vpc = new alicloud.vpc.Network("v", { cidrBlock: "10.0.0.0/16" }, { provider });
            new alicloud.ecs.Instance("i", {
                instanceType: "ecs.g8i.large", password: pulumi.secret("hunter2"),
                userData: vpc.routeTableId, tags: { note: "plain" },
            }, { provider, parent: vpc });
            return { table: vpc.routeTableId };
        });
        const instance = run.resources.find((r) => r.name === "i")!;
        const vpc = run.resources.find((r) => r.name === "v")!;
        assert.equal(instance.inputs.password, "[secret]");
        assert.doesNotMatch(JSON.stringify(run.resources.map((r) => r.inputs)), /hunter2/);
        assert.equal(instance.inputs.userData, "v.routeTableId");
        assert.deepEqual(instance.inputs.tags, { note: "plain" });
        assert.equal(instance.parent, vpc.urn);
        assert.match(instance.provider!, /pulumi:providers:alicloud::p::p\.id$/);
        assert.deepEqual(instance.propertyDependencies.userData, [vpc.urn]);
        assert.deepEqual(run.outputs, { table: "v.routeTableId" });
    });
});
