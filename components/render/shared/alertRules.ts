// What a Prometheus in the stack's VPC (Alibaba Cloud's managed Prometheus, or any scraper) needs to watch the
// proxies from inside: where to scrape (HAProxy's exporter on the edges and on the origin proxy hosts, node exporter
// with the renewer's metrics on every host) and the alerting rules on what CloudMonitor cannot see: an origin proxy
// out of service at an edge, nginx down behind an origin proxy host's HAProxy,
// the origin proxies' 5xx share, the certificate's days left and its renewal, a host that stops answering, and the
// cross-border link's traffic as the edges count it (every byte to and from the origin proxies crosses it), which no
// CloudMonitor metric is documented for on a transit router's peer attachment.
// Metric names as HAProxy 2.6's exporter (addons/promex) and the renewer (apply/china-edge-renew.py) write them.
// Rule syntax: https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
import * as YAML from "yaml";
import { LINK_STATS_PORT, METRICS_PATH, NODE_EXPORTER_PORT, STATS_PORT } from "./endpoints";

/** The default of alarmCertificateDays: a certificate renewed 30 days ahead with fewer left has failed for two weeks. */
export const CERTIFICATE_DAYS_WARNING = 14;

export interface AlertThresholds {
    /** Share of the origin proxies' answers (as an edge sees them) that are 5xx, in %. */
    originErrorPercent: number;
    /** Days a served certificate may have left before its alert fires. */
    certificateDays: number;
    /** How long a condition holds before its alert fires; the lab shortens it. */
    forSeconds: number;
    /**
     * The cross-border link's traffic, either direction, that fires its alert, Mbps (cn: its share of
     * crossBorderBandwidthMbps); undefined where no edge carries the link.
     */
    linkMbps?: number;
}

/** The stack's proxy hosts by private address: edges carry HAProxy's exporter, every host node exporter. */
export interface ScrapeTargets {
    stack: string;
    edges: string[];
    originProxies: string[];
}

export const ALERT_RULES_FILE = "china-edge-alerts.yml";

/**
 * Mbps over the link in each direction, summed over the edges, above `mbps`: HAProxy counts a backend's bytes from
 * the client's side (bytes_in: requests, toward the origin; bytes_out: answers, toward China).
 */
function linkTraffic(mbps: number): string {
    const direction = (metric: string, label: string) =>
        `label_replace(sum(rate(haproxy_backend_${metric}_total{proxy=~"be_origin.*"}[1m])) * 8 / 1e6 > ${mbps}, "direction", "${label}", "", "")`;
    return `${direction("bytes_in", "to the origin")} or ${direction("bytes_out", "toward China")}`;
}

/** The rules in Prometheus's rule file format. */
export function renderAlertRules(t: AlertThresholds): string {
    const wait = `${t.forSeconds}s`;
    const rule = (alert: string, expr: string, summary: string, forSeconds = wait) =>
        ({ alert, expr, for: forSeconds, labels: { severity: "critical" }, annotations: { summary } });
    const origin = 'proxy="be_origin"';
    return YAML.stringify({
        groups: [{
            name: "china-edge",
            rules: [
                rule("ChinaEdgeHostUnreachable", 'up{job=~"china-edge-.*"} == 0',
                    "{{ $labels.instance }} ({{ $labels.job }}) does not answer its scrape"),
                rule("ChinaEdgeOriginProxyDown", `haproxy_server_status{${origin},state="UP"} == 0`,
                    "edge {{ $labels.instance }} has origin proxy {{ $labels.server }} out of service"),
                rule("ChinaEdgeOriginProxyErrors",
                    `100 * sum by (instance, server) (rate(haproxy_server_http_responses_total{${origin},code="5xx"}[5m]))` +
                    ` / sum by (instance, server) (rate(haproxy_server_http_responses_total{${origin}}[5m])) > ${t.originErrorPercent}`,
                    `more than ${t.originErrorPercent}% of origin proxy {{ $labels.server }}'s answers at edge {{ $labels.instance }} are 5xx`),
                rule("ChinaEdgeNginxDown", 'haproxy_server_status{proxy="be_pages",server="nginx",state="UP"} == 0',
                    "origin proxy host {{ $labels.instance }}: its HAProxy finds nginx down"),
                rule("ChinaEdgeCertificateExpiring", `(china_edge_certificate_expiry_seconds - time()) / 86400 < ${t.certificateDays}`,
                    `the certificate for {{ $labels.names }} on {{ $labels.instance }} expires in fewer than ${t.certificateDays} days`, "0s"),
                rule("ChinaEdgeCertificateRenewalFailing", "china_edge_certificate_renewal_ok == 0",
                    "the last renewal of {{ $labels.names }} on {{ $labels.instance }} failed", "0s"),
                ...(t.linkMbps === undefined ? [] : [rule("ChinaEdgeCrossBorderLinkBusy", linkTraffic(t.linkMbps),
                    `the cross-border link carries {{ $value | printf "%.0f" }} Mbps {{ $labels.direction }}, above ${t.linkMbps} Mbps`, "180s")]),
            ],
        }],
    });
}

/** Prometheus's scrape jobs for the stack's hosts, and the rule file beside it. */
export function renderScrapeConfig(t: ScrapeTargets, intervalSeconds = 15): string {
    const job = (name: string, port: number, hosts: string[]) => ({
        job_name: `china-edge-${t.stack}-${name}`, metrics_path: METRICS_PATH, static_configs: [{ targets: hosts.map((h) => `${h}:${port}`) }],
    });
    return YAML.stringify({
        global: { scrape_interval: `${intervalSeconds}s`, evaluation_interval: `${intervalSeconds}s` },
        rule_files: [ALERT_RULES_FILE],
        scrape_configs: [
            ...(t.edges.length > 0 ? [job("haproxy", STATS_PORT, t.edges)] : []),
            ...(t.originProxies.length > 0 ? [job("origin-haproxy", LINK_STATS_PORT, t.originProxies)] : []),
            job("node", NODE_EXPORTER_PORT, [...t.edges, ...t.originProxies]),
        ],
    });
}
