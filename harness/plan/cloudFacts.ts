// The offline plan's answers to the lookups the programs make of the cloud at preview (stacks/cloudFacts.ts):
// a stand-in table, not a claim about today's stock, so that the plan stays offline and tests can feed it a zone
// that fails. A region outside the table is answered with the zones the config names, so it plans as configured.
import { instanceFamily } from "china-edge-policy/kernel/limits";

interface RegionFacts {
    /** Zones where ECS instances can be made. */
    zones: string[];
    /** Families out of stock in a zone, in this table. */
    without?: Record<string, string[]>;
    /**
     * Zones of the region's transit routers; Shanghai's from
     * https://www.alibabacloud.com/help/en/cen/product-overview/regions-and-zones-that-support-transit-router.
     */
    transitRouterZones: string[];
}

const shanghai = (letters: string) => [...letters].map((l) => `cn-shanghai-${l}`);

export const OFFLINE_REGIONS: Record<string, RegionFacts> = {
    "cn-shanghai": { zones: shanghai("abefglmn"), without: { "cn-shanghai-a": ["g8i", "c8i"] }, transitRouterZones: shanghai("bcefglmn") },
    "us-east-1": { zones: ["us-east-1a", "us-east-1b"], transitRouterZones: ["us-east-1a", "us-east-1b"] },
    "cn-hongkong": { zones: ["cn-hongkong-b", "cn-hongkong-c", "cn-hongkong-d"], transitRouterZones: ["cn-hongkong-b", "cn-hongkong-c", "cn-hongkong-d"] },
};

const DISK_CATEGORIES = ["cloud_essd", "cloud_auto", "cloud_ssd"];

/** getZones: the zones of `region` where the type (and disk category, when asked) can be had. */
export function offlineZones(region: string, args: Record<string, unknown>, configured: string[]): Record<string, unknown> {
    const facts = OFFLINE_REGIONS[region];
    const type = typeof args.availableInstanceType === "string" ? args.availableInstanceType : undefined;
    const disk = typeof args.availableDiskCategory === "string" ? args.availableDiskCategory : undefined;
    const zones = !facts ? configured.filter((z) => z.startsWith(region))
        : facts.zones.filter((z) => (!type || !(facts.without?.[z] ?? []).includes(instanceFamily(type) ?? type)) && (!disk || DISK_CATEGORIES.includes(disk)));
    return {
        ids: zones,
        zones: zones.map((id) => ({
            id, localName: id, availableInstanceTypes: type ? [type] : [], availableDiskCategories: DISK_CATEGORIES,
            availableResourceCreations: ["Instance", "VSwitch", "Disk"], multiZoneIds: [],
        })),
    };
}

/** getTransitRouterAvailableResources: the zones of `region` its transit routers attach to. */
export function offlineTransitRouterZones(region: string, configured: string[]): Record<string, unknown> {
    const zones = OFFLINE_REGIONS[region]?.transitRouterZones ?? configured.filter((z) => z.startsWith(region));
    return { resources: [{ availableZones: zones, masterZones: zones, slaveZones: zones, supportMulticast: false }] };
}
