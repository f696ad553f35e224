// An NLB over the stack's zones in front of proxies: TCP passthrough on each port, the client's address preserved to
// the proxies, each proxy checked as the proxies' own /healthz answers (which fails while one leaves, china-edge-leave)
// and drained for 300 s once out. Arguments as website/docs/r/nlb_load_balancer, nlb_server_group, nlb_listener in
// aliyun/terraform-provider-alicloud document them.
import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { NetworkVswitch } from "../network/regionalNetwork";
import { HEALTH_PATH, NLB_HEALTH_CHECK } from "../render/shared/endpoints";

export interface LoadBalancerArgs {
    vpcId: pulumi.Input<string>;
    /** One zone mapping per vSwitch (the NLB takes two zones or more). */
    vswitches: NetworkVswitch[];
    /** Internet (an EIP per zone, a DNS name) or Intranet (one private address per zone). */
    addressType: "Internet" | "Intranet";
    /** Intranet: the fixed private address in each vSwitch, in the same order, so configs naming them render before it exists. */
    privateAddresses?: string[];
    /** The ports it listens on, each forwarded to the same port of the proxies. */
    ports: number[];
    /** Where the proxies answer HEALTH_PATH. */
    healthPort: number;
    /** Fixed instances to put in each server group (a scaling group attaches its own). */
    instances: alicloud.ecs.Instance[];
}

/** A server group the proxies join, and the port they serve it on. */
export interface ServerGroupPort {
    id: pulumi.Output<string>;
    port: number;
}

/** The NLB `name` under `parent`, with a server group and a listener per port. */
export function createLoadBalancer(parent: pulumi.Resource, name: string, args: LoadBalancerArgs): { loadBalancer: alicloud.nlb.LoadBalancer; serverGroups: ServerGroupPort[] } {
    const nlb = new alicloud.nlb.LoadBalancer(`${name}-nlb`, {
        loadBalancerName: `${name}-nlb`,
        addressType: args.addressType,
        addressIpVersion: "ipv4",
        vpcId: args.vpcId,
        zoneMappings: args.vswitches.map((v, i) => ({
            zoneId: v.zoneId, vswitchId: v.vswitchId, ...(args.privateAddresses ? { privateIpv4Address: args.privateAddresses[i] } : {}),
        })),
        crossZoneEnabled: true,
    }, { parent });
    const serverGroups = args.ports.map((port) => {
        const group = new alicloud.nlb.ServerGroup(`${name}-${port}`, {
            serverGroupName: `${name}-${port}`,
            serverGroupType: "Instance",
            vpcId: args.vpcId,
            protocol: "TCP",
            scheduler: "Wrr",
            preserveClientIpEnabled: true,
            connectionDrainEnabled: true,
            connectionDrainTimeout: 300,
            healthCheck: {
                healthCheckEnabled: true,
                healthCheckType: "HTTP",
                healthCheckConnectPort: args.healthPort,
                healthCheckUrl: HEALTH_PATH,
                healthCheckDomain: "$SERVER_IP",
                httpCheckMethod: "GET",
                healthCheckHttpCodes: ["http_2xx"],
                healthCheckInterval: NLB_HEALTH_CHECK.intervalSeconds,
                healthyThreshold: NLB_HEALTH_CHECK.healthyThreshold,
                unhealthyThreshold: NLB_HEALTH_CHECK.unhealthyThreshold,
            },
        }, { parent: nlb });
        args.instances.forEach((instance, i) => {
            new alicloud.nlb.ServerGroupServerAttachment(`${name}-${port}-${i + 1}`, {
                serverGroupId: group.id,
                serverId: instance.id,
                serverType: "Ecs",
                port,
                weight: 100,
            }, { parent: group });
        });
        new alicloud.nlb.Listener(`${name}-${port}`, {
            loadBalancerId: nlb.id,
            listenerProtocol: "TCP",
            listenerPort: port,
            serverGroupId: group.id,
            idleTimeout: 900,
            proxyProtocolEnabled: false,
        }, { parent: nlb });
        return { id: group.id, port };
    });
    return { loadBalancer: nlb, serverGroups };
}
