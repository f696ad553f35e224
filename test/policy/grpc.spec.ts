// The pack as the CLI runs it: its own process, started by run-policy-pack, spoken to over gRPC.
import { strict as assert } from "assert";
import * as alicloud from "@pulumi/alicloud";
import { PolicyPackServer, AnalyzedResource } from "../../harness/plan/policyPack";
import { analyze } from "../../harness/plan/planStack";
import { runProgram } from "../../harness/plan/mockEngine";
import { OriginProxy } from "../../components/proxy/originProxy";
import { RegionalNetwork } from "../../components/network/regionalNetwork";
import { policies } from "../../policy/policies";
import { runStackProgram } from "../helpers";
import { UNKNOWN, runResourcePolicy } from "./args";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";

const INSTANCE = ECS_INSTANCE;
const good = { instanceType: "ecs.g8i.large", systemDiskSize: 100, systemDiskCategory: "cloud_essd" };
const resource = (props: Record<string, unknown>, type = INSTANCE, name = "vm"): AnalyzedResource =>
    ({ type, name, urn: `urn:pulumi:test::china-edge::${type}::${name}`, properties: props });

describe("policy pack over gRPC", () => {
    let pack: PolicyPackServer;
    before(async () => { pack = await PolicyPackServer.start(); });
    after(() => pack?.stop());

    it("lists every rule with its level and config schema", async () => {
        const info = await pack.info();
        assert.equal(info.name, "china-edge");
        assert.deepEqual(info.policies.map((p) => [p.name, p.level]), policies.map((p) => [p.name, p.enforcementLevel]));
        const disk = info.policies.find((p) => p.name === "minimum-disk-size")!;
        assert.equal((disk.configSchema as any).minSizeGb.default, 100);
    });

    it("reports what the direct tests report", async () => {
        const fixtures: [string, Record<string, unknown>][] = [
            [INSTANCE, { ...good, instanceType: "ecs.t6-c1m1.large" }],
            [INSTANCE, { ...good, systemDiskSize: 40 }],
            ["alicloud:ecs/securityGroupRule:SecurityGroupRule", { type: "ingress", ipProtocol: "all", portRange: "-1/-1", cidrIp: "0.0.0.0/0" }],
        ];
        for (const [type, props] of fixtures) {
            const direct = (await Promise.all(policies.filter((p) => "validateResource" in p)
                .map(async (p) => (await runResourcePolicy(p as any, type, props)).violations.map((m) => [p.name, m])))).flat();
            const viaGrpc = await pack.analyze(resource(props, type));
            assert.equal(viaGrpc.length, direct.length, JSON.stringify(viaGrpc));
            for (const [name, message] of direct) {
                const d = viaGrpc.find((v) => v.policy === name);
                assert.ok(d && d.message.endsWith(message), `${name}: ${JSON.stringify(viaGrpc)}`);
                assert.equal(d!.level, policies.find((p) => p.name === name)!.enforcementLevel);
            }
        }
    });

    it("reports an unknown value at preview as advisory, saying it cannot judge", async () => {
        const [d] = await pack.analyze(resource({ ...good, instanceType: UNKNOWN }));
        assert.equal(d.level, "advisory");
        assert.match(d.message, /can't run policy 'no-burstable-instances'.*during preview/);
    });

    it("applies Configure overrides: thresholds and levels", async () => {
        try {
            await pack.configure({
                "minimum-disk-size": { enforcementLevel: "mandatory", minSizeGb: 200 },
                "no-burstable-instances": { enforcementLevel: "disabled" },
                "essd-system-disk": { enforcementLevel: "mandatory" },
            });
            const found = await pack.analyze(resource({ ...good, instanceType: "ecs.t6-c1m1.large", systemDiskSize: 150, systemDiskCategory: "cloud_efficiency" }));
            assert.deepEqual(found.map((d) => [d.policy, d.level]).sort(), [["essd-system-disk", "mandatory"], ["minimum-disk-size", "mandatory"]]);
            assert.match(found.find((d) => d.policy === "minimum-disk-size")!.message, /200 or more/);
        } finally {
            await pack.configure({});
        }
    });

    it("runs stack policies with property dependencies", async () => {
        const vpc = (name: string, cidr: string) => ({ ...resource({ cidrBlock: cidr }, "alicloud:vpc/network:Network", name) });
        const att = (name: string, v: string) => ({
            ...resource({ cenId: "cen-1" }, "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment", name),
            propertyDependencies: { vpcId: [`urn:pulumi:test::china-edge::alicloud:vpc/network:Network::${v}`] },
        });
        const found = await pack.analyzeStack([vpc("a", "10.0.0.0/16"), vpc("b", "10.0.0.0/24"), att("att-a", "a"), att("att-b", "b")]);
        assert.deepEqual(found.map((d) => [d.policy, d.urn]), [["cen-vpcs-do-not-overlap", "urn:pulumi:test::china-edge::alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment::att-b"]]);
    });
});

describe("policy pack over the project's stacks", () => {
    for (const stack of ["us", "cn"] as const) {
        it(`finds no mandatory violation in the ${stack} stack`, async () => {
            const run = await runStackProgram(stack);
            const found = await analyze(run.resources);
            assert.deepEqual(found.filter((v) => v.level === "mandatory"), []);
        });
    }

    it("rejects a t6 proxy with a 40 GB disk and SSH from anywhere when the config's validation is bypassed, one violation each", async () => {
        const run = await runProgram({ project: "china-edge", stack: "bad", config: {} }, async () => {
            const provider = new alicloud.Provider("bad", { region: "cn-shanghai" });
            // Components take their input as given; only the stack config refuses these values.
            const net = new RegionalNetwork("bad", { cidrBlock: "10.9.0.0/16", vswitches: [{ zoneId: "cn-shanghai-l", cidrBlock: "10.9.1.0/24" }] }, { provider });
            new OriginProxy("bad", {
                vpcId: net.vpcId, vswitches: net.vswitches, securityGroupId: net.securityGroupId,
                vpcCidr: "10.9.0.0/16", hosts: [{ origin: "example.com", public: "example.cn" }], thirdParty: [], edgeVpcCidr: "10.10.0.0/16",
                httpPort: false, egress: "eip", replicas: 1, adminCidrs: ["0.0.0.0/0"], certificate: { source: "self-signed" },
                link: { caCertificate: "ca", certificate: "cert", privateKey: "key" },
                settings: { instanceType: "ecs.t6-c1m1.large", systemDiskSize: 40, systemDiskCategory: "cloud_essd" },
            }, { provider });
            return {};
        });
        const mandatory = (await analyze(run.resources)).filter((v) => v.level === "mandatory");
        assert.deepEqual(mandatory.map((v) => [v.policy, v.urn!.split("::").pop()]).sort(), [
            ["minimum-disk-size", "bad-1"], ["no-burstable-instances", "bad-1"], ["no-public-ssh", "bad-ssh-0"],
        ]);
    });
});
