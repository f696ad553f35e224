// What CloudMonitor watches for a stack, as plain data: each alarm's namespace, metric, dimensions and threshold,
// and each probe from the mainland carriers. No Pulumi here: ids arrive as a type parameter, so the same plan is
// made of strings in a test and of outputs in the component.
//
// Namespaces, metrics, dimensions and statistics are from CloudMonitor's metric lists
// (https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/support/appendix-1-metrics links each service's list):
// ECS https://cloudmonitor.console.alibabacloud.com/metric-meta/acs_ecs_dashboard/ecs,
// EIP https://cloudmonitor.console.alibabacloud.com/metric-meta/acs_vpc_eip/eip,
// CEN https://cloudmonitor.console.alibabacloud.com/metric-meta/acs_cen/cen_region,
// NLB https://www.alibabacloud.com/help/en/slb/network-load-balancer/user-guide/nlb-monitoring-metrics,
// site monitoring (acs_networkmonitor, by taskId)
// https://www.alibabacloud.com/help/en/cms/developer-reference/api-describesitemonitorattribute.

/** An alarm's thresholds, from the stack's config. */
export interface AlarmThresholds {
    cpuPercent: number;
    memoryPercent: number;
    bandwidthPercent: number;
    probeAvailabilityPercent: number;
    probeResponseMs: number;
}

export type Comparison = ">" | ">=" | "<" | "<=";

/** One CloudMonitor alarm rule; `I` is how resource ids are held (strings, or Pulumi outputs). */
export interface AlarmSpec<I> {
    /** Unique in the stack, and the rule's name. */
    name: string;
    /** What it means, for the notification and the plan. */
    summary: string;
    project: string;
    metric: string;
    dimensions: Record<string, I | string>;
    statistics: "Average" | "Maximum" | "Value";
    comparison: Comparison;
    threshold: number;
    unit: string;
    /** Consecutive periods over the threshold before it fires. */
    times: number;
    periodSeconds: number;
    /**
     * On each host of a scaling group rather than one resource: the tag its hosts carry, which an application group
     * of CloudMonitor matches (the rule then comes from an alert template applied to that group).
     */
    group?: GroupTag;
}

/** A tag every host of a scaling group carries. */
export interface GroupTag {
    key: string;
    value: string;
}

/** A scaling group's hosts, by the group's name in the stack and the tag they carry. */
export interface WatchedGroup {
    name: string;
    tag: GroupTag;
}

/** An instance, an EIP or an NLB of the stack, by its name in the stack and its id. */
export interface Watched<I> {
    name: string;
    id: I;
}

/** What one stack has for CloudMonitor to watch. */
export interface WatchedParts<I> {
    instances: Watched<I>[];
    /** Scaling groups, whose hosts come and go. */
    groups: WatchedGroup[];
    /** EIPs with a bandwidth cap. */
    eips: Watched<I>[];
    loadBalancers: Watched<I>[];
    /** The cross-border link: both directions of the peer attachment, each against its cap. */
    crossBorder?: { cenId: I; regions: [string, string] };
    /** Site monitoring tasks, each with the minutes between its rounds. */
    probes: (Watched<I> & { intervalMinutes: number })[];
}

/** What a proxy component has for CloudMonitor to watch. */
export type HostParts<I> = Pick<WatchedParts<I>, "instances" | "groups" | "eips" | "loadBalancers">;

/** Resource metrics are sampled each minute; three minutes over the threshold make an alarm. */
const PERIOD_SECONDS = 60;
const TIMES = 3;

/** The stack's alarm rules, in a stable order. */
export function planAlarms<I>(parts: WatchedParts<I>, t: AlarmThresholds): AlarmSpec<I>[] {
    const resource = (spec: Omit<AlarmSpec<I>, "times" | "periodSeconds">): AlarmSpec<I> => ({ ...spec, times: TIMES, periodSeconds: PERIOD_SECONDS });
    const alarms: AlarmSpec<I>[] = [];
    const host = (name: string, what: string, dimensions: Record<string, I | string>, group?: GroupTag) => [
        resource({
            name: `${name}-cpu`, summary: `${what}: CPU above ${t.cpuPercent}%`,
            project: "acs_ecs_dashboard", metric: "CPUUtilization", dimensions,
            statistics: "Average", comparison: ">", threshold: t.cpuPercent, unit: "%", ...(group ? { group } : {}),
        }),
        // Reported by the CloudMonitor agent on the instance; without the agent the rule has no data.
        resource({
            name: `${name}-memory`, summary: `${what}: memory above ${t.memoryPercent}%`,
            project: "acs_ecs_dashboard", metric: "memory_usedutilization", dimensions,
            statistics: "Average", comparison: ">", threshold: t.memoryPercent, unit: "%", ...(group ? { group } : {}),
        }),
    ];
    for (const i of parts.instances) {
        alarms.push(...host(i.name, i.name, { instanceId: i.id }));
    }
    for (const g of parts.groups) {
        alarms.push(...host(g.name, `a host of ${g.name}`, { [`tag:${g.tag.key}`]: g.tag.value }, g.tag));
    }
    for (const e of parts.eips) {
        alarms.push(resource({
            name: `${e.name}-bandwidth`, summary: `${e.name}: outbound bandwidth above ${t.bandwidthPercent}% of its cap`,
            project: "acs_vpc_eip", metric: "net_out.rate_percentage", dimensions: { instanceId: e.id },
            statistics: "Average", comparison: ">", threshold: t.bandwidthPercent, unit: "%",
        }));
    }
    for (const lb of parts.loadBalancers) {
        // An NLB has no bandwidth cap; connections it drops are what saturation looks like there.
        alarms.push(resource({
            name: `${lb.name}-dropped`, summary: `${lb.name}: dropping connections`,
            project: "acs_nlb", metric: "InstanceDropConnection", dimensions: { instanceId: lb.id },
            statistics: "Average", comparison: ">", threshold: 0, unit: "connections/s",
        }));
    }
    if (parts.crossBorder) {
        const { cenId, regions: [a, b] } = parts.crossBorder;
        for (const [from, to] of [[a, b], [b, a]]) {
            alarms.push(resource({
                name: `cross-border-${from}-to-${to}`, summary: `cross-border link ${from} → ${to} above ${t.bandwidthPercent}% of its cap`,
                project: "acs_cen", metric: "InternetOutRatePercentByConnectionRegion",
                dimensions: { cenId, localRegionId: from, oppositeRegionId: to },
                statistics: "Value", comparison: ">", threshold: t.bandwidthPercent, unit: "%",
            }));
        }
    }
    for (const p of parts.probes) {
        const probe = { project: "acs_networkmonitor", dimensions: { taskId: p.id }, statistics: "Average" as const,
            times: 2, periodSeconds: p.intervalMinutes * 60 };
        alarms.push({
            ...probe, name: `probe-${p.name}-availability`, summary: `${p.name}: reached by fewer than ${t.probeAvailabilityPercent}% of the mainland probes`,
            metric: "Availability", comparison: "<", threshold: t.probeAvailabilityPercent, unit: "%",
        });
        alarms.push({
            ...probe, name: `probe-${p.name}-response-time`, summary: `${p.name}: answers the mainland probes in more than ${t.probeResponseMs} ms`,
            metric: "ResponseTime", comparison: ">", threshold: t.probeResponseMs, unit: "ms",
        });
    }
    return alarms;
}

/** A detection point: a carrier in a city, by CloudMonitor's ids (DescribeSiteMonitorISPCityList). */
export interface ProbePoint {
    isp: string;
    city: string;
}

/** One HTTP(S) probe of a public name from mainland detection points. */
export interface ProbeSpec {
    /** The name probed, which names its alarms. */
    name: string;
    /** The site monitoring task's name. */
    taskName: string;
    url: string;
    intervalMinutes: number;
    points: ProbePoint[];
}

/** A probe's name as CloudMonitor takes it: 4 to 100 letters, digits and underscores. */
export function probeTaskName(stackName: string, host: string): string {
    return `china_edge_${stackName}_${host}`.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 100);
}

/**
 * The probes of a cn stack: each public name over HTTPS, which must answer below 400 through the whole chain, and
 * each old name, which mainland visitors must find answered by the redirector.
 */
export function planProbes(stackName: string, publicHosts: string[], oldHosts: string[], points: ProbePoint[], intervalMinutes: number): ProbeSpec[] {
    return [...publicHosts, ...oldHosts].map((host) => ({ name: host, taskName: probeTaskName(stackName, host), url: `https://${host}/`, intervalMinutes, points }));
}
