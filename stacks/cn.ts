import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import * as command from "@pulumi/command";
import { CnConfig, checkPeerVpcCidr, checkServedByUs } from "./config";
import { StackContractOutputs, UsValues, cnReads, isSecretOutput } from "./contract";
import { RegionalNetwork } from "../components/network/regionalNetwork";
import { TRANSIT_ROUTER_ZONES, TransitHub } from "../components/link/transitHub";
import { CrossBorderLink } from "../components/link/crossBorderLink";
import { EdgeProxy, EdgeTermination, clientCertificateVerifies } from "../components/proxy/edgeProxy";
import { LinkTls } from "../components/proxy/linkCertificates";
import { renderEdgeCheck } from "../components/render/edge/edgeCheck";
import { CHAIN_HEADER } from "../components/render/originProxy/originNginx";
import { launchLogtail, proxyInstances, proxyZones, regionRegistry, stackLogShipping, stackMonitoring, zoneVswitches } from "./shared";
import { planProbes } from "../components/monitoring/alarmPlan";
import { REDIRECTOR_REGION, edgeServices } from "./cnServices";
import { checkZones } from "./cloudFacts";

/** The terminating edges' end of the link, which only a us stack of this version exports (the key as a secret). */
async function readLink(ref: pulumi.StackReference, config: CnConfig): Promise<LinkTls> {
    const read: Record<string, unknown> = Object.fromEntries(await Promise.all(cnReads(true).map(async (name) => {
        const details = await ref.getOutputDetails(name);
        return [name, isSecretOutput(name) ? details.secretValue ?? details.value : details.value ?? details.secretValue];
    })));
    const { linkCaCertificate: caCertificate, edgeLinkCertificate: certificate, edgeLinkPrivateKey: privateKey } = read;
    if (typeof caCertificate !== "string" || typeof certificate !== "string" || typeof privateKey !== "string") {
        throw new PeerStackError(`the us stack ${config.stack.usStack} exports no link certificates, which edgeTls terminate needs: ` +
            "run `pulumi up -s us` with this version first (or set china-edge:edgeTls passthrough)");
    }
    return { caCertificate, certificate, privateKey: pulumi.secret(privateKey) };
}

export class PeerStackError extends Error {}

/** The us stack's outputs, and where the edges end TLS with what that needs of the us stack (its end of the link). */
async function readUs(config: CnConfig): Promise<{ us: UsValues; edgeTls: EdgeTermination }> {
    const ref = new pulumi.StackReference("us", { name: config.stack.usStack });
    const values: Record<string, unknown> = {};
    for (const key of cnReads(false)) {
        const value = await ref.getOutputValue(key);
        if (value === undefined) {
            throw new PeerStackError(`the us stack ${config.stack.usStack} has no output "${key}": run \`pulumi up -s us\` first ` +
                "(or set china-edge:usStack to the us stack's fully qualified name)");
        }
        values[key] = value;
    }
    const us = values as UsValues;
    const tls = config.edgeTls;
    return {
        us,
        edgeTls: tls.kind === "terminate"
            ? { kind: "terminate", certificate: tls.certificate, link: await readLink(ref, config) }
            : { kind: "passthrough", verifyOriginCertificate: us.originCertificateVerifiable },
    };
}

/** Shanghai: its VPC, its transit hub joined to the us stack's CEN, and the cross-border link. */
export async function cnProgram(config: CnConfig): Promise<StackContractOutputs & Record<string, unknown>> {
    const { us, edgeTls } = await readUs(config);
    checkPeerVpcCidr(config, us.vpcCidr);
    checkServedByUs(config, us);

    const provider = new alicloud.Provider(config.network.region, { region: config.network.region });
    const usProvider = new alicloud.Provider(us.region, { region: us.region });
    const hkProvider = config.redirector.redirector ? new alicloud.Provider(REDIRECTOR_REGION, { region: REDIRECTOR_REGION }) : undefined;
    await checkZones([proxyZones(config, provider), ...(hkProvider ? [{
        key: "redirectorZone", zones: [config.redirector.redirectorZone], region: REDIRECTOR_REGION, provider: hkProvider,
        instanceType: config.redirector.redirectorInstanceType, diskCategory: config.proxy.systemDiskCategory, transitRouterZones: 0,
    }] : [])]);

    const network = new RegionalNetwork("cn", {
        cidrBlock: config.network.vpcCidr,
        vswitches: zoneVswitches(config),
    }, { provider });

    const hub = new TransitHub("cn", {
        cenId: us.cenId,
        vpcId: network.vpcId,
        zoneMappings: network.vswitches.slice(0, TRANSIT_ROUTER_ZONES),
    }, { provider });

    const link = new CrossBorderLink("cross-border", {
        cenId: us.cenId,
        local: {
            regionId: config.network.region, transitRouterId: hub.transitRouterId, routeTableId: hub.routeTableId,
            vpcAttachmentId: hub.vpcAttachmentId, vpcRouteTableId: network.routeTableId, vpcCidr: network.vpcCidr,
        },
        peer: {
            regionId: us.region, transitRouterId: us.transitRouterId, routeTableId: us.transitRouterRouteTableId,
            vpcAttachmentId: us.vpcAttachmentId, vpcRouteTableId: us.vpcRouteTableId, vpcCidr: us.vpcCidr,
        },
        peerProvider: usProvider,
        bandwidthMbps: config.network.crossBorderBandwidthMbps,
    }, { provider });

    const edge = new EdgeProxy("cn-edge", {
        vpcId: network.vpcId,
        vpcCidr: config.network.vpcCidr,
        vswitches: network.vswitches,
        securityGroupId: network.securityGroupId,
        publicHosts: us.publicHosts,
        originProxies: us.originProxies,
        mirrors: us.mirrors,
        httpRedirect: config.proxy.httpRedirect,
        replicas: config.proxy.replicas,
        ...(config.scaling ? { scaling: config.scaling, launchAfter: launchLogtail(config) } : {}),
        settings: proxyInstances(config),
        adminCidrs: config.network.adminCidrs,
        eipBandwidthMbps: config.proxy.edgeBandwidthMbps,
        tls: edgeTls,
        dcdnNames: config.dcdn.dcdn ? us.publicHosts : [],
    }, { provider, dependsOn: [link] });

    if (config.proxy.postDeployCheck) {
        // Runs where `pulumi up` runs, once the edge is up, and again whenever an edge or the origin proxies change:
        // the update fails loudly when the data plane does not answer.
        new command.local.Command("edge-check", {
            create: edge.publicAddress.apply((address) => renderEdgeCheck({
                host: config.site.publicDomain, address, port: 443, header: CHAIN_HEADER,
                insecure: !clientCertificateVerifies(edgeTls),
                attempts: 60, intervalSeconds: 10,
            })),
            interpreter: ["/bin/sh", "-c"],
            triggers: [edge.publicAddress, ...edge.instanceIds, us.originProxies.map((o) => `${o.name}=${o.address}`).join(",")],
        }, { parent: edge, dependsOn: [edge] });
    }

    const registry = regionRegistry(config, network, provider);
    const services = edgeServices(config, us, edge, provider, hkProvider);
    const m = config.monitoring;
    // The old names reach the redirector from the mainland only through their records on the mainland line.
    const oldHosts = config.redirector.redirector && config.dns.oldDomainDns ? us.hostPairs.map((p) => p.origin) : [];
    const monitoring = stackMonitoring(config, {
        ...edge.watched,
        crossBorder: { cenId: us.cenId, regions: [config.network.region, us.region] },
    }, planProbes(pulumi.getStack(), us.publicHosts, oldHosts, m.probePoints, m.probeIntervalMinutes),
    { edges: edge.privateIps, originProxies: [] }, provider, config.dcdn.dcdn ? us.publicHosts : []);
    const logs = stackLogShipping(config, edge.instanceIds, provider);

    return {
        region: config.network.region,
        vpcId: network.vpcId,
        vpcCidr: network.vpcCidr,
        vswitchIds: network.vswitches.map((v) => v.vswitchId),
        securityGroupId: network.securityGroupId,
        transitRouterId: hub.transitRouterId,
        vpcAttachmentId: hub.vpcAttachmentId,
        peerAttachmentId: link.peerAttachmentId,
        crossBorderBandwidthMbps: config.network.crossBorderBandwidthMbps,
        publicHosts: us.publicHosts,
        edgeAddress: edge.publicAddress,
        edgePrivateIps: edge.privateIps,
        proxyHosts: edge.reported,
        ...(edge.reportedGroup ? { proxyGroups: [edge.reportedGroup] } : {}),
        ...registry,
        ...services,
        ...monitoring,
        ...logs,
    };
}
