// The pack's coverage table held against the installed provider's typed inputs.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { WAIVERS } from "china-edge-policy/coverage/waived";
import { CoverageRow, coverage, coverageDocument, judgedPaths } from "../../harness/policy/coverage";
import { kindOf, scanProviderInputs } from "../../harness/policy/providerInputs";
import { ROOT } from "../helpers";

const RULE_OF_KIND: Record<string, string> = {
    instanceType: "no-burstable-instances", family: "no-burstable-instances", burstable: "no-burstable-instances",
    diskSize: "minimum-disk-size", ingress: "no-public-ssh",
};
const name = (r: CoverageRow) => `${r.input.token} ${r.input.path}`;

describe("policy: coverage of the provider's inputs", () => {
    let rows: CoverageRow[];
    before(() => { rows = coverage(scanProviderInputs()); });

    it("finds the inputs the rules were first written for, and those the scan must not miss", () => {
        const found = new Set(rows.map(name));
        for (const expected of [
            "alicloud:ecs/instance:Instance instanceType", "alicloud:ecs/instance:Instance systemDiskSize",
            "alicloud:ecs/instance:Instance dataDisks[].size", "alicloud:ecs/securityGroupRule:SecurityGroupRule cidrIp",
            "alicloud:ess/scalingConfiguration:ScalingConfiguration instanceTypeOverrides[].instanceType",
            "alicloud:ess/scalingGroup:ScalingGroup launchTemplateOverrides[].instanceType",
            "alicloud:ecs/autoProvisioningGroup:AutoProvisioningGroup launchTemplateConfigs[].instanceType",
            "alicloud:ess/scalingConfiguration:ScalingConfiguration instancePatternInfos[].instanceFamilyLevel",
            "alicloud:cs/nodePool:NodePool instancePatterns[].instanceFamilyLevel",
            "alicloud:cs/edgeKubernetes:EdgeKubernetes workerDataDisks[].size",
        ]) {
            assert.ok(found.has(expected), expected);
        }
        assert.equal(kindOf("alicloud:rds/instance:Instance", [], "pageSize"), undefined);
        assert.equal(kindOf("alicloud:ecs/disk:Disk", [], "size"), "diskSize");
        assert.equal(kindOf("alicloud:ecs/instance:Instance", ["dataDisks"], "size"), "diskSize");
    });

    it("judges or waives every input that picks an instance type, family or level, sizes a disk or opens ingress", () => {
        const undecided = rows.filter((r) => !r.judged && !r.waived).map(name);
        assert.deepEqual(undecided, [], "judge each in policy/coverage/judged.ts or waive it with its reason in policy/coverage/waived.ts");
    });

    it("never both judges and waives an input, and judges each by the rule of its kind", () => {
        assert.deepEqual(rows.filter((r) => r.judged && r.waived).map(name), []);
        for (const r of rows.filter((x) => x.judged)) {
            assert.equal(r.judged!.rule, RULE_OF_KIND[r.input.kind], name(r));
        }
    });

    it("names no input the provider does not have, and no waiver that covers nothing", () => {
        const found = new Set(rows.map(name));
        assert.deepEqual([...judgedPaths().keys()].filter((k) => !found.has(k)), []);
        assert.deepEqual(WAIVERS.filter((w) => !rows.some((r) => r.waived === w.reason)).map((w) => w.reason), []);
    });

    it("takes an unset disk's size from the provider's documentation where it gives one", () => {
        for (const r of rows.filter((x) => x.judged?.rule === "minimum-disk-size" && x.input.documentedDefault)) {
            const documented = Number(/\d+/.exec(r.input.documentedDefault!)?.[0]);
            assert.equal(r.judged!.unsetGb, documented, `${name(r)}: the provider documents "${r.input.documentedDefault}"`);
        }
    });

    it("is what policy/COVERAGE.md shows: run `npm run policy:coverage` after a provider upgrade or a table change", () => {
        assert.equal(fs.readFileSync(path.join(ROOT, "policy/COVERAGE.md"), "utf8"), coverageDocument(rows));
    });
});
