import * as pulumi from "@pulumi/pulumi";
import { DnsZone } from "../dns/dnsZone";
import { DcdnCall } from "./steps";

export interface DcdnOwnershipArgs {
    /** The root domain whose names DCDN will accelerate (its subdomains need no proof of their own). */
    domain: string;
    /** The domain's zone in Alibaba Cloud DNS, where the proof is written. */
    zone: DnsZone;
}

/**
 * Proof to DCDN that the account owns a domain, which `AddDcdnDomain` demands the first time a domain is added
 * (error DomainOwnerVerifyFail otherwise): the content DCDN gives, in a TXT record `verification.<domain>`, then
 * DCDN's check of it (https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/getting-started/verify-the-ownership-of-a-domain-name-1).
 * Asking again on an account that already proved it does no harm.
 */
export class DcdnOwnership extends pulumi.ComponentResource {
    /** Done once DCDN has accepted the proof: what the DCDN domains wait for. */
    readonly verified: pulumi.Resource;

    constructor(name: string, args: DcdnOwnershipArgs, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:dcdn:DcdnOwnership", name, {}, opts);
        const content = new DcdnCall(`${name}-content`, { step: { action: "verify-content", domain: args.domain } }, { parent: this });
        const { resources } = args.zone.add([{ rr: "verification", line: "default", target: { type: "TXT", value: content.answer } }]);
        // DCDN sees a new record within minutes: asked every 20 s for 10 minutes.
        this.verified = new DcdnCall(`${name}-verify`, {
            step: { action: "verify-owner", domain: args.domain, attempts: 30, intervalSeconds: 20 },
            trigger: content.answer,
        }, { parent: this, dependsOn: resources });
        this.registerOutputs({});
    }
}
