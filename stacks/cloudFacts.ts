// Facts of the account and the region asked of the cloud before anything is created, through the provider's own
// lookups (so `pulumi preview` asks them too): which zones can host the proxies' instance type with their system
// disk category, and which zones Enterprise transit routers can attach to. The offline plan answers the same
// lookups from a table (harness/plan/cloudFacts.ts).
import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { ConfigError, ConfigIssue } from "./config";

/** Zones of the provider's region where an instance of `instanceType` with a `diskCategory` system disk can be made. */
export async function zonesFor(instanceType: string, diskCategory: string, provider: pulumi.ProviderResource): Promise<string[]> {
    const answer = await alicloud.getZones({
        availableInstanceType: instanceType, availableDiskCategory: diskCategory, availableResourceCreation: "Instance",
    }, { provider });
    return answer.zones.map((z) => z.id);
}

/**
 * Zones of the provider's region whose transit router a VPC attachment can use
 * (https://www.alibabacloud.com/help/en/cen/product-overview/regions-and-zones-that-support-transit-router).
 */
export async function transitRouterZones(provider: pulumi.ProviderResource): Promise<string[]> {
    const answer = await alicloud.cen.getTransitRouterAvailableResources({}, { provider });
    return [...new Set((answer.resources ?? []).flatMap((r) => [...(r.availableZones ?? []), ...(r.masterZones ?? []), ...(r.slaveZones ?? [])]))];
}

/** What one placement asks of its region. */
export interface ZoneDemand {
    /** The config key that names the zones. */
    key: string;
    zones: string[];
    region: string;
    provider: pulumi.ProviderResource;
    instanceType: string;
    diskCategory: string;
    /** How many of `zones`, from the first, a transit router's VPC attachment uses (0: none). */
    transitRouterZones: number;
}

/** Stops the program, naming each key, the zones that cannot serve and the zones that would, before anything is made. */
export async function checkZones(demands: ZoneDemand[]): Promise<void> {
    const issues: ConfigIssue[] = [];
    for (const d of demands) {
        const [hosting, routing] = await Promise.all([
            zonesFor(d.instanceType, d.diskCategory, d.provider),
            d.transitRouterZones > 0 ? transitRouterZones(d.provider) : Promise.resolve([]),
        ]);
        const cannotHost = d.zones.filter((z) => !hosting.includes(z));
        if (cannotHost.length > 0) {
            issues.push({
                key: d.key, value: cannotHost.join(", "),
                accepted: `zones of ${d.region} that can host ${d.instanceType} with ${d.diskCategory} system disks: ` +
                    `${hosting.join(", ") || "none (choose another type or disk category)"}`,
            });
        }
        const cannotRoute = d.zones.slice(0, d.transitRouterZones).filter((z) => !routing.includes(z));
        if (cannotRoute.length > 0) {
            issues.push({
                key: d.key, value: cannotRoute.join(", "),
                accepted: `as its first ${d.transitRouterZones}, zones where ${d.region}'s transit routers can attach a VPC: ${routing.join(", ") || "none"}`,
            });
        }
    }
    if (issues.length > 0) {
        throw new ConfigError(issues);
    }
}
