// The records a zone already holds that the cn stack's records would meet, asked before cn deploys: Alibaba Cloud DNS
// refuses some types side by side on one host record and line (https://www.alibabacloud.com/help/en/dns/pubz-dns-record-conflict-rules),
// and `alicloud_alidns_record` is a plain AddDomainRecord that adopts nothing.
import { Call, apiError, rpc } from "../../components/cloud/openApi";
import { PlannedResource } from "../plan/mockEngine";

/** A record of a zone, as DescribeDomainRecords lists it. */
export interface ZoneRecord {
    RR: string;
    Type: string;
    Value: string;
    Line: string;
    RecordId: string;
    Remark?: string;
}

/** A record the stack writes, with the resource that writes it. */
export interface WrittenRecord {
    zone: string;
    rr: string;
    line: string;
    type: string;
    /** The resource's name and its parent's, for `pulumi import`. */
    name: string;
    parent?: { name: string; urn: string };
}

const RECORD = "alicloud:dns/alidnsRecord:AlidnsRecord";

/** The records a planned run writes into zones that exist already (a zone the stack creates holds nothing yet). */
export function writtenRecords(resources: PlannedResource[]): WrittenRecord[] {
    return resources.filter((r) => r.type === RECORD && typeof r.rawInputs.domainName === "string" && /^[a-z0-9.-]+$/.test(String(r.rawInputs.domainName)))
        .map((r) => {
            const parent = resources.find((p) => p.urn === r.parent);
            return {
                zone: String(r.rawInputs.domainName), rr: String(r.rawInputs.rr), line: String(r.rawInputs.line ?? "default"),
                type: String(r.rawInputs.type), name: r.name, ...(parent ? { parent: { name: parent.name, urn: parent.urn } } : {}),
            };
        });
}

/** Alibaba Cloud DNS (2015-01-09): a zone's records, or undefined when the account holds no such zone. */
export interface DnsApi {
    records(zone: string): Promise<ZoneRecord[] | undefined>;
}

export function dnsApi(env: NodeJS.ProcessEnv = process.env): DnsApi {
    const alidns: Call = rpc("alidns", "2015-01-09", "alidns.aliyuncs.com", env);
    return {
        // https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-describedomainrecords (PageSize at most 500)
        records: async (zone) => {
            const all: ZoneRecord[] = [];
            for (let page = 1; ; page++) {
                let body;
                try {
                    body = await alidns("DescribeDomainRecords", { DomainName: zone, PageNumber: String(page), PageSize: "500" });
                } catch (err) {
                    if (/InvalidDomainName\.NoExist|DomainRecordNotBelongToUser|IncorrectDomainUser/.test(apiError(err))) {
                        return undefined;
                    }
                    throw err;
                }
                const found = ((body.DomainRecords as { Record?: ZoneRecord[] } | undefined)?.Record ?? []);
                all.push(...found);
                if (found.length < 500) {
                    return all;
                }
            }
        },
    };
}

/** The record types a new record of `type` may not sit beside on one host record and line (the rules' table). */
function refusedBeside(type: string, rr: string): (existing: string) => boolean {
    if (type === "CNAME") {
        // A CNAME stands alone, but for NS, and for MX and TXT at the apex.
        return (t) => t !== "NS" && !(rr === "@" && (t === "MX" || t === "TXT")) && t !== "CNAME";
    }
    if (type === "A") {
        return (t) => ["CNAME", "ALIAS", "REDIRECT_URL", "FORWARD_URL"].includes(t);
    }
    return (t) => t === "CNAME" && rr !== "@";
}

/**
 * Each existing record that stops or spoils one the stack writes: refused beside it (remove it), or an A or CNAME of
 * the same type, which would answer beside the stack's (remove it, or let the stack adopt it with `pulumi import`). Records the stack
 * wrote itself (its remark, its type) are its own.
 */
export function dnsConflicts(written: WrittenRecord[], zones: Record<string, ZoneRecord[] | undefined>, stack = "cn"): string[] {
    const problems: string[] = [];
    for (const w of written) {
        const refused = refusedBeside(w.type, w.rr);
        for (const e of zones[w.zone] ?? []) {
            if (e.RR.toLowerCase() !== w.rr.toLowerCase() || e.Line !== w.line || (e.Remark === "china-edge" && e.Type === w.type)) {
                continue;
            }
            const where = `${w.rr === "@" ? "" : `${w.rr}.`}${w.zone} on line ${w.line}: its ${e.Type} record ${e.Value} (id ${e.RecordId})`;
            if (refused(e.Type)) {
                problems.push(`${where} refuses the ${w.type} record the stack adds: remove it in the DNS console (https://dns.console.aliyun.com), or serve that name from elsewhere`);
            } else if (e.Type === w.type && w.type !== "TXT") {
                const parent = w.parent ? ` --parent '${w.parent.name}=${w.parent.urn}'` : "";
                problems.push(`${where} would answer beside the ${w.type} record the stack adds: remove it, or let the stack adopt it: ` +
                    `pulumi import -s ${stack} alicloud:dns/alidnsRecord:AlidnsRecord ${w.name} ${e.RecordId}${parent}`);
            }
        }
    }
    return problems;
}
