// The cases every rule is held to, judged in-process (rules.spec.ts) and by the pack as published (published.spec.ts).
import { strict as assert } from "assert";
import { noBurstableInstances } from "../../policy/rules/noBurstableInstances";
import { noPublicSsh } from "../../policy/rules/noPublicSsh";
import { minimumDiskSize } from "../../policy/rules/minimumDiskSize";
import { essdSystemDisk } from "../../policy/rules/essdSystemDisk";
import { cenBandwidthPackageRenewal } from "../../policy/rules/cenBandwidthPackageRenewal";
import { userDataSize } from "../../policy/rules/userDataSize";
import { publicIpBehindNat } from "../../policy/rules/publicIpBehindNat";
import { cenVpcsDoNotOverlap } from "../../policy/rules/cenVpcsDoNotOverlap";
import { Judge, UNKNOWN, assertionsOf } from "./args";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";

const INSTANCE = ECS_INSTANCE;
const INSTANCE_SET = "alicloud:ecs/ecsInstanceSet:EcsInstanceSet";
const ECS_LT = "alicloud:ecs/ecsLaunchTemplate:EcsLaunchTemplate";
const LT = "alicloud:ecs/launchTemplate:LaunchTemplate";
const SCALING = "alicloud:ess/scalingConfiguration:ScalingConfiguration";
const NODE_POOL = "alicloud:cs/nodePool:NodePool";
const K8S = "alicloud:cs/kubernetes:Kubernetes";
const RULE = "alicloud:ecs/securityGroupRule:SecurityGroupRule";
const DISK = "alicloud:ecs/disk:Disk";
const ECS_DISK = "alicloud:ecs/ecsDisk:EcsDisk";
const EDGE_K8S = "alicloud:cs/edgeKubernetes:EdgeKubernetes";
const ENS_GROUP = "alicloud:ens/securityGroup:SecurityGroup";

/** The hand-written cases of each rule. */
export function ruleCases(judge: Judge): void {
    const { assertPasses, assertViolation } = assertionsOf(judge);

    describe("policy: no-burstable-instances", () => {
        const ok = "ecs.g8i.large";
        const cases: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
            [INSTANCE, { instanceType: ok }, { instanceType: "ecs.t6-c1m1.large" }, "family t6"],
            [INSTANCE_SET, { instanceType: ok }, { instanceType: "ecs.t5-lc1m2.small" }, "family t5"],
            [ECS_LT, { instanceType: ok }, { instanceType: "ecs.e-c1m2.large" }, "family e"],
            [LT, { instanceType: ok }, { instanceType: "ecs.s6-c1m1.small" }, "family s6"],
            [SCALING, { instanceType: ok, instanceTypes: [ok, "ecs.c8i.large"] }, { instanceTypes: [ok, "ecs.t6-c2m1.large"] }, "instanceTypes[1] \"ecs.t6-c2m1.large\""],
            [NODE_POOL, { instanceTypes: [ok] }, { instanceTypes: ["ecs.n4.small", ok] }, "family n4"],
            [K8S, { masterInstanceTypes: [ok, ok, ok] }, { masterInstanceTypes: [ok, "ecs.xn4.small", ok] }, "family xn4"],
        ];
        for (const [type, good, bad, message] of cases) {
            it(`passes and refuses ${type.split(":").pop()}`, async () => {
                await assertPasses(noBurstableInstances, type, good);
                await assertViolation(noBurstableInstances, type, bad, message);
            });
        }

        it("refuses a credit specification set at all", async () => {
            await assertViolation(noBurstableInstances, INSTANCE, { instanceType: ok, creditSpecification: "Standard" }, "creditSpecification");
            await assertViolation(noBurstableInstances, SCALING, { instanceType: ok, creditSpecification: "Unlimited" }, "creditSpecification");
        });

        it("refuses types chosen by overrides and patterns", async () => {
            await assertViolation(noBurstableInstances, SCALING, { instanceTypeOverrides: [{ instanceType: ok, weightedCapacity: 1 }, { instanceType: "ecs.t6-c1m2.large", weightedCapacity: 1 }] },
                'instanceTypeOverrides[1].instanceType "ecs.t6-c1m2.large"');
            await assertViolation(noBurstableInstances, "alicloud:ess/scalingGroup:ScalingGroup", { launchTemplateOverrides: [{ instanceType: "ecs.t5-lc1m1.small" }] }, "launchTemplateOverrides[0].instanceType");
            await assertViolation(noBurstableInstances, NODE_POOL, { instancePatterns: [{ instanceFamilyLevel: "EntryLevel", cores: 2 }] }, 'instancePatterns[0].instanceFamilyLevel "EntryLevel"');
            await assertViolation(noBurstableInstances, SCALING, { instancePatternInfos: [{ cores: 2, instanceFamilyLevel: "CreditEntryLevel" }] }, "CreditEntryLevel");
            await assertPasses(noBurstableInstances, NODE_POOL, { instancePatterns: [{ instanceFamilyLevel: "EnterpriseLevel", instanceTypeFamilies: ["ecs.g8i", "ecs.c8i"] }] });
            await assertViolation(noBurstableInstances, EDGE_K8S, { workerInstanceTypes: [ok, "ecs.t6-c1m1.large"] }, "workerInstanceTypes[1]");
        });
        it("cannot judge a type unknown at preview inside an override, and refuses nothing for it", async () => {
            const outcome = await judge.resource(noBurstableInstances, SCALING, { instanceTypeOverrides: [{ instanceType: UNKNOWN }] });
            assert.deepEqual([outcome.violations, outcome.unknown], [[], true]);
        });
        it("refuses scaling patterns that include burstable types", async () => {
            await assertViolation(noBurstableInstances, SCALING, { instancePatternInfos: [{ cores: 2, burstablePerformance: "Include" }] }, "Exclude");
            await assertPasses(noBurstableInstances, SCALING, { instancePatternInfos: [{ cores: 2, burstablePerformance: "Exclude" }] });
        });

        it("takes the family list from config", async () => {
            await assertViolation(noBurstableInstances, INSTANCE, { instanceType: ok }, "family g8i", { forbiddenFamilies: ["g8i"] });
            await assertPasses(noBurstableInstances, INSTANCE, { instanceType: "ecs.t6-c1m1.large" }, { forbiddenFamilies: ["t5"] });
        });

        it("is not applicable to other types and cannot judge an unknown type", async () => {
            assert.equal((await judge.resource(noBurstableInstances, RULE, {})).notApplicable, true);
            assert.equal((await judge.resource(noBurstableInstances, INSTANCE, { instanceType: UNKNOWN })).unknown, true);
        });
    });

    describe("policy: no-public-ssh", () => {
        const rule = (over: Record<string, unknown>) => ({ type: "ingress", ipProtocol: "tcp", portRange: "22/22", cidrIp: "0.0.0.0/0", policy: "accept", ...over });
        it("refuses TCP 22 from 0.0.0.0/0 and from ::/0", async () => {
            await assertViolation(noPublicSsh, RULE, rule({}), "0.0.0.0/0");
            await assertViolation(noPublicSsh, RULE, rule({ cidrIp: undefined, ipv6CidrIp: "::/0" }), "::/0");
        });
        it("refuses a range holding 22, protocol all, and a /0 written another way", async () => {
            await assertViolation(noPublicSsh, RULE, rule({ portRange: "1/1024" }), "port 22");
            await assertViolation(noPublicSsh, RULE, rule({ ipProtocol: "all", portRange: "-1/-1" }), "port 22");
            await assertViolation(noPublicSsh, RULE, rule({ cidrIp: "10.0.0.0/0" }), "0.0.0.0/0");
        });
        it("passes drop rules, egress, other ports, other protocols and narrow sources", async () => {
            await assertPasses(noPublicSsh, RULE, rule({ policy: "drop" }));
            await assertPasses(noPublicSsh, RULE, rule({ type: "egress" }));
            await assertPasses(noPublicSsh, RULE, rule({ portRange: "443/443" }));
            await assertPasses(noPublicSsh, RULE, rule({ portRange: "23/1024" }));
            await assertPasses(noPublicSsh, RULE, rule({ ipProtocol: "udp" }));
            await assertPasses(noPublicSsh, RULE, rule({ cidrIp: "203.0.113.0/24" }));
        });
        it("takes the port and ranges from config", async () => {
            await assertViolation(noPublicSsh, RULE, rule({ portRange: "2222/2222" }), "port 2222", { port: 2222 });
            await assertViolation(noPublicSsh, RULE, rule({ cidrIp: "100.64.0.0/10" }), "100.64.0.0/10", { cidrs: ["100.64.1.0/24"] });
        });
        it("judges each permission of an ENS security group", async () => {
            const permission = (over: Record<string, unknown>) => ({ direction: "ingress", ipProtocol: "tcp", portRange: "22/22", sourceCidrIp: "203.0.113.0/24", policy: "accept", ...over });
            await assertViolation(noPublicSsh, ENS_GROUP, { permissions: [permission({}), permission({ sourceCidrIp: "0.0.0.0/0" })] }, "permissions[1]: ingress tcp 22/22 from 0.0.0.0/0");
            await assertViolation(noPublicSsh, ENS_GROUP, { permissions: [permission({ ipv6SourceCidrIp: "::/0", ipProtocol: "all", portRange: "-1/-1" })] }, "::/0");
            await assertPasses(noPublicSsh, ENS_GROUP, { permissions: [permission({ sourceCidrIp: "0.0.0.0/0", direction: "egress" }), permission({ sourceCidrIp: "0.0.0.0/0", policy: "drop" })] });
        });
        it("says so when a rule cannot be judged at preview", async () => {
            assert.equal((await judge.resource(noPublicSsh, RULE, rule({ cidrIp: UNKNOWN }))).unknown, true);
        });
    });

    describe("policy: minimum-disk-size", () => {
        const cases: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
            [INSTANCE, { systemDiskSize: 100, dataDisks: [{ size: 200 }] }, { systemDiskSize: 100, dataDisks: [{ size: 50 }] }, "dataDisks[0].size is 50 GB"],
            [INSTANCE_SET, { systemDiskSize: 120, dataDisks: [{ diskSize: 100 }] }, { systemDiskSize: 80 }, "systemDiskSize is 80 GB"],
            [ECS_LT, { systemDisk: { size: 100 } }, { systemDisk: { size: 40 } }, "systemDisk.size is 40 GB"],
            [LT, { systemDiskSize: 100, dataDisks: [{ size: 100 }] }, { systemDisk: { size: 100 }, dataDisks: [{ size: 20 }] }, "dataDisks[0].size is 20 GB"],
            [SCALING, { systemDiskSize: 100 }, { systemDiskSize: 99 }, "99 GB"],
            [NODE_POOL, { systemDiskSize: 120, dataDisks: [{ size: 200 }] }, { systemDiskSize: 120, dataDisks: [{ size: 40 }] }, "40 GB"],
            [K8S, { masterDiskSize: 100 }, {}, "masterDiskSize is not set"],
            [DISK, { size: 100 }, { size: 20 }, "size is 20 GB"],
            [ECS_DISK, { size: 500 }, { size: 64 }, "size is 64 GB"],
        ];
        for (const [type, good, bad, message] of cases) {
            it(`passes and refuses ${type.split(":").pop()}`, async () => {
                await assertPasses(minimumDiskSize, type, good);
                await assertViolation(minimumDiskSize, type, bad, message);
            });
        }
        it("refuses an instance whose system disk size is unset (the cloud gives it 40 GB)", async () => {
            await assertViolation(minimumDiskSize, INSTANCE, { instanceType: "ecs.g8i.large" }, "gives the system disk 40 GB");
        });
        it("reads a size given as a string as a number, and names one that is not a number", async () => {
            await assertPasses(minimumDiskSize, EDGE_K8S, { workerDiskSize: 120, workerDataDisks: [{ size: "200" }] });
            await assertViolation(minimumDiskSize, EDGE_K8S, { workerDiskSize: 120, workerDataDisks: [{ size: "40" }] }, "workerDataDisks[0].size is 40 GB");
            await assertViolation(minimumDiskSize, EDGE_K8S, { workerDiskSize: 120, workerDataDisks: [{ size: "big" }] }, 'workerDataDisks[0].size is "big", which is not a size in GB');
        });
        it("refuses a size left unset where the provider's documented default is under the minimum", async () => {
            await assertViolation(minimumDiskSize, EDGE_K8S, {}, "workerDiskSize is not set, so Alibaba Cloud gives the system disk 40 GB");
            await assertViolation(minimumDiskSize, NODE_POOL, { systemDiskSize: 120, dataDisks: [{ category: "cloud_essd" }] }, "dataDisks[0].size is not set, so Alibaba Cloud gives the data disk 40 GB");
            await assertViolation(minimumDiskSize, ECS_LT, { dataDisks: [] }, "systemDisk.size (or systemDiskSize) is not set");
        });
        it("cannot judge a size unknown at preview, and refuses nothing for it", async () => {
            const outcome = await judge.resource(minimumDiskSize, NODE_POOL, { systemDiskSize: 120, dataDisks: [{ size: UNKNOWN }] });
            assert.deepEqual(outcome.violations, []);
            assert.equal(outcome.unknown, true);
        });
        it("says a disk sized by its snapshot cannot be measured", async () => {
            await assertViolation(minimumDiskSize, DISK, { snapshotId: "s-123" }, "snapshot s-123");
        });
        it("takes the minimum from config", async () => {
            await assertViolation(minimumDiskSize, INSTANCE, { systemDiskSize: 150 }, "200 or more", { minSizeGb: 200 });
            await assertPasses(minimumDiskSize, INSTANCE, { systemDiskSize: 60 }, { minSizeGb: 50 });
        });
    });

    describe("policy: advisories", () => {
        it("essd-system-disk advises against cloud_efficiency and an unset category", async () => {
            await assertViolation(essdSystemDisk, INSTANCE, { systemDiskCategory: "cloud_efficiency" }, "cloud_essd");
            await assertViolation(essdSystemDisk, INSTANCE, {}, "default is cloud_efficiency");
            await assertViolation(essdSystemDisk, ECS_LT, { systemDisk: { category: "cloud" } }, "cloud_essd");
            await assertPasses(essdSystemDisk, INSTANCE, { systemDiskCategory: "cloud_essd" });
            await assertPasses(essdSystemDisk, SCALING, { systemDiskCategory: "cloud_auto" });
        });

        it("cen-bandwidth-package-renewal advises on a prepaid package that does not renew", async () => {
            const T = "alicloud:cen/bandwidthPackage:BandwidthPackage";
            await assertViolation(cenBandwidthPackageRenewal, T, { bandwidth: 10 }, "autoRenew");
            await assertViolation(cenBandwidthPackageRenewal, T, { bandwidth: 10, paymentType: "PrePaid", autoRenew: false }, "autoRenew");
            await assertPasses(cenBandwidthPackageRenewal, T, { bandwidth: 10, paymentType: "PrePaid", autoRenew: true });
            await assertPasses(cenBandwidthPackageRenewal, T, { bandwidth: 10, paymentType: "PostPaid" });
        });

        it("user-data-size measures user data before base64", async () => {
            const big = "#cloud-config\n" + "x".repeat(32 * 1024);
            await assertViolation(userDataSize, INSTANCE, { userData: big }, /\d+ bytes before base64/);
            await assertViolation(userDataSize, LT, { userData: Buffer.from(big).toString("base64") }, `${Buffer.byteLength(big)} bytes`);
            await assertPasses(userDataSize, INSTANCE, { userData: "#cloud-config\npackages: [nginx]\n" });
            await assertPasses(userDataSize, SCALING, { userData: Buffer.from("x".repeat(32 * 1024)).toString("base64") });
        });

        it("public-ip-behind-nat advises on instances with a public IP in a VPC a NAT serves", async () => {
            const base = [
                { type: "alicloud:vpc/network:Network", name: "vpc", props: { cidrBlock: "10.0.0.0/16" } },
                { type: "alicloud:vpc/switch:Switch", name: "vsw", props: {}, deps: { vpcId: ["vpc"] } },
                { type: "alicloud:vpc/network:Network", name: "other", props: { cidrBlock: "10.1.0.0/16" } },
                { type: "alicloud:vpc/switch:Switch", name: "vsw-other", props: {}, deps: { vpcId: ["other"] } },
            ];
            const nat = { type: "alicloud:vpc/natGateway:NatGateway", name: "nat", props: {}, deps: { vpcId: ["vpc"] } };
            const vm = (name: string, vsw: string, bw: number) => ({ type: INSTANCE, name, props: { internetMaxBandwidthOut: bw }, deps: { vswitchId: [vsw] } });
            const found = await judge.stack(publicIpBehindNat, [...base, nat, vm("a", "vsw", 10), vm("b", "vsw", 0), vm("c", "vsw-other", 10)]);
            assert.equal(found.length, 1);
            assert.match(found[0], /^a has internetMaxBandwidthOut 10/);
            assert.deepEqual(await judge.stack(publicIpBehindNat, [...base, vm("a", "vsw", 10)]), []);
        });

        it("cen-vpcs-do-not-overlap reports overlapping VPCs on one CEN only", async () => {
            const vpc = (name: string, cidr: string) => ({ type: "alicloud:vpc/network:Network", name, props: { cidrBlock: cidr } });
            const att = (name: string, v: string, cen: string) => ({ type: "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment", name, props: { cenId: cen }, deps: { vpcId: [v] } });
            const found = await judge.stack(cenVpcsDoNotOverlap, [
                vpc("a", "10.0.0.0/16"), vpc("b", "10.0.128.0/17"), vpc("c", "10.1.0.0/16"), vpc("d", "10.0.0.0/16"),
                att("att-a", "a", "cen-1"), att("att-b", "b", "cen-1"), att("att-c", "c", "cen-1"), att("att-d", "d", "cen-2"),
            ]);
            assert.equal(found.length, 1);
            assert.match(found[0], /att-b attaches 10\.0\.128\.0\/17, which overlaps 10\.0\.0\.0\/16 of att-a/);
        });
    });
}
