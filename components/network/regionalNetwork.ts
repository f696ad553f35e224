import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";

/** A TCP port opened to a list of IPv4 ranges on the proxies' security group. */
export interface IngressRule {
    /** Short name used in the rule's resource name, e.g. "https". */
    name: string;
    /** TCP port. */
    port: number;
    /** Source ranges; each becomes one rule. */
    cidrs: pulumi.Input<string>[];
}

export interface RegionalNetworkArgs {
    /** The VPC's IPv4 range. */
    cidrBlock: string;
    /** One vSwitch per entry, each in its own zone. */
    vswitches: { zoneId: string; cidrBlock: string }[];
    /** Ingress the proxies need besides SSH (e.g. 443 from anywhere on the edge). */
    ingress: IngressRule[];
    /** Ranges allowed to reach SSH; empty creates no SSH rule. */
    adminCidrs: string[];
}

/** A VPC, one vSwitch per zone and the proxies' security group, all in the provider's region. */
export class RegionalNetwork extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly vpcCidr: pulumi.Output<string>;
    readonly routeTableId: pulumi.Output<string>;
    readonly vswitches: { zoneId: string; vswitchId: pulumi.Output<string> }[];
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

        const rules = [
            ...args.ingress,
            { name: "ssh", port: 22, cidrs: args.adminCidrs },
        ];
        for (const rule of rules) {
            rule.cidrs.forEach((cidrIp, i) => {
                new alicloud.ecs.SecurityGroupRule(`${name}-${rule.name}-${i}`, {
                    securityGroupId: sg.id,
                    type: "ingress",
                    ipProtocol: "tcp",
                    portRange: `${rule.port}/${rule.port}`,
                    cidrIp,
                    nicType: "intranet",
                    policy: "accept",
                    priority: 1,
                    description: `china-edge ${rule.name}`,
                }, { parent: sg });
            });
        }

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
