import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { AlarmSpec, AlarmThresholds, Comparison, ProbeSpec, WatchedParts, planAlarms } from "./alarmPlan";

/** Who hears of an alarm. */
export interface AlarmContacts {
    emails: string[];
    /** A DingTalk robot's webhook URL; kept a secret here (its access token). */
    dingTalkWebhook?: pulumi.Input<string>;
}

export interface MonitoringArgs {
    /** The stack's name, in every contact, group, probe and rule name. */
    stackName: string;
    contacts: AlarmContacts;
    thresholds: AlarmThresholds;
    /** What to watch, probes aside (they are made here). */
    parts: Omit<WatchedParts<pulumi.Input<string>>, "probes">;
    probes: ProbeSpec[];
    /** Days a served certificate may have left before `npm run status` counts it a problem. */
    certificateDays: number;
    /** The names DCDN serves, and the share of 5xx answers `npm run status` tolerates there (DCDN on). */
    dcdn?: DcdnWatch;
}

export interface DcdnWatch {
    domains: string[];
    errorPercent: number;
}

/** An alarm rule as the stack exports it: what `npm run plan -- --json` lists and `npm run status` asks after. */
export interface AlarmSummary {
    name: string;
    summary: string;
    project: string;
    metric: string;
    condition: string;
    dimensions: Record<string, string>;
}

/** What the stack exports about its monitoring. */
export interface MonitoringOutputs {
    contactGroup: string;
    contacts: string[];
    /** `points` as "isp:city" ids; empty: three CloudMonitor chooses. */
    probes: { name: string; taskName: string; url: string; intervalMinutes: number; points: string[]; taskId: string }[];
    alarms: AlarmSummary[];
    certificateDays: number;
    dcdn?: DcdnWatch;
}

/**
 * CloudMonitor for one stack: a contact group with its contacts, HTTPS probes from mainland detection points, and
 * an alarm rule per saturation point, each notifying the group.
 */
export class Monitoring extends pulumi.ComponentResource {
    readonly outputs: pulumi.Output<MonitoringOutputs>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:monitoring:Monitoring", name, {}, opts);
        const prefix = `china-edge-${args.stackName}`;

        const contacts = [
            ...args.contacts.emails.map((email, i) => new alicloud.cms.AlarmContact(`${name}-mail-${i + 1}`, {
                alarmContactName: `${prefix}-mail-${i + 1}`, describe: `china-edge ${args.stackName}: ${email}`,
                channelsMail: email, lang: "en",
            }, { parent: this })),
            ...(args.contacts.dingTalkWebhook ? [new alicloud.cms.AlarmContact(`${name}-dingtalk`, {
                alarmContactName: `${prefix}-dingtalk`, describe: `china-edge ${args.stackName}: DingTalk robot`,
                channelsDingWebHook: pulumi.secret(args.contacts.dingTalkWebhook), lang: "en",
            }, { parent: this })] : []),
        ];
        const group = new alicloud.cms.AlarmContactGroup(`${name}-contacts`, {
            alarmContactGroupName: prefix,
            describe: `china-edge ${args.stackName}: everyone told of its alarms`,
            contacts: contacts.map((c) => c.alarmContactName),
        }, { parent: this });

        const probes = args.probes.map((p) => ({ spec: p, monitor: new alicloud.cms.SiteMonitor(`${name}-${p.name}`, {
            taskName: p.taskName,
            taskType: "HTTPS",
            address: p.url,
            interval: String(p.intervalMinutes),
            ispCities: p.points.length > 0 ? p.points.map((pt) => ({ isp: pt.isp, city: pt.city })) : undefined,
            optionJson: {
                httpMethod: "get",
                // An assertion has a type, an operator and a target, and no header name (the provider's
                // website/docs/r/cms_site_monitor.html.markdown, option_json-assertions): the status is what it can check.
                assertions: [{ type: "status_code", operator: "lessThan", target: "400" }],
            },
        }, { parent: this }) }));

        const specs = planAlarms({
            ...args.parts, probes: probes.map((p) => ({ name: p.spec.name, id: p.monitor.id, intervalMinutes: p.spec.intervalMinutes })),
        }, args.thresholds);
        for (const spec of specs.filter((s) => !s.group)) {
            new alicloud.cms.Alarm(`${name}-${spec.name}`, {
                name: `${prefix}-${spec.name}`,
                project: spec.project,
                metric: spec.metric,
                metricDimensions: pulumi.output(spec.dimensions).apply((d) => JSON.stringify([d])),
                period: spec.periodSeconds,
                silenceTime: 3600,
                contactGroups: [group.alarmContactGroupName],
                escalationsCritical: {
                    statistics: spec.statistics, comparisonOperator: spec.comparison,
                    threshold: String(spec.threshold), times: spec.times,
                },
            }, { parent: this, dependsOn: [group] });
        }
        // A scaling group's hosts come and go: CloudMonitor puts each host carrying the group's tag in an application
        // group of its own making, and applies to it an alert template with the group's rules.
        for (const g of args.parts.groups) {
            const rules = specs.filter((s) => s.group?.value === g.tag.value);
            const template = new alicloud.cms.MetricRuleTemplate(`${name}-${g.name}`, {
                metricRuleTemplateName: `${prefix}-${g.name}`,
                description: `china-edge ${args.stackName}: each host of the scaling group ${g.name}`,
                silenceTime: 3600,
                alertTemplates: rules.map((r) => ({
                    ruleName: `${prefix}-${r.name}`, category: "ecs", namespace: r.project, metricName: r.metric,
                    escalations: { critical: { comparisonOperator: TEMPLATE_OPERATORS[r.comparison], statistics: r.statistics, threshold: String(r.threshold), times: String(r.times) } },
                })),
            }, { parent: this });
            new alicloud.cms.DynamicTagGroup(`${name}-${g.name}`, {
                tagKey: g.tag.key,
                matchExpresses: [{ tagValue: g.tag.value, tagValueMatchFunction: "equals" }],
                contactGroupLists: [group.alarmContactGroupName],
                templateIdLists: [template.id],
            }, { parent: this });
        }

        this.outputs = pulumi.output({
            contactGroup: prefix,
            contacts: [...args.contacts.emails, ...(args.contacts.dingTalkWebhook ? ["DingTalk robot (webhook kept secret)"] : [])],
            probes: probes.map((p) => ({
                name: p.spec.name, taskName: p.spec.taskName, url: p.spec.url, intervalMinutes: p.spec.intervalMinutes,
                points: p.spec.points.map((pt) => `${pt.isp}:${pt.city}`),
                taskId: p.monitor.id,
            })),
            alarms: specs.map(summarize),
            certificateDays: args.certificateDays,
            ...(args.dcdn ? { dcdn: args.dcdn } : {}),
        }) as pulumi.Output<MonitoringOutputs>;
        this.registerOutputs({ outputs: this.outputs });
    }
}

/** An alert template's names of the comparisons (the cms_metric_rule_template reference's comparison_operator values). */
const TEMPLATE_OPERATORS: Record<Comparison, string> = {
    ">": "GreaterThanThreshold", ">=": "GreaterThanOrEqualToThreshold", "<": "LessThanThreshold", "<=": "LessThanOrEqualToThreshold",
};

function summarize(spec: AlarmSpec<pulumi.Input<string>>): pulumi.Output<AlarmSummary> {
    return pulumi.output(spec.dimensions).apply((dimensions) => ({
        name: spec.name, summary: spec.summary, project: spec.project, metric: spec.metric,
        condition: `${spec.statistics} ${spec.comparison} ${spec.threshold} ${spec.unit}, ${spec.times} × ${spec.periodSeconds} s`,
        dimensions,
    }));
}
