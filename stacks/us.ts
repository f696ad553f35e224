import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { StackConfig } from "./config";
import { RegionalNetwork } from "../components/network/regionalNetwork";
import { TransitHub } from "../components/link/transitHub";
import { zoneVswitches } from "./shared";

/** What the us stack exports; the cn stack reads these names through its StackReference. */
export interface UsOutputs {
    region: string;
    vpcId: pulumi.Output<string>;
    vpcCidr: pulumi.Output<string>;
    vpcRouteTableId: pulumi.Output<string>;
    vswitchIds: pulumi.Output<string>[];
    securityGroupId: pulumi.Output<string>;
    cenId: pulumi.Output<string>;
    transitRouterId: pulumi.Output<string>;
    transitRouterRouteTableId: pulumi.Output<string>;
    vpcAttachmentId: pulumi.Output<string>;
}

/** US East: its VPC, the CEN instance and this region's transit hub. */
export function usProgram(config: StackConfig): UsOutputs {
    const provider = new alicloud.Provider(config.region, { region: config.region });

    const network = new RegionalNetwork("us", {
        cidrBlock: config.vpcCidr,
        vswitches: zoneVswitches(config),
        // 443 is opened by the cn stack, from the edge's VPC only, once it knows that range.
        ingress: [],
        adminCidrs: config.adminCidrs,
    }, { provider });

    const hub = new TransitHub("us", {
        vpcId: network.vpcId,
        zoneMappings: network.vswitches.slice(0, 2),
    }, { provider });

    return {
        region: config.region,
        vpcId: network.vpcId,
        vpcCidr: network.vpcCidr,
        vpcRouteTableId: network.routeTableId,
        vswitchIds: network.vswitches.map((v) => v.vswitchId),
        securityGroupId: network.securityGroupId,
        cenId: hub.cenId,
        transitRouterId: hub.transitRouterId,
        transitRouterRouteTableId: hub.routeTableId,
        vpcAttachmentId: hub.vpcAttachmentId,
    };
}
