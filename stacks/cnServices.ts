// The cn stack's edge services: DCDN in front of the edge, the public names' DNS records, and the redirector of the
// old names in cn-hongkong with, optionally, the old domain's GeoDNS records.
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "./config";
import { Dcdn } from "../components/dcdn/dcdn";
import { DcdnOwnership } from "../components/dcdn/ownership";
import { DnsZone } from "../components/dns/dnsZone";
import { RecordTarget, oldDomainRecords, publicRecords } from "../components/dns/records";
import { EdgeProxy } from "../components/proxy/edgeProxy";
import { Redirector } from "../components/redirector/redirector";
import { HostPair } from "china-edge-policy/kernel/hosts";

/** Outside the mainland, so it needs no ICP filing, and close to it. */
export const REDIRECTOR_REGION = "cn-hongkong";

export interface ServicesOutputs {
    dcdnCnames?: Record<string, pulumi.Output<string>>;
    dnsRecords?: pulumi.Output<string[]>;
    dnsNameServers?: pulumi.Output<string[]>;
    redirectorAddress?: pulumi.Output<string>;
    redirectorCertificate?: string;
    oldDomainDnsRecords?: pulumi.Output<string[]>;
}

/**
 * `provider` is the stack's regional provider, which DCDN and DNS (global services) are managed through;
 * `hkProvider` the redirector's, when it is on.
 */
export function edgeServices(config: StackConfig, us: { publicHosts: string[]; hostPairs: HostPair[] }, edge: EdgeProxy,
    provider: pulumi.ProviderResource, hkProvider?: pulumi.ProviderResource): ServicesOutputs {
    const { dns, dcdn, redirector, geoip } = config;
    const out: ServicesOutputs = {};
    const edgeTarget: RecordTarget = { type: edge.addressIsName ? "CNAME" : "A", value: edge.publicAddress };

    // The zone comes first: DCDN's proof of ownership is a record in it, and the public names' records, added
    // last, point at what DCDN gives.
    const zone = dns.dns
        ? new DnsZone("dns", { domain: config.site.publicDomain, manageDomain: dns.dnsManageDomain, ttl: dns.dnsTtl, records: [] }, { provider })
        : undefined;
    let target = (_host: string): RecordTarget => edgeTarget;
    if (dcdn.dcdn) {
        const ownership = zone
            ? new DcdnOwnership("dcdn-owner", { domain: config.site.publicDomain, zone }, { provider })
            : undefined;
        const accelerated = new Dcdn("dcdn", {
            publicHosts: us.publicHosts,
            source: edge.publicAddress,
            sourceType: edge.addressIsName ? "domain" : "ipaddr",
            scope: dcdn.dcdnScope,
            staticPaths: dcdn.dcdnStaticPaths,
            staticTypes: dcdn.dcdnStaticTypes,
            // The config refuses DCDN without one of these.
            certificate: config.tls ? { kind: "upload", tls: config.tls } : { kind: "renewed", ...(edge.instanceIds.length ? { instanceId: edge.instanceIds[0] } : {}) },
            websocket: dcdn.dcdnWebsocket,
            ownership: ownership?.verified,
        }, { provider, dependsOn: [edge] });
        out.dcdnCnames = accelerated.cnames;
        target = (host) => ({ type: "CNAME", value: accelerated.cnames[host] });
    }
    if (zone) {
        out.dnsRecords = zone.add(publicRecords(us.publicHosts, config.site.publicDomain, target)).text;
        out.dnsNameServers = zone.nameServers;
    }

    if (redirector.redirector && hkProvider) {
        const server = new Redirector("hk-redirector", {
            zoneId: redirector.redirectorZone,
            hosts: us.hostPairs,
            status: redirector.redirectorStatus,
            exemptPaths: redirector.redirectorExemptPaths,
            existingService: dns.originTarget,
            geoip: { database: geoip.geoipDatabase, refreshHours: geoip.geoipRefreshHours, ...(geoip.maxmind ? { maxmind: geoip.maxmind } : {}) },
            tls: redirector.tls,
            settings: { instanceType: redirector.redirectorInstanceType, systemDiskSize: config.proxy.systemDiskSize, systemDiskCategory: config.proxy.systemDiskCategory },
            adminCidrs: config.network.adminCidrs,
        }, { provider: hkProvider });
        out.redirectorAddress = server.publicAddress;
        out.redirectorCertificate = redirector.tls ? "configured" : "self-signed at first boot";
        if (dns.oldDomainDns) {
            const old = new DnsZone("old-dns", {
                domain: config.site.originDomain,
                manageDomain: false,
                ttl: dns.dnsTtl,
                records: oldDomainRecords(us.hostPairs, config.site.originDomain, { type: "A", value: server.publicAddress }),
            }, { provider });
            out.oldDomainDnsRecords = old.records;
        }
    }
    return out;
}
