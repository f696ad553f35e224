import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { NetworkVswitch } from "../network/regionalNetwork";
import { OriginProxyAddress, renderEdgeHaproxy } from "../render/edge/haproxy";
import { SiteCertificate, acmeAccount, providedMaterial } from "china-edge-policy/kernel/tls";
import { LinkTls, linkFiles } from "./linkCertificates";
import { HAPROXY_PATHS } from "../render/shared/paths";
import { LINK_PORT, NODE_EXPORTER_PORT, SHARE_PORT, STATS_PORT } from "../render/shared/endpoints";
import { FILE_LIMIT } from "../render/shared/capacity";
import { edgeBundle, edgeGroupRenewSettings, edgeRenewSettings, edgeUserData } from "../render/edge/edgeHost";
import { ProxyBundle } from "../render/shared/bundle";
import { ALIDNS_ACTIONS, DCDN_CERTIFICATE_ACTIONS, RenewSettings } from "../render/shared/renew";
import { placeReplicas } from "./placement";
import { InstanceSettings, ProxyHostsArgs, createEip, createHostFoundation, createProxyHosts, hostRoleName } from "./proxyHosts";
import { Capacity, createScalingHosts, groupTag } from "./scalingGroup";
import { createLoadBalancer } from "./loadBalancer";
import { edgeLeaveSettings, leaveTimeoutSeconds, renderLeaveCommand } from "../render/shared/leave";
import { HostParts } from "../monitoring/alarmPlan";
import { ReportedGroup, ReportedHost, edgeReportSettings } from "../render/shared/report";

/**
 * terminate: the edge ends clients' TLS with `certificate` (from an ACME CA: ordered and renewed on the first edge,
 * copied by the others) and reaches the origin proxies over `link`; passthrough: TLS passes to the origin proxies,
 * whose certificate the health checks verify when it is verifiable.
 */
export type EdgeTermination =
    | { kind: "terminate"; certificate: SiteCertificate; link: LinkTls }
    | { kind: "passthrough"; verifyOriginCertificate: boolean };

/** Whether the certificate a client meets verifies: the edge's own when it ends TLS, else the origin proxies'. */
export function clientCertificateVerifies(tls: EdgeTermination): boolean {
    return tls.kind === "terminate" ? tls.certificate.source === "provided" : tls.verifyOriginCertificate;
}

export interface EdgeProxyArgs {
    /** The edge VPC's id and range. */
    vpcId: pulumi.Input<string>;
    vpcCidr: string;
    /** vSwitches in zone order; replicas go round-robin over them. */
    vswitches: NetworkVswitch[];
    securityGroupId: pulumi.Input<string>;
    /** Public names allowed through (the SNI allow-list); the first is used for health checks. */
    publicHosts: string[];
    /** The origin proxies, reached over CEN. */
    originProxies: OriginProxyAddress[];
    /** The hosts visitors' browsers use in place of blocked third parties, which `npm run status` checks from the edges. */
    mirrors: string[];
    /** Answer plain HTTP on 80 (redirect, ACME). */
    httpRedirect: boolean;
    /** Number of edges; more than one puts an NLB in front. */
    replicas: number;
    /** An Auto Scaling group of edges instead of the fixed replicas, behind an NLB. */
    scaling?: Capacity;
    /** With scaling: shell lines a new edge runs once its bundle is applied. */
    launchAfter?: pulumi.Input<string>;
    settings: InstanceSettings;
    /** Ranges allowed to reach SSH; empty for none. */
    adminCidrs: string[];
    /** Bandwidth cap of the single edge's EIP, Mbps. */
    eipBandwidthMbps: number;
    /** Where client TLS ends: here, with the site's certificate and this end of the link, or at the origin proxies. */
    tls: EdgeTermination;
    /** The names DCDN accelerates: with an ACME certificate, the edge that orders it hands each renewal to DCDN. */
    dcdnNames?: string[];
}

/** Where a scaling group's edges listen for stats and health: every address of the host. */
const ANY_ADDRESS = "0.0.0.0";

/** HAProxy edges in the mainland region: TLS ends here or passes through to the origin proxies; reached by an EIP or an NLB. */
export class EdgeProxy extends pulumi.ComponentResource {
    /** The address or name users' DNS points at: the EIP of a single edge, or the NLB's DNS name. */
    readonly publicAddress: pulumi.Output<string>;
    /** Whether publicAddress is a name (the NLB's, for a CNAME) rather than an address. */
    readonly addressIsName: boolean;
    readonly privateIps: string[];
    /** Ids of the edge instances, once Cloud Assistant runs on each: they change when an edge is replaced. */
    readonly instanceIds: pulumi.Output<string>[];
    /** The instances, the EIP or the NLB, for CloudMonitor. */
    readonly watched: HostParts<pulumi.Output<string>>;
    /** Each edge's instance and what `npm run status` reads on it. */
    readonly reported: ReportedHost<pulumi.Output<string>>[];
    /** With scaling: the group, and what `npm run status` reads on each edge in service (stats on every address). */
    readonly reportedGroup?: ReportedGroup<pulumi.Output<string>>;

    constructor(name: string, args: EdgeProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        // Rendered before anything is registered: a config that cannot be delivered stops the program here.
        if (args.scaling) {
            const haproxyCfg = EdgeProxy.haproxy(args, ANY_ADDRESS, false);
            super("china-edge:proxy:EdgeProxy", name, {}, opts);
            this.privateIps = [];
            const acme = args.tls.kind === "terminate" ? acmeAccount(args.tls.certificate) : undefined;
            const foundation = createHostFoundation(this, name, { ...EdgeProxy.hostsArgs(args, false), storesCertificate: acme !== undefined });
            // One certificate for the group, in its bucket: whichever edge finds it due orders it under a lease.
            const renew = acme && pulumi.all([foundation.bucket.bucket, foundation.region, foundation.bucket.intranetEndpoint])
                .apply(([bucket, region, endpoint]) => edgeGroupRenewSettings(name, args.publicHosts, acme, hostRoleName(name), { bucket, region, endpoint }, args.dcdnNames));
            const bundle = EdgeProxy.groupBundle(name, args, haproxyCfg, renew);
            const nlb = EdgeProxy.loadBalancer(this, name, args, []);
            const group = createScalingHosts(this, name, foundation, {
                vswitches: args.vswitches, securityGroupId: args.securityGroupId, settings: args.settings, capacity: args.scaling,
                bundle, serverGroups: nlb.serverGroups, launchAfter: args.launchAfter,
                leave: { script: renderLeaveCommand(), timeoutSeconds: leaveTimeoutSeconds(edgeLeaveSettings(name)) },
            });
            this.instanceIds = [];
            this.reported = [];
            this.reportedGroup = { name, scalingGroupId: group.id, report: edgeReportSettings(name, "127.0.0.1", args.tls.kind === "terminate", args.mirrors) };
            this.addressIsName = true;
            this.publicAddress = nlb.loadBalancer.dnsName;
            this.watched = { instances: [], groups: [{ name, tag: groupTag(name) }], eips: [], loadBalancers: [{ name: `${name}-nlb`, id: nlb.loadBalancer.id }] };
            this.registerOutputs({ publicAddress: this.publicAddress, privateIps: this.privateIps });
            return;
        }
        const placements = placeReplicas(name, args.vswitches, args.replicas);
        const tls = args.tls;
        const acme = tls.kind === "terminate" ? acmeAccount(tls.certificate) : undefined;
        const share = acme !== undefined && placements.length > 1;
        const bundles: Record<string, pulumi.Input<ProxyBundle>> = {};
        for (const [i, p] of placements.entries()) {
            const haproxyCfg = EdgeProxy.haproxy(args, p.privateIp, share && i === 0);
            const renew = acme
                ? edgeRenewSettings(p.name, args.publicHosts, acme, hostRoleName(name), i === 0 ? undefined : placements[0].privateIp, args.dcdnNames)
                : undefined;
            bundles[p.name] = tls.kind === "terminate"
                ? linkFiles(tls.link).apply((files) => edgeBundle(p, haproxyCfg,
                    { publicHosts: args.publicHosts, site: providedMaterial(tls.certificate), link: files }, renew))
                : edgeBundle(p, haproxyCfg);
        }
        super("china-edge:proxy:EdgeProxy", name, {}, opts);
        this.privateIps = placements.map((p) => p.privateIp);

        const hosts = createProxyHosts(this, name, {
            ...EdgeProxy.hostsArgs(args, share),
            vswitches: args.vswitches,
            placements,
            settings: args.settings,
            bundles,
        });

        this.instanceIds = hosts.map((h) => h.commandTarget);
        this.reported = hosts.map((h) => ({
            name: h.placement.name, instanceId: h.instance.id,
            report: edgeReportSettings(h.placement.name, h.placement.privateIp, tls.kind === "terminate", args.mirrors),
        }));
        this.addressIsName = hosts.length > 1;
        const instances = hosts.map((h) => ({ name: h.placement.name, id: h.instance.id }));
        if (hosts.length === 1) {
            const eip = createEip(this, `${name}-eip`, hosts[0].instance.id, "EcsInstance", args.eipBandwidthMbps);
            this.publicAddress = eip.address;
            this.watched = { instances, groups: [], eips: [{ name: `${name}-eip`, id: eip.id }], loadBalancers: [] };
        } else {
            const nlb = EdgeProxy.loadBalancer(this, name, args, hosts.map((h) => h.instance)).loadBalancer;
            this.publicAddress = nlb.dnsName;
            this.watched = { instances, groups: [], eips: [], loadBalancers: [{ name: `${name}-nlb`, id: nlb.id }] };
        }
        this.registerOutputs({ publicAddress: this.publicAddress, privateIps: this.privateIps });
    }

    /** What the hosts of the edges share, fixed or scaling: user data, RAM actions, security group rules. */
    private static hostsArgs(args: EdgeProxyArgs, share: boolean): Pick<ProxyHostsArgs, "securityGroupId" | "ingress" | "adminCidrs" | "roleActions" | "userData" | "userDataIsSecret"> {
        const acme = args.tls.kind === "terminate" && acmeAccount(args.tls.certificate) !== undefined;
        return {
            securityGroupId: args.securityGroupId,
            userData: edgeUserData(),
            userDataIsSecret: false,
            roleActions: acme ? [...ALIDNS_ACTIONS, ...(args.dcdnNames?.length ? DCDN_CERTIFICATE_ACTIONS : [])] : [],
            ingress: [
                { name: "https", port: 443, cidrs: ["0.0.0.0/0"] },
                ...(args.httpRedirect ? [{ name: "http", port: 80, cidrs: ["0.0.0.0/0"] }] : []),
                // Stats, health and metrics from inside the VPC only (the NLB's health checks come from its vSwitches).
                { name: "stats", port: STATS_PORT, cidrs: [args.vpcCidr] },
                ...(share ? [{ name: "share", port: SHARE_PORT, cidrs: [args.vpcCidr] }] : []),
                { name: "node-exporter", port: NODE_EXPORTER_PORT, cidrs: [args.vpcCidr] },
            ],
            adminCidrs: args.adminCidrs,
        };
    }

    /** An edge's haproxy.cfg: stats and health on `statsAddress` (a scaling group's: every address of the host); `share`: it hands the ACME certificate to the others. */
    private static haproxy(args: EdgeProxyArgs, statsAddress: string, share: boolean): string {
        const tls = args.tls;
        return renderEdgeHaproxy({
            tls: tls.kind === "terminate" ? { kind: "terminate", linkPort: LINK_PORT, share } : tls,
            publicHosts: args.publicHosts,
            originProxies: args.originProxies,
            originPort: 443,
            originHttpPort: args.httpRedirect ? 80 : undefined,
            listen: { port: 443 },
            httpPort: args.httpRedirect ? 80 : undefined,
            stats: { address: statsAddress, port: STATS_PORT },
            fileLimit: FILE_LIMIT,
            user: "haproxy",
            paths: HAPROXY_PATHS,
        });
    }

    /**
     * What every edge of a scaling group serves: the same haproxy.cfg (any address the group gives the host; the
     * security group opens stats and health to the VPC only), its certificates, with ACME the renewer's settings.
     */
    private static groupBundle(name: string, args: EdgeProxyArgs, haproxyCfg: string, renew?: pulumi.Output<RenewSettings>): pulumi.Input<ProxyBundle> {
        const tls = args.tls;
        const host = { name, privateIp: "127.0.0.1" };
        // Spot edges watch for their reclamation notice.
        const spot = (args.scaling?.spotPercent ?? 0) > 0;
        return tls.kind === "terminate"
            ? pulumi.all([linkFiles(tls.link), renew]).apply(([files, settings]) => edgeBundle(host, haproxyCfg,
                { publicHosts: args.publicHosts, site: providedMaterial(tls.certificate), link: files }, settings, spot))
            : edgeBundle(host, haproxyCfg, undefined, undefined, spot);
    }

    /** An internet NLB over the zones in front of the edges, on 443 (and 80), checked on their stats port. */
    private static loadBalancer(parent: EdgeProxy, name: string, args: EdgeProxyArgs, instances: alicloud.ecs.Instance[]) {
        return createLoadBalancer(parent, name, {
            vpcId: args.vpcId, vswitches: args.vswitches, addressType: "Internet",
            ports: [443, ...(args.httpRedirect ? [80] : [])], healthPort: STATS_PORT, instances,
        });
    }
}
