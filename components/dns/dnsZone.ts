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

/**
 * A domain's records in Alibaba Cloud DNS (and the domain itself when the stack manages it). Records can be added
 * after construction (`add`), for those whose targets exist only later or that must exist before something else.
 */
export class DnsZone extends pulumi.ComponentResource {
    /** Name servers to set at the registrar when the stack manages the domain; empty otherwise. */
    readonly nameServers: pulumi.Output<string[]>;
    /** "rr line type value" of the records given at construction, for the stack's outputs. */
    readonly records: pulumi.Output<string[]>;
    private readonly hosted?: alicloud.dns.AlidnsDomain;

    constructor(private readonly zoneName: string, private readonly zoneArgs: DnsZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:dns:DnsZone", zoneName, {}, opts);
        this.hosted = zoneArgs.manageDomain
            ? new alicloud.dns.AlidnsDomain(`${zoneName}-domain`, { domainName: zoneArgs.domain, remark: "china-edge" }, { parent: this })
            : undefined;
        this.records = this.add(zoneArgs.records).text;
        this.nameServers = this.hosted ? this.hosted.dnsServers : pulumi.output([]);
        this.registerOutputs({ nameServers: this.nameServers, records: this.records });
    }

    /** Adds records to the zone: the resources, and "rr line type value" of each. */
    add(records: PlannedRecord[]): { resources: alicloud.dns.AlidnsRecord[]; text: pulumi.Output<string[]> } {
        const parent = this.hosted ?? this;
        const resources = records.map((r) => new alicloud.dns.AlidnsRecord(`${this.zoneName}-${r.rr === "@" ? "apex" : r.rr}-${r.line}`, {
            domainName: this.hosted ? this.hosted.domainName : this.zoneArgs.domain,
            rr: r.rr,
            type: r.target.type,
            value: r.target.value,
            line: r.line,
            ttl: this.zoneArgs.ttl,
            remark: "china-edge",
        }, { parent }));
        const text = pulumi.all(resources.map((record, i) => {
            const r = records[i];
            return pulumi.interpolate`${r.rr === "@" ? "" : `${r.rr}.`}${this.zoneArgs.domain} ${r.line} ${r.target.type} ${record.value}`;
        }));
        return { resources, text };
    }
}
