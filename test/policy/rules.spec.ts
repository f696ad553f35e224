import { strict as assert } from "assert";
import { policies } from "../../policy/policies";
import { inProcess } from "./args";
import { ruleCases } from "./ruleCases";
import { tableCases } from "./tableCases";

describe("policy: the pack's metadata", () => {
    it("names every policy in kebab case, once, with a description and a level", () => {
        const names = policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(p.description.length > 20, p.name);
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", p.name);
            assert.ok(!("enforcementLevel" in (p.configSchema?.properties ?? {})), p.name);
        }
        assert.deepEqual(policies.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.name),
            ["no-burstable-instances", "no-public-ssh", "minimum-disk-size"]);
    });
});

ruleCases(inProcess);
tableCases(inProcess);
