import { hostAddress, parseIpv4Cidr } from "china-edge-policy/kernel/cidr";

/** Where one proxy instance goes. */
export interface Placement {
    /** Resource and host name, e.g. cn-edge-1. */
    name: string;
    zoneId: string;
    /** Index of its vSwitch in the network's list. */
    vswitch: number;
    /** Fixed private address, so configs that name it can be rendered before it exists. */
    privateIp: string;
}

/** The first host address given to proxies in each vSwitch; lower ones are left to the cloud's own use. */
export const FIRST_PROXY_HOST = 10;

/** Spreads `replicas` instances over the zones in turn (1st in zone a, 2nd in zone b, 3rd in zone a…). */
export function placeReplicas(prefix: string, vswitches: { zoneId: string; cidrBlock: string }[], replicas: number): Placement[] {
    return Array.from({ length: replicas }, (_, i) => {
        const vswitch = i % vswitches.length;
        const range = parseIpv4Cidr(vswitches[vswitch].cidrBlock);
        if (!range) {
            throw new Error(`vSwitch range ${vswitches[vswitch].cidrBlock} is not an IPv4 CIDR`);
        }
        return {
            name: `${prefix}-${i + 1}`,
            zoneId: vswitches[vswitch].zoneId,
            vswitch,
            privateIp: hostAddress(range, FIRST_PROXY_HOST + Math.floor(i / vswitches.length)),
        };
    });
}
