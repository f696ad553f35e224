import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { UsConfig } from "./config";
import { RegionalNetwork } from "../components/network/regionalNetwork";
import { TRANSIT_ROUTER_ZONES, TransitHub } from "../components/link/transitHub";
import { OriginProxy } from "../components/proxy/originProxy";
import { LinkCertificates } from "../components/proxy/linkCertificates";
import { PrometheusFiles, RegistryOutputs, launchLogtail, proxyInstances, proxyZones, regionRegistry, stackLogShipping, stackMonitoring, zoneVswitches } from "./shared";
import { LogShippingOutputs } from "../components/monitoring/logShipping";
import { checkZones } from "./cloudFacts";
import { UsContractOutputs } from "./contract";
import { mirrorHosts } from "../components/thirdParty/hosts";

/**
 * What the us stack exports: the outputs of the contract (stacks/contract.ts), which the cn stack and `npm run status`
 * read, and those only people read (the registry, Prometheus's files, where the logs go).
 */
export type UsOutputs = UsContractOutputs & RegistryOutputs & {
    /** What a Prometheus in the VPC loads to watch the origin proxies, when monitoring is on. */
    prometheus?: PrometheusFiles;
    /** Where the origin proxies' access logs are, when logService is on. */
    logs?: pulumi.Output<LogShippingOutputs>;
};

/** US East: its VPC, the CEN instance and this region's transit hub. */
export async function usProgram(config: UsConfig): Promise<UsOutputs> {
    const provider = new alicloud.Provider(config.network.region, { region: config.network.region });
    await checkZones([proxyZones(config, provider)]);

    const network = new RegionalNetwork("us", {
        cidrBlock: config.network.vpcCidr,
        vswitches: zoneVswitches(config),
    }, { provider });

    const hub = new TransitHub("us", {
        vpcId: network.vpcId,
        zoneMappings: network.vswitches.slice(0, TRANSIT_ROUTER_ZONES),
    }, { provider });

    const link = new LinkCertificates("link");
    const proxy = new OriginProxy("us-origin", {
        vpcId: network.vpcId,
        vpcCidr: config.network.vpcCidr,
        vswitches: network.vswitches,
        securityGroupId: network.securityGroupId,
        hosts: config.site.hosts,
        thirdParty: config.site.thirdParty,
        certificate: config.certificate,
        icp: config.filing,
        edgeVpcCidr: config.network.edgeVpcCidr,
        httpPort: true,
        link: link.originProxy,
        egress: config.proxy.originEgress,
        replicas: config.proxy.replicas,
        ...(config.scaling ? { scaling: config.scaling, launchAfter: launchLogtail(config) } : {}),
        settings: proxyInstances(config),
        adminCidrs: config.network.adminCidrs,
    }, { provider });

    const registry = regionRegistry(config, network, provider);
    const monitoring = stackMonitoring(config, proxy.watched, [], { edges: [], originProxies: proxy.privateIps }, provider);
    const logs = stackLogShipping(config, proxy.instanceIds, provider);

    return {
        region: config.network.region,
        vpcId: network.vpcId,
        vpcCidr: network.vpcCidr,
        vpcRouteTableId: network.routeTableId,
        vswitchIds: network.vswitches.map((v) => v.vswitchId),
        securityGroupId: network.securityGroupId,
        cenId: hub.cenId,
        transitRouterId: hub.transitRouterId,
        transitRouterRouteTableId: hub.routeTableId,
        vpcAttachmentId: hub.vpcAttachmentId,
        publicHosts: config.site.hosts.map((h) => h.public),
        hostPairs: config.site.hosts,
        mirrors: mirrorHosts(config.site.thirdParty),
        originProxies: proxy.addresses,
        originCertificateVerifiable: config.certificate.source === "provided",
        edgeVpcCidr: config.network.edgeVpcCidr,
        egressIps: proxy.egressIps,
        proxyHosts: proxy.reported,
        ...(proxy.reportedGroup ? { proxyGroups: [proxy.reportedGroup] } : {}),
        linkCaCertificate: pulumi.output(link.edge.caCertificate),
        edgeLinkCertificate: pulumi.output(link.edge.certificate),
        edgeLinkPrivateKey: pulumi.secret(link.edge.privateKey),
        ...registry,
        ...monitoring,
        ...logs,
    };
}
