import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { NetworkVswitch } from "../network/regionalNetwork";
import { HostPair } from "china-edge-policy/kernel/hosts";
import { ThirdParty, relayedHosts } from "../thirdParty/hosts";
import { renderConversionModule } from "../render/originProxy/conversionModule";
import { IcpFooter, renderOriginNginx } from "../render/originProxy/originNginx";
import { HAPROXY_PATHS, NGINX_PATHS, NGINX_USER } from "../render/shared/paths";
import { FILE_LIMIT } from "../render/shared/capacity";
import { LINK_LOCAL, LINK_PORT, LINK_SERVER_NAME, LINK_STATS_PORT, NODE_EXPORTER_PORT, SHARE_PATH, SHARE_PORT, STATS_PORT } from "../render/shared/endpoints";
import { renderLinkHaproxy } from "../render/originProxy/linkHaproxy";
import { hostAddress, parseIpv4Cidr } from "china-edge-policy/kernel/cidr";
import { ALIDNS_ACTIONS } from "../render/shared/renew";
import { LinkTls, linkFiles } from "./linkCertificates";
import { originBundle, originGroupRenewSettings, originRenewSettings, originUserData } from "../render/originProxy/originHost";
import { SiteCertificate, acmeAccount, providedMaterial } from "china-edge-policy/kernel/tls";
import { FIRST_PROXY_HOST, placeReplicas } from "./placement";
import { InstanceSettings, ProxyHostsArgs, createEip, createHostFoundation, createProxyHosts, hostRoleName } from "./proxyHosts";
import { Capacity, createScalingHosts, groupTag } from "./scalingGroup";
import { createLoadBalancer } from "./loadBalancer";
import { leaveTimeoutSeconds, originLeaveSettings, renderLeaveCommand } from "../render/shared/leave";
import { HostParts } from "../monitoring/alarmPlan";
import { ReportedGroup, ReportedHost, originReportSettings } from "../render/shared/report";

/** Cap of the origin proxies' egress EIPs (pay by traffic, so a ceiling rather than a price). */
const EGRESS_BANDWIDTH_MBPS = 100;

export interface OriginProxyArgs {
    vpcId: pulumi.Input<string>;
    /** The origin proxies' VPC range: where scrapers may read their metrics from. */
    vpcCidr: string;
    /** vSwitches in zone order; replicas go round-robin over them. */
    vswitches: NetworkVswitch[];
    securityGroupId: pulumi.Input<string>;
    /** Served names, primary first. */
    hosts: HostPair[];
    thirdParty: ThirdParty[];
    /**
     * The public names' certificate (what clients meet when the edges pass TLS through): given (the key stays a
     * secret), from an ACME CA (ordered and renewed on the first origin proxy, copied by the others), or self-signed.
     */
    certificate: SiteCertificate;
    icp?: IcpFooter;
    /** The edge VPC's range: the only source of 443/80 and of trusted PROXY protocol headers. */
    edgeVpcCidr: string;
    /** Serve plain HTTP from the edge (ACME challenges, redirects). */
    httpPort: boolean;
    /** This end of the link terminating edges connect to (mutual TLS on LINK_PORT, from edgeVpcCidr). */
    link: LinkTls;
    /** How the proxies reach the origin: an EIP each, or one NAT gateway. */
    egress: "eip" | "nat";
    replicas: number;
    /** An Auto Scaling group instead of the fixed replicas, behind an internal NLB at a fixed address per zone (egress nat). */
    scaling?: Capacity;
    /** With scaling: shell lines a new origin proxy runs once its bundle is applied. */
    launchAfter?: pulumi.Input<string>;
    settings: InstanceSettings;
    adminCidrs: string[];
}

/** The host address a scaling group's NLB takes in each vSwitch: just below the fixed proxies' (placement.ts). */
const BALANCER_HOST = FIRST_PROXY_HOST - 1;

/** Where a scaling group's hosts bind the link's exporter and health: every address of the host (the security group opens it to the VPC only). */
const ANY_ADDRESS = "0.0.0.0";

/**
 * Origin proxies in US East: nginx ends TLS for the public names (passthrough edges), converts, and goes on to the
 * origin over TLS; HAProxy ends the terminating edges' link in front of it.
 */
export class OriginProxy extends pulumi.ComponentResource {
    /** Each proxy's name and fixed private address, for the edges' backend list; a scaling group's NLB's address in each zone. */
    readonly addresses: { name: string; address: string }[];
    /** The fixed proxies' private addresses (what Prometheus scrapes); none for a scaling group. */
    readonly privateIps: string[];
    /** Public addresses the origin sees requests come from (allow-list them at the origin). */
    readonly egressIps: pulumi.Output<string>[];
    /** The instances and the egress EIPs, for CloudMonitor. */
    readonly watched: HostParts<pulumi.Output<string>>;
    /** Ids of the origin proxy instances, once Cloud Assistant runs on each (what commands run on them take). */
    readonly instanceIds: pulumi.Output<string>[];
    /** Each origin proxy's instance and what `npm run status` reads on it. */
    readonly reported: ReportedHost<pulumi.Output<string>>[];
    /** With scaling: the group, and what `npm run status` reads on each origin proxy in service. */
    readonly reportedGroup?: ReportedGroup<pulumi.Output<string>>;

    constructor(name: string, args: OriginProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        const acme = acmeAccount(args.certificate);
        const publicHosts = args.hosts.map((h) => h.public);
        const conversionModule = renderConversionModule({ hosts: args.hosts, thirdParty: args.thirdParty });
        const linkEnd = linkFiles(args.link);
        if (args.scaling) {
            if (args.egress !== "nat") {
                throw new Error(`OriginProxy ${name}: a scaling group reaches the origin through a NAT gateway (egress nat), not ${args.egress}`);
            }
            // The NLB hands the edges' connections on with their addresses; should it hand them from its own (in
            // this VPC), the hosts accept and trust those too.
            const sources = [args.edgeVpcCidr, args.vpcCidr];
            const configs = { nginxConf: OriginProxy.nginx(args, false, sources), conversionModule, haproxyCfg: OriginProxy.haproxy(ANY_ADDRESS) };
            super("china-edge:proxy:OriginProxy", name, {}, opts);
            const foundation = createHostFoundation(this, name, { ...OriginProxy.hostsArgs(args, false, sources), storesCertificate: acme !== undefined });
            // One certificate for the group, in its bucket, as a scaling group's edges keep theirs.
            const renew = acme && pulumi.all([foundation.bucket.bucket, foundation.region, foundation.bucket.intranetEndpoint])
                .apply(([bucket, region, endpoint]) => originGroupRenewSettings(name, publicHosts, acme, hostRoleName(name), { bucket, region, endpoint }));
            const spot = args.scaling.spotPercent > 0;
            const bundle = pulumi.all([linkEnd, renew]).apply(([files, settings]) =>
                originBundle(name, configs, publicHosts, providedMaterial(args.certificate), files, settings, { spot }));
            const privateAddresses = args.vswitches.map((v) => hostAddress(parseIpv4Cidr(v.cidrBlock)!, BALANCER_HOST));
            const nlb = createLoadBalancer(this, name, {
                vpcId: args.vpcId, vswitches: args.vswitches, addressType: "Intranet", privateAddresses,
                ports: [443, LINK_PORT, ...(args.httpPort ? [80] : [])], healthPort: LINK_STATS_PORT, instances: [],
            });
            const group = createScalingHosts(this, name, foundation, {
                vswitches: args.vswitches, securityGroupId: args.securityGroupId, settings: args.settings, capacity: args.scaling,
                bundle, serverGroups: nlb.serverGroups, launchAfter: args.launchAfter,
                leave: { script: renderLeaveCommand(), timeoutSeconds: leaveTimeoutSeconds(originLeaveSettings(name)) },
            });
            this.addresses = privateAddresses.map((address, i) => ({ name: `${name}-nlb-${i + 1}`, address }));
            this.privateIps = [];
            const nat = { name: `${name}-nat-eip`, ...this.natGateway(name, args) };
            this.egressIps = [nat.address];
            this.watched = { instances: [], groups: [{ name, tag: groupTag(name) }], eips: [nat], loadBalancers: [{ name: `${name}-nlb`, id: nlb.loadBalancer.id }] };
            this.instanceIds = [];
            this.reported = [];
            this.reportedGroup = {
                name, scalingGroupId: group.id, report: originReportSettings(name, "127.0.0.1", publicHosts[0], relayedHosts(args.thirdParty)),
            };
            this.registerOutputs({ addresses: this.addresses, egressIps: this.egressIps });
            return;
        }
        const placements = placeReplicas(name, args.vswitches, args.replicas);
        const share = acme !== undefined && placements.length > 1;
        const nginxConf = OriginProxy.nginx(args, share, [args.edgeVpcCidr]);
        const renew = (i: number) => acme
            ? originRenewSettings(placements[i].name, publicHosts, acme, hostRoleName(name), i === 0 ? undefined : placements[0].privateIp)
            : undefined;
        const bundles = Object.fromEntries(placements.map((p, i) => [p.name,
            linkEnd.apply((files) => originBundle(p.name, { nginxConf, conversionModule, haproxyCfg: OriginProxy.haproxy(p.privateIp) }, publicHosts,
                providedMaterial(args.certificate), files, renew(i)))]));
        super("china-edge:proxy:OriginProxy", name, {}, opts);
        this.addresses = placements.map((p) => ({ name: p.name, address: p.privateIp }));
        this.privateIps = placements.map((p) => p.privateIp);

        const hosts = createProxyHosts(this, name, {
            ...OriginProxy.hostsArgs(args, share, [args.edgeVpcCidr]),
            vswitches: args.vswitches,
            placements,
            settings: args.settings,
            bundles,
        });

        const eips = args.egress === "eip"
            ? hosts.map((h) => ({ name: `${h.placement.name}-eip`, ...createEip(this, `${h.placement.name}-eip`, h.instance.id, "EcsInstance", EGRESS_BANDWIDTH_MBPS) }))
            : [{ name: `${name}-nat-eip`, ...this.natGateway(name, args) }];
        this.egressIps = eips.map((e) => e.address);
        this.watched = { instances: hosts.map((h) => ({ name: h.placement.name, id: h.instance.id })), groups: [], eips, loadBalancers: [] };
        this.instanceIds = hosts.map((h) => h.commandTarget);
        this.reported = hosts.map((h) => ({ name: h.placement.name, instanceId: h.instance.id, report: originReportSettings(h.placement.name, h.placement.privateIp, publicHosts[0], relayedHosts(args.thirdParty)) }));
        this.registerOutputs({ addresses: this.addresses, egressIps: this.egressIps });
    }

    /** nginx.conf of every origin proxy, trusting PROXY headers from `sources`; `share`: the first hands the ACME certificate to the others. */
    private static nginx(args: OriginProxyArgs, share: boolean, sources: string[]): string {
        return renderOriginNginx({
            hosts: args.hosts,
            thirdParty: args.thirdParty,
            trustedProxyCidrs: sources,
            listen: { port: 443 },
            httpPort: args.httpPort ? 80 : undefined,
            link: LINK_LOCAL,
            stats: { port: STATS_PORT, allowed: [args.vpcCidr] },
            share: share ? { port: SHARE_PORT, path: SHARE_PATH, clientName: LINK_SERVER_NAME } : undefined,
            icp: args.icp,
            fileLimit: FILE_LIMIT,
            user: NGINX_USER,
            paths: NGINX_PATHS,
        });
    }

    /** The link's end in front of nginx; its exporter and health on `statsAddress`. */
    private static haproxy(statsAddress: string): string {
        return renderLinkHaproxy({
            listen: { port: LINK_PORT },
            nginx: { pages: `${LINK_LOCAL.address}:${LINK_LOCAL.port}`, websockets: `${LINK_LOCAL.address}:${LINK_LOCAL.websocketPort}` },
            stats: { address: statsAddress, port: LINK_STATS_PORT },
            fileLimit: FILE_LIMIT,
            user: "haproxy",
            paths: { ...HAPROXY_PATHS, linkCa: NGINX_PATHS.linkCa, linkCertificate: NGINX_PATHS.linkCertificate },
        });
    }

    /** What the hosts share, fixed or scaling: user data, RAM actions, security group rules (the edges' traffic from `sources`; metrics from the VPC). */
    private static hostsArgs(args: OriginProxyArgs, share: boolean, sources: string[]): Pick<ProxyHostsArgs, "securityGroupId" | "ingress" | "adminCidrs" | "roleActions" | "userData" | "userDataIsSecret"> {
        return {
            securityGroupId: args.securityGroupId,
            userData: originUserData(),
            userDataIsSecret: false,
            roleActions: acmeAccount(args.certificate) ? ALIDNS_ACTIONS : [],
            ingress: [
                { name: "https", port: 443, cidrs: sources },
                { name: "link", port: LINK_PORT, cidrs: sources },
                ...(args.httpPort ? [{ name: "http", port: 80, cidrs: sources }] : []),
                { name: "stats", port: STATS_PORT, cidrs: [args.vpcCidr] },
                // The link's exporter, and a scaling group's health as its NLB checks it from its vSwitches.
                { name: "link-metrics", port: LINK_STATS_PORT, cidrs: [args.vpcCidr] },
                { name: "node-exporter", port: NODE_EXPORTER_PORT, cidrs: [args.vpcCidr] },
                ...(share ? [{ name: "share", port: SHARE_PORT, cidrs: [args.vpcCidr] }] : []),
            ],
            adminCidrs: args.adminCidrs,
        };
    }

    /** One enhanced NAT gateway with an EIP, translating every proxy vSwitch. */
    private natGateway(name: string, args: OriginProxyArgs): { address: pulumi.Output<string>; id: pulumi.Output<string> } {
        const nat = new alicloud.vpc.NatGateway(`${name}-nat`, {
            natGatewayName: `${name}-nat`,
            vpcId: args.vpcId,
            vswitchId: args.vswitches[0].vswitchId,
            natType: "Enhanced",
            paymentType: "PayAsYouGo",
            internetChargeType: "PayByLcu",
            networkType: "internet",
        }, { parent: this });
        const eip = createEip(nat, `${name}-nat-eip`, nat.id, "Nat", EGRESS_BANDWIDTH_MBPS);
        args.vswitches.forEach((v) => {
            new alicloud.vpc.SnatEntry(`${name}-snat-${v.zoneId}`, {
                snatTableId: nat.snatTableIds,
                sourceVswitchId: v.vswitchId,
                snatIp: eip.address,
            }, { parent: nat });
        });
        return eip;
    }
}
