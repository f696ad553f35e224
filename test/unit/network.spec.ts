import { strict as assert } from "assert";
import { ofType, one, runStackProgram } from "../helpers";
import { ProgramRun } from "../../harness/plan/mockEngine";

const T = {
    vpc: "alicloud:vpc/network:Network",
    vsw: "alicloud:vpc/switch:Switch",
    sg: "alicloud:ecs/securityGroup:SecurityGroup",
    rule: "alicloud:ecs/securityGroupRule:SecurityGroupRule",
    cen: "alicloud:cen/instance:Instance",
    tr: "alicloud:cen/transitRouter:TransitRouter",
    rt: "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable",
    vpcAtt: "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment",
    peer: "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment",
    assoc: "alicloud:cen/transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation",
    prop: "alicloud:cen/transitRouterRouteTablePropagation:TransitRouterRouteTablePropagation",
    route: "alicloud:vpc/routeEntry:RouteEntry",
    provider: "pulumi:providers:alicloud",
};

/** The region of the provider each alicloud resource was given explicitly or through its parent. */
function regionOf(run: ProgramRun, urn: string): string | undefined {
    const r = run.resources.find((x) => x.urn === urn)!;
    const providerUrn = r.provider?.split("::").slice(0, -1).join("::");
    const provider = run.resources.find((x) => x.urn === providerUrn);
    return provider?.inputs.region as string | undefined;
}

/** Attachment ids each route table has associations and propagations for. */
function wiring(run: ProgramRun, kind: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of ofType(run, kind)) {
        const table = r.inputs.transitRouterRouteTableId as string;
        out.set(table, [...(out.get(table) ?? []), r.inputs.transitRouterAttachmentId as string].sort());
    }
    return out;
}

describe("us stack under mocks", () => {
    let run: ProgramRun;
    before(async () => { run = await runStackProgram("us"); });

    it("builds a VPC with one vSwitch per configured zone, in distinct zones", () => {
        assert.equal(one(run, T.vpc).inputs.cidrBlock, "10.20.0.0/16");
        const vsw = ofType(run, T.vsw);
        assert.deepEqual(vsw.map((v) => [v.inputs.zoneId, v.inputs.cidrBlock]), [["us-east-1a", "10.20.1.0/24"], ["us-east-1b", "10.20.2.0/24"]]);
        assert.ok(vsw.every((v) => v.inputs.vpcId === "us-vpc.id"));
    });

    it("owns the CEN instance and attaches its VPC to its transit router over two zones", () => {
        assert.equal(ofType(run, T.cen).length, 1);
        const att = one(run, T.vpcAtt);
        assert.equal(att.inputs.cenId, "us-cen.id");
        assert.equal(att.inputs.transitRouterId, "us-tr.transitRouterId");
        assert.deepEqual(att.inputs.zoneMappings, [
            { zoneId: "us-east-1a", vswitchId: "us-vsw-us-east-1a.id" },
            { zoneId: "us-east-1b", vswitchId: "us-vsw-us-east-1b.id" },
        ]);
    });

    it("associates and propagates the VPC attachment on its route table", () => {
        const expected = new Map([["us-rt.transitRouterRouteTableId", ["us-vpc.transitRouterAttachmentId"]]]);
        assert.deepEqual(wiring(run, T.assoc), expected);
        assert.deepEqual(wiring(run, T.prop), expected);
    });

    it("opens 443, the link's 8443 and 80 on the origin proxies from the edge VPC only, metrics to its own VPC, and no SSH by default", () => {
        assert.deepEqual(ofType(run, T.rule).map((r) => [r.inputs.portRange, r.inputs.cidrIp]),
            [["443/443", "10.10.0.0/16"], ["8443/8443", "10.10.0.0/16"], ["80/80", "10.10.0.0/16"], ["8404/8404", "10.20.0.0/16"], ["8406/8406", "10.20.0.0/16"], ["9100/9100", "10.20.0.0/16"]]);
    });

    it("puts every resource in us-east-1 through an explicit provider", () => {
        for (const r of run.resources.filter((x) => x.type.startsWith("alicloud:"))) {
            assert.equal(regionOf(run, r.urn), "us-east-1", `${r.type} ${r.name}`);
        }
    });

    it("exports what the cn stack reads", () => {
        for (const key of ["region", "vpcId", "vpcCidr", "vpcRouteTableId", "cenId", "transitRouterId", "transitRouterRouteTableId", "vpcAttachmentId", "securityGroupId"]) {
            assert.ok(run.outputs[key], `output ${key}`);
        }
        assert.equal(run.outputs.vpcCidr, "10.20.0.0/16");
    });

    it("opens SSH only from the configured admin ranges", async () => {
        const withAdmins = await runStackProgram("us", { adminCidrs: ["203.0.113.0/24", "198.51.100.7/32"] });
        const ssh = ofType(withAdmins, T.rule).filter((r) => r.inputs.portRange === "22/22");
        assert.deepEqual(ssh.map((r) => [r.inputs.portRange, r.inputs.cidrIp, r.inputs.type]),
            [["22/22", "203.0.113.0/24", "ingress"], ["22/22", "198.51.100.7/32", "ingress"]]);
    });
});

describe("cn stack under mocks", () => {
    let run: ProgramRun;
    before(async () => { run = await runStackProgram("cn"); });

    it("joins the us stack's CEN with its own transit router and VPC attachment", () => {
        assert.equal(ofType(run, T.cen).length, 0);
        assert.equal(one(run, T.tr).inputs.cenId, "us-cen.id");
        const att = one(run, T.vpcAtt);
        assert.deepEqual(att.inputs.zoneMappings, [
            { zoneId: "cn-shanghai-l", vswitchId: "cn-vsw-cn-shanghai-l.id" },
            { zoneId: "cn-shanghai-m", vswitchId: "cn-vsw-cn-shanghai-m.id" },
        ]);
    });

    it("peers Shanghai with US East, pay-by-data-transfer, capped at the configured bandwidth", async () => {
        const peer = one(run, T.peer);
        assert.equal(peer.inputs.transitRouterId, "cn-tr.transitRouterId");
        assert.equal(peer.inputs.peerTransitRouterId, "us-tr.transitRouterId");
        assert.equal(peer.inputs.peerTransitRouterRegionId, "us-east-1");
        assert.equal(peer.inputs.bandwidthType, "DataTransfer");
        assert.equal(peer.inputs.bandwidth, 100);
        assert.equal(regionOf(run, peer.urn), "cn-shanghai");
        const narrower = await runStackProgram("cn", { crossBorderBandwidthMbps: 20 });
        assert.equal(one(narrower, T.peer).inputs.bandwidth, 20);
    });

    it("associates and propagates every attachment on both sides", () => {
        const peer = "cross-border-peer.transitRouterAttachmentId";
        const expected = new Map([
            ["cn-rt.transitRouterRouteTableId", ["cn-vpc.transitRouterAttachmentId", peer].sort()],
            ["us-rt.transitRouterRouteTableId", [peer]],
        ]);
        assert.deepEqual(wiring(run, T.assoc), expected);
        assert.deepEqual(wiring(run, T.prop), expected);
        for (const r of [...ofType(run, T.assoc), ...ofType(run, T.prop)]) {
            const side = (r.inputs.transitRouterRouteTableId as string).startsWith("us-") ? "us-east-1" : "cn-shanghai";
            assert.equal(regionOf(run, r.urn), side, r.name);
        }
    });

    it("routes each VPC toward the other through its own attachment", () => {
        const routes = ofType(run, T.route).map((r) => ({
            table: r.inputs.routeTableId, to: r.inputs.destinationCidrblock, via: r.inputs.nexthopId,
            type: r.inputs.nexthopType, region: regionOf(run, r.urn),
        }));
        assert.deepEqual(routes.sort((a, b) => String(a.to).localeCompare(String(b.to))), [
            { table: "us-vpc.routeTableId", to: "10.10.0.0/16", via: "us-vpc.transitRouterAttachmentId", type: "Attachment", region: "us-east-1" },
            { table: "cn-vpc.routeTableId", to: "10.20.0.0/16", via: "cn-vpc.transitRouterAttachmentId", type: "Attachment", region: "cn-shanghai" },
        ]);
    });

    it("opens 443 and 80 to the world and stats and metrics to its own VPC on the edge, 443 and 80 on the redirector, and nothing on the us side", () => {
        const rules = ofType(run, T.rule).map((r) => [r.inputs.securityGroupId, r.inputs.portRange, r.inputs.cidrIp, regionOf(run, r.urn)]);
        assert.deepEqual(rules.sort(), [
            ["cn-proxies.id", "443/443", "0.0.0.0/0", "cn-shanghai"],
            ["cn-proxies.id", "80/80", "0.0.0.0/0", "cn-shanghai"],
            ["cn-proxies.id", "8404/8404", "10.10.0.0/16", "cn-shanghai"],
            ["cn-proxies.id", "9100/9100", "10.10.0.0/16", "cn-shanghai"],
            ["hk-redirector-proxies.id", "443/443", "0.0.0.0/0", "cn-hongkong"],
            ["hk-redirector-proxies.id", "80/80", "0.0.0.0/0", "cn-hongkong"],
        ]);
    });
});
