import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { StackConfig, checkPeerVpcCidr } from "./config";
import { UsOutputs } from "./us";
import { RegionalNetwork } from "../components/network/regionalNetwork";
import { TransitHub } from "../components/link/transitHub";
import { CrossBorderLink } from "../components/link/crossBorderLink";
import { zoneVswitches } from "./shared";

/** The us stack's outputs as the cn stack reads them. */
type UsValues = { [K in keyof UsOutputs]: UsOutputs[K] extends pulumi.Output<infer T>[] ? T[] : UsOutputs[K] extends pulumi.Output<infer T> ? T : UsOutputs[K] };

const US_OUTPUTS: (keyof UsOutputs)[] = [
    "region", "vpcId", "vpcCidr", "vpcRouteTableId", "vswitchIds", "securityGroupId", "cenId",
    "transitRouterId", "transitRouterRouteTableId", "vpcAttachmentId",
];

export class PeerStackError extends Error {}

async function readUs(config: StackConfig): Promise<UsValues> {
    const ref = new pulumi.StackReference("us", { name: config.usStack });
    const values: Record<string, unknown> = {};
    for (const key of US_OUTPUTS) {
        const value = await ref.getOutputValue(key);
        if (value === undefined) {
            throw new PeerStackError(`the us stack ${config.usStack} has no output "${key}": run \`pulumi up -s us\` first ` +
                "(or set china-edge:usStack to the us stack's fully qualified name)");
        }
        values[key] = value;
    }
    return values as UsValues;
}

/** Shanghai: its VPC, its transit hub joined to the us stack's CEN, and the cross-border link. */
export async function cnProgram(config: StackConfig) {
    const us = await readUs(config);
    checkPeerVpcCidr(config, us.vpcCidr);

    const provider = new alicloud.Provider(config.region, { region: config.region });
    const usProvider = new alicloud.Provider(us.region, { region: us.region });

    const network = new RegionalNetwork("cn", {
        cidrBlock: config.vpcCidr,
        vswitches: zoneVswitches(config),
        ingress: [{ name: "https", port: 443, cidrs: ["0.0.0.0/0"] }],
        adminCidrs: config.adminCidrs,
    }, { provider });

    const hub = new TransitHub("cn", {
        cenId: us.cenId,
        vpcId: network.vpcId,
        zoneMappings: network.vswitches.slice(0, 2),
    }, { provider });

    const link = new CrossBorderLink("cross-border", {
        cenId: us.cenId,
        local: {
            regionId: config.region, transitRouterId: hub.transitRouterId, routeTableId: hub.routeTableId,
            vpcAttachmentId: hub.vpcAttachmentId, vpcRouteTableId: network.routeTableId, vpcCidr: network.vpcCidr,
        },
        peer: {
            regionId: us.region, transitRouterId: us.transitRouterId, routeTableId: us.transitRouterRouteTableId,
            vpcAttachmentId: us.vpcAttachmentId, vpcRouteTableId: us.vpcRouteTableId, vpcCidr: us.vpcCidr,
        },
        peerProvider: usProvider,
        bandwidthMbps: config.crossBorderBandwidthMbps,
    }, { provider });

    // The origin proxies answer the edge's VPC only, over the backbone.
    new alicloud.ecs.SecurityGroupRule("us-https-from-cn", {
        securityGroupId: us.securityGroupId,
        type: "ingress",
        ipProtocol: "tcp",
        portRange: "443/443",
        cidrIp: config.vpcCidr,
        nicType: "intranet",
        policy: "accept",
        priority: 1,
        description: "china-edge https from the edge VPC",
    }, { provider: usProvider, parent: link });

    return {
        region: config.region,
        vpcId: network.vpcId,
        vpcCidr: network.vpcCidr,
        vswitchIds: network.vswitches.map((v) => v.vswitchId),
        securityGroupId: network.securityGroupId,
        transitRouterId: hub.transitRouterId,
        vpcAttachmentId: hub.vpcAttachmentId,
        peerAttachmentId: link.peerAttachmentId,
        crossBorderBandwidthMbps: config.crossBorderBandwidthMbps,
    };
}
