import * as ipaddr from "ipaddr.js";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

const ATTACHMENT = "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment";

function range(cidr: unknown): [number, number] | undefined {
    if (typeof cidr !== "string" || !ipaddr.IPv4.isValidCIDR(cidr)) {
        return undefined;
    }
    const [addr, prefix] = ipaddr.IPv4.parseCIDR(cidr);
    const first = addr.toByteArray().reduce((n, b) => n * 256 + b, 0);
    const size = 2 ** (32 - prefix);
    const start = first - (first % size);
    return [start, start + size - 1];
}

export const cenVpcsDoNotOverlap: StackValidationPolicy = {
    name: "cen-vpcs-do-not-overlap",
    description: "VPCs attached to one CEN must not overlap: the transit routers cannot route between overlapping ranges.",
    enforcementLevel: "advisory",
    severity: "high",
    validateStack: (args, report) => {
        const seen: { cen: string; cidr: string; span: [number, number]; attachment: PolicyResource }[] = [];
        for (const attachment of args.resources.filter((r) => r.type === ATTACHMENT)) {
            const vpc = attachment.propertyDependencies?.vpcId?.[0];
            const cidr = vpc?.props.cidrBlock;
            const span = range(cidr);
            if (!span) {
                continue;
            }
            const cen = String(attachment.props.cenId ?? "");
            for (const other of seen) {
                if (other.cen === cen && other.span[0] <= span[1] && span[0] <= other.span[1]) {
                    report(`${attachment.name} attaches ${cidr}, which overlaps ${other.cidr} of ${other.attachment.name} on the same CEN; ` +
                        `give the VPCs disjoint ranges.`, attachment.urn);
                }
            }
            seen.push({ cen, cidr, span, attachment });
        }
    },
};
