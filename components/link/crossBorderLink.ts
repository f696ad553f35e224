import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { associateAndPropagate } from "./transitHub";

/** What the link needs of one region: its transit hub and its VPC. */
export interface LinkSide {
    /** Region id, e.g. cn-shanghai. */
    regionId: string;
    transitRouterId: pulumi.Input<string>;
    /** The transit router's route table. */
    routeTableId: pulumi.Input<string>;
    /** The VPC's attachment to the transit router. */
    vpcAttachmentId: pulumi.Input<string>;
    /** The VPC's system route table. */
    vpcRouteTableId: pulumi.Input<string>;
    vpcCidr: pulumi.Input<string>;
}

export interface CrossBorderLinkArgs {
    cenId: pulumi.Input<string>;
    /** The side whose provider the component gets (the peer attachment is created there). */
    local: LinkSide;
    /** The other side. */
    peer: LinkSide;
    /** The other side's regional provider. */
    peerProvider: pulumi.ProviderResource;
    /** Bandwidth cap of the peer attachment, Mbps, paid by data transfer. */
    bandwidthMbps: number;
}

/**
 * The peer attachment between two transit hubs, associated and propagated on both sides, and each VPC's route
 * toward the other VPC through its own attachment.
 */
export class CrossBorderLink extends pulumi.ComponentResource {
    readonly peerAttachmentId: pulumi.Output<string>;

    constructor(name: string, args: CrossBorderLinkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:link:CrossBorderLink", name, {}, opts);
        const { local, peer } = args;

        // DataTransfer: the Enterprise edition's pay-per-use model; bandwidth is then only a cap. Without it the
        // attachment gets the 1 Kbit/s test bandwidth.
        const attachment = new alicloud.cen.TransitRouterPeerAttachment(`${name}-peer`, {
            cenId: args.cenId,
            transitRouterId: local.transitRouterId,
            peerTransitRouterId: peer.transitRouterId,
            peerTransitRouterRegionId: peer.regionId,
            bandwidthType: "DataTransfer",
            bandwidth: args.bandwidthMbps,
            autoPublishRouteEnabled: true,
            transitRouterPeerAttachmentName: `${name}-${local.regionId}-${peer.regionId}`,
        }, { parent: this });

        const id = attachment.transitRouterAttachmentId;
        associateAndPropagate(`${name}-${local.regionId}`, id, local.routeTableId, { parent: attachment });
        associateAndPropagate(`${name}-${peer.regionId}`, id, peer.routeTableId, { parent: attachment, provider: args.peerProvider });

        routeToward(`${name}-to-${peer.regionId}`, local, peer.vpcCidr, { parent: this });
        routeToward(`${name}-to-${local.regionId}`, peer, local.vpcCidr, { parent: this, provider: args.peerProvider });

        this.peerAttachmentId = id;
        this.registerOutputs({ peerAttachmentId: id });
    }
}

function routeToward(name: string, from: LinkSide, destination: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): void {
    new alicloud.vpc.RouteEntry(name, {
        routeTableId: from.vpcRouteTableId,
        destinationCidrblock: destination,
        nexthopType: "Attachment",
        nexthopId: from.vpcAttachmentId,
        name,
    }, opts);
}
