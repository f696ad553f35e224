import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { PlannedRecord } from "./records";

export interface DnsZoneArgs {
    /** The domain as Alibaba Cloud DNS hosts it, e.g. example.cn. */
    domain: string;
    /** Add the domain to Alibaba Cloud DNS here; otherwise it must be there already. */
    manageDomain: boolean;
    ttl: number;
    records: PlannedRecord[];
}

/** A domain's records in Alibaba Cloud DNS (and the domain itself when the stack manages it). */
export class DnsZone extends pulumi.ComponentResource {
    /** Name servers to set at the registrar when the stack manages the domain; empty otherwise. */
    readonly nameServers: pulumi.Output<string[]>;
    /** "rr line type value" of every record, for the stack's outputs. */
    readonly records: pulumi.Output<string[]>;

    constructor(name: string, args: DnsZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:dns:DnsZone", name, {}, opts);
        const domain = args.manageDomain
            ? new alicloud.dns.AlidnsDomain(`${name}-domain`, { domainName: args.domain, remark: "china-edge" }, { parent: this })
            : undefined;
        const parent = domain ?? this;
        this.records = pulumi.all(args.records.map((r) => {
            const record = new alicloud.dns.AlidnsRecord(`${name}-${r.rr === "@" ? "apex" : r.rr}-${r.line}`, {
                domainName: domain ? domain.domainName : args.domain,
                rr: r.rr,
                type: r.target.type,
                value: r.target.value,
                line: r.line,
                ttl: args.ttl,
                remark: "china-edge",
            }, { parent });
            return pulumi.interpolate`${r.rr === "@" ? "" : `${r.rr}.`}${args.domain} ${r.line} ${r.target.type} ${record.value}`;
        }));
        this.nameServers = domain ? domain.dnsServers : pulumi.output([]);
        this.registerOutputs({ nameServers: this.nameServers, records: this.records });
    }
}
