// Which records the stack's DNS zones hold: pure planning, apart from the resources that create them.
import * as pulumi from "@pulumi/pulumi";
import { HostPair } from "china-edge-policy/kernel/hosts";

export type RecordType = "A" | "CNAME" | "TXT";

export interface RecordTarget {
    type: RecordType;
    value: pulumi.Input<string>;
}

export interface PlannedRecord {
    /** Host record within the zone: "@" for the apex, "www"… */
    rr: string;
    /** Alibaba Cloud DNS line: "default", or "internal" for resolvers in mainland China. */
    line: "default" | "internal";
    target: RecordTarget;
}

/** The host record of `host` in `zone`, or undefined when the name lies outside it. */
export function hostRecord(host: string, zone: string): string | undefined {
    if (host === zone) {
        return "@";
    }
    return host.endsWith(`.${zone}`) ? host.slice(0, -zone.length - 1) : undefined;
}

/** The public names inside the zone, each to its target (the default line: everyone). */
export function publicRecords(hosts: string[], zone: string, target: (host: string) => RecordTarget): PlannedRecord[] {
    return hosts.flatMap((host) => {
        const rr = hostRecord(host, zone);
        return rr === undefined ? [] : [{ rr, line: "default" as const, target: target(host) }];
    });
}

/**
 * The old names inside the old zone, on the mainland line only: resolvers in mainland China get the redirector.
 * The zone is live, so its `default`-line records for these names already exist and stay untouched (everyone else
 * keeps reaching the existing service through them). Alibaba Cloud DNS judges conflicts per host record and line,
 * so a record on `internal` may sit beside them, whatever their type
 * (https://www.alibabacloud.com/help/en/dns/pubz-dns-record-conflict-rules; line codes:
 * https://www.alibabacloud.com/help/en/dns/pubz-resolve-line-enumeration).
 */
export function oldDomainRecords(pairs: HostPair[], zone: string, redirector: RecordTarget): PlannedRecord[] {
    return pairs.flatMap((pair) => {
        const rr = hostRecord(pair.origin, zone);
        return rr === undefined ? [] : [{ rr, line: "internal" as const, target: redirector }];
    });
}
