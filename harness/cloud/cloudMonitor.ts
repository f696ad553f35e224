// What CloudMonitor knows of a stack right now:
// - DescribeMetricLast: a metric's latest point, here a site monitoring task's availability and response time
//   (namespace acs_networkmonitor, dimension taskId)
//   (https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-describemetriclast);
// - DescribeMetricRuleList: the alert rules in state ALARM whose names start as the stack's do (RuleName matches
//   by part) (https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-describemetricrulelist).
import { Call, rpc } from "../../components/cloud/openApi";

/** CloudMonitor's API (version 2019-01-01) in `region`. */
export function cloudMonitor(region: string, env: NodeJS.ProcessEnv = process.env): CloudMonitor {
    return new CloudMonitor(rpc("cms", "2019-01-01", `metrics.${region}.aliyuncs.com`, env));
}

/** A probe's latest figures; null where CloudMonitor has no point yet. */
export interface ProbeReading {
    availabilityPercent: number | null;
    responseMs: number | null;
    /** When the latest point was taken (ISO 8601). */
    at: string | null;
}

export interface FiringRule {
    ruleName: string;
    metric: string;
}

/** The statistic a point carries its value under: site monitoring names it after the metric, others Average. */
function pointValue(point: Record<string, unknown>, metric: string): number | null {
    const values = [metric, "Average", "Value", "Maximum"].map((key) => point[key]).filter((v) => v !== undefined && v !== null).map(Number);
    return values.find(Number.isFinite) ?? null;
}

export class CloudMonitor {
    constructor(private readonly call: Call) {}

    private async last(namespace: string, metric: string, dimensions: Record<string, string>): Promise<Record<string, unknown> | undefined> {
        const body = await this.call("DescribeMetricLast", { Namespace: namespace, MetricName: metric, Dimensions: JSON.stringify([dimensions]) });
        if (body.Success === false) {
            throw new Error(`DescribeMetricLast ${namespace}/${metric}: ${String(body.Message ?? body.Code)}`);
        }
        const points = typeof body.Datapoints === "string" && body.Datapoints !== "" ? JSON.parse(body.Datapoints) as Record<string, unknown>[] : [];
        return points.sort((a, b) => Number(b.timestamp ?? 0) - Number(a.timestamp ?? 0))[0];
    }

    /** The site monitoring task's latest availability (%) and response time (ms). */
    async probe(taskId: string): Promise<ProbeReading> {
        const [availability, response] = await Promise.all([
            this.last("acs_networkmonitor", "Availability", { taskId }),
            this.last("acs_networkmonitor", "ResponseTime", { taskId }),
        ]);
        const at = availability?.timestamp ?? response?.timestamp;
        return {
            availabilityPercent: availability ? pointValue(availability, "Availability") : null,
            responseMs: response ? pointValue(response, "ResponseTime") : null,
            at: at === undefined ? null : new Date(Number(at)).toISOString(),
        };
    }

    /** Rules in state ALARM whose names begin with `prefix`. */
    async firing(prefix: string): Promise<FiringRule[]> {
        const rules: FiringRule[] = [];
        for (let page = 1; ; page++) {
            const body = await this.call("DescribeMetricRuleList", { AlertState: "ALARM", RuleName: prefix, Page: String(page), PageSize: "100" });
            if (body.Success === false) {
                throw new Error(`DescribeMetricRuleList: ${String(body.Message ?? body.Code)}`);
            }
            const alarms = ((body.Alarms as { Alarm?: unknown[] } | undefined)?.Alarm ?? []) as Record<string, unknown>[];
            rules.push(...alarms
                .filter((a) => String(a.RuleName ?? "").startsWith(prefix) && (a.AlertState === undefined || a.AlertState === "ALARM"))
                .map((a) => ({ ruleName: String(a.RuleName), metric: String(a.MetricName ?? "") })));
            if (alarms.length < 100) {
                return rules;
            }
        }
    }
}
