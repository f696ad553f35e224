import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";

export interface RegionalNetworkArgs {
    /** The VPC's IPv4 range. */
    cidrBlock: string;
    /** One vSwitch per entry, each in its own zone. */
    vswitches: { zoneId: string; cidrBlock: string }[];
}

/** One vSwitch as the network built it. */
export interface NetworkVswitch {
    zoneId: string;
    cidrBlock: string;
    vswitchId: pulumi.Output<string>;
}

/** A VPC, one vSwitch per zone and the proxies' security group (its rules belong to the proxies), in the provider's region. */
export class RegionalNetwork extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly vpcCidr: pulumi.Output<string>;
    readonly routeTableId: pulumi.Output<string>;
    readonly vswitches: NetworkVswitch[];
    readonly securityGroupId: pulumi.Output<string>;

    constructor(name: string, args: RegionalNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:network:RegionalNetwork", name, {}, opts);

        const vpc = new alicloud.vpc.Network(`${name}-vpc`, {
            vpcName: `${name}-vpc`,
            cidrBlock: args.cidrBlock,
            description: "china-edge",
        }, { parent: this });

        this.vswitches = args.vswitches.map((vsw) => ({
            zoneId: vsw.zoneId,
            cidrBlock: vsw.cidrBlock,
            vswitchId: new alicloud.vpc.Switch(`${name}-vsw-${vsw.zoneId}`, {
                vswitchName: `${name}-vsw-${vsw.zoneId}`,
                vpcId: vpc.id,
                zoneId: vsw.zoneId,
                cidrBlock: vsw.cidrBlock,
            }, { parent: vpc }).id,
        }));

        const sg = new alicloud.ecs.SecurityGroup(`${name}-proxies`, {
            securityGroupName: `${name}-proxies`,
            vpcId: vpc.id,
            description: "china-edge proxies",
        }, { parent: vpc });

        this.vpcId = vpc.id;
        this.vpcCidr = pulumi.output(args.cidrBlock);
        this.routeTableId = vpc.routeTableId;
        this.securityGroupId = sg.id;
        this.registerOutputs({
            vpcId: this.vpcId, vpcCidr: this.vpcCidr, routeTableId: this.routeTableId,
            vswitchIds: this.vswitches.map((v) => v.vswitchId), securityGroupId: this.securityGroupId,
        });
    }
}
