import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { Ipv4Range, overlaps, parseIpv4Cidr } from "../kernel/cidr";

const ATTACHMENT = "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment";

export const cenVpcsDoNotOverlap: StackValidationPolicy = {
    name: "cen-vpcs-do-not-overlap",
    description: "VPCs attached to one CEN must not overlap: the transit routers cannot route between overlapping ranges.",
    enforcementLevel: "advisory",
    severity: "high",
    validateStack: (args, report) => {
        const seen: { cen: string; span: Ipv4Range; attachment: PolicyResource }[] = [];
        for (const attachment of args.resources.filter((r) => r.type === ATTACHMENT)) {
            const vpc = attachment.propertyDependencies?.vpcId?.[0];
            const span = parseIpv4Cidr(vpc?.props.cidrBlock);
            if (!span) {
                continue;
            }
            const cen = String(attachment.props.cenId ?? "");
            for (const other of seen) {
                if (other.cen === cen && overlaps(other.span, span)) {
                    report(`${attachment.name} attaches ${span.text}, which overlaps ${other.span.text} of ${other.attachment.name} on the same CEN; ` +
                        `give the VPCs disjoint ranges.`, attachment.urn);
                }
            }
            seen.push({ cen, span, attachment });
        }
    },
};
