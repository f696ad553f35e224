import * as pulumi from "@pulumi/pulumi";
import { RegionalNetwork } from "../network/regionalNetwork";
import { HostPair } from "china-edge-policy/kernel/hosts";
import { GEOIP2_MODULE, NGINX_PATHS, NGINX_USER } from "../render/shared/paths";
import { renderRedirectorNginx } from "../render/redirector/redirectorNginx";
import { FILE_LIMIT } from "../render/shared/capacity";
import { RedirectorGeoip, redirectorBundle, redirectorUserData } from "../render/redirector/redirectorHost";
import { TlsMaterial } from "china-edge-policy/kernel/tls";
import { placeReplicas } from "../proxy/placement";
import { InstanceSettings, createEip, createProxyHosts } from "../proxy/proxyHosts";

/** The redirector's own small VPC: nothing routes to it, so its range only has to be private. */
export const REDIRECTOR_VPC_CIDR = "172.31.0.0/24";
/** Bandwidth cap of its EIP, Mbps (pay by traffic): it answers redirects, and passes through only the few others. */
const REDIRECTOR_BANDWIDTH_MBPS = 50;
/** How often nginx looks for a new database file. */
const GEOIP_RELOAD_INTERVAL = "5m";

export interface RedirectorArgs {
    /** Zone of the provider's region (cn-hongkong). */
    zoneId: string;
    /** Each old name with its public name. */
    hosts: HostPair[];
    status: 301 | 302;
    exemptPaths: string[];
    /** The existing service's address or name; default: the old name itself, resolved from outside the mainland. */
    existingService?: string;
    geoip: RedirectorGeoip;
    /** The old names' certificate; undefined: self-signed at first boot. */
    tls?: TlsMaterial;
    settings: InstanceSettings;
    adminCidrs: string[];
}

/** One nginx host outside the mainland answering the old names: mainland visitors are redirected to the public names. */
export class Redirector extends pulumi.ComponentResource {
    readonly publicAddress: pulumi.Output<string>;

    constructor(name: string, args: RedirectorArgs, opts?: pulumi.ComponentResourceOptions) {
        const oldNames = args.hosts.map((r) => r.origin);
        const nginxConf = renderRedirectorNginx({
            hosts: args.hosts,
            status: args.status,
            exemptPaths: args.exemptPaths,
            upstream: `${args.existingService ?? oldNames[0]}:443`,
            geoip: { database: args.geoip.database, module: GEOIP2_MODULE, reloadInterval: GEOIP_RELOAD_INTERVAL },
            listen: { port: 443 },
            httpPort: 80,
            fileLimit: FILE_LIMIT,
            user: NGINX_USER,
            paths: NGINX_PATHS,
        });
        const userData = redirectorUserData(args.geoip);
        super("china-edge:redirector:Redirector", name, {}, opts);

        const network = new RegionalNetwork(name, {
            cidrBlock: REDIRECTOR_VPC_CIDR,
            vswitches: [{ zoneId: args.zoneId, cidrBlock: REDIRECTOR_VPC_CIDR }],
        }, { parent: this });
        const placements = placeReplicas(name, network.vswitches, 1);
        const [host] = createProxyHosts(this, name, {
            vswitches: network.vswitches,
            securityGroupId: network.securityGroupId,
            placements,
            settings: args.settings,
            userData,
            userDataIsSecret: args.geoip.maxmind !== undefined,
            bundles: { [placements[0].name]: redirectorBundle(placements[0].name, nginxConf, oldNames, args.tls) },
            ingress: [
                { name: "https", port: 443, cidrs: ["0.0.0.0/0"] },
                { name: "http", port: 80, cidrs: ["0.0.0.0/0"] },
            ],
            adminCidrs: args.adminCidrs,
        });
        this.publicAddress = createEip(this, `${name}-eip`, host.instance.id, "EcsInstance", REDIRECTOR_BANDWIDTH_MBPS).address;
        this.registerOutputs({ publicAddress: this.publicAddress });
    }
}
