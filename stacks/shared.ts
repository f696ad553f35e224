import { StackConfig } from "./config";

/** The config's zones paired with their vSwitch ranges, in order. */
export function zoneVswitches(config: StackConfig): { zoneId: string; cidrBlock: string }[] {
    return config.zones.map((zoneId, i) => ({ zoneId, cidrBlock: config.vswitchCidrs[i] }));
}
