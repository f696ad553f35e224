import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";

/** Zones a VPC attachment spans: the first this many of the VPC's vSwitches, each in a transit-router zone. */
export const TRANSIT_ROUTER_ZONES = 2;

export interface TransitHubArgs {
    /** The CEN instance to join; when absent the hub creates it (the us stack owns the CEN). */
    cenId?: pulumi.Input<string>;
    /** The VPC to attach. */
    vpcId: pulumi.Input<string>;
    /** vSwitches of the attachment, each in its own transit-router zone; two or more. */
    zoneMappings: { zoneId: string; vswitchId: pulumi.Input<string> }[];
}

/**
 * One region's side of the backbone on the Enterprise transit-router model: the region's transit router, its
 * route table, and the VPC attachment associated with and propagated into that table.
 */
export class TransitHub extends pulumi.ComponentResource {
    readonly cenId: pulumi.Output<string>;
    readonly transitRouterId: pulumi.Output<string>;
    readonly routeTableId: pulumi.Output<string>;
    readonly vpcAttachmentId: pulumi.Output<string>;

    constructor(name: string, args: TransitHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:link:TransitHub", name, {}, opts);
        if (args.zoneMappings.length < 2) {
            throw new Error(`TransitHub ${name}: a VPC attachment needs vSwitches in two zones, got ${args.zoneMappings.length}`);
        }

        this.cenId = args.cenId !== undefined ? pulumi.output(args.cenId)
            : new alicloud.cen.Instance(`${name}-cen`, {
                cenInstanceName: `${name}-cen`,
                description: "china-edge backbone",
                protectionLevel: "REDUCED",
            }, { parent: this }).id;

        const router = new alicloud.cen.TransitRouter(`${name}-tr`, {
            cenId: this.cenId,
            transitRouterName: `${name}-tr`,
        }, { parent: this });

        // A route table of our own rather than the system one: declared here, known at preview, and nothing
        // else on the router can change what it holds.
        const table = new alicloud.cen.TransitRouterRouteTable(`${name}-rt`, {
            transitRouterId: router.transitRouterId,
            transitRouterRouteTableName: `${name}-rt`,
        }, { parent: router });

        const attachment = new alicloud.cen.TransitRouterVpcAttachment(`${name}-vpc`, {
            cenId: this.cenId,
            transitRouterId: router.transitRouterId,
            vpcId: args.vpcId,
            zoneMappings: args.zoneMappings.map((z) => ({ zoneId: z.zoneId, vswitchId: z.vswitchId })),
            transitRouterVpcAttachmentName: `${name}-vpc`,
            paymentType: "PayAsYouGo",
        }, { parent: router });
        associateAndPropagate(`${name}-vpc`, attachment.transitRouterAttachmentId, table.transitRouterRouteTableId, { parent: attachment });

        this.transitRouterId = router.transitRouterId;
        this.routeTableId = table.transitRouterRouteTableId;
        this.vpcAttachmentId = attachment.transitRouterAttachmentId;
        this.registerOutputs({
            cenId: this.cenId, transitRouterId: this.transitRouterId,
            routeTableId: this.routeTableId, vpcAttachmentId: this.vpcAttachmentId,
        });
    }
}

/**
 * New attachments neither forward through nor teach any route table; both steps are needed for traffic to flow.
 */
export function associateAndPropagate(name: string, attachmentId: pulumi.Input<string>, routeTableId: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions): void {
    const args = { transitRouterAttachmentId: attachmentId, transitRouterRouteTableId: routeTableId };
    new alicloud.cen.TransitRouterRouteTableAssociation(`${name}-assoc`, args, opts);
    new alicloud.cen.TransitRouterRouteTablePropagation(`${name}-prop`, args, opts);
}
