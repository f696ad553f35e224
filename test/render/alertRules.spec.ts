// The Prometheus files the stacks export, checked and exercised by Prometheus's own promtool: the scrape config and
// its rule file valid, and each alert firing on the series that should fire it, and not on their neighbours.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ALERT_RULES_FILE, renderAlertRules, renderScrapeConfig } from "../../components/render/shared/alertRules";
import { requireTools, run } from "./tools";

const EDGE = { instance: "10.10.1.10:8404", job: "china-edge-cn-haproxy" };
const NODE = { instance: "10.10.1.10:9100", job: "china-edge-cn-node" };
const LINK = { instance: "10.20.1.10:8406", job: "china-edge-us-origin-haproxy" };
const DAY = 86_400;

const series = (name: string, labels: Record<string, string>, values: string) =>
    ({ series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`, values });

describe("Prometheus alert rules (promtool)", () => {
    let dir = "";
    beforeEach(function () {
        requireTools(this, "promtool");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "alerts-"));
        fs.writeFileSync(path.join(dir, ALERT_RULES_FILE), renderAlertRules({ originErrorPercent: 5, certificateDays: 14, forSeconds: 60 }));
    });
    afterEach(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("the scrape config of a stack and its rule file pass promtool check config", () => {
        const config = renderScrapeConfig({ stack: "cn", edges: ["10.10.1.10", "10.10.2.10"], originProxies: [] });
        fs.writeFileSync(path.join(dir, "prometheus.yml"), config);
        const r = run("promtool", ["check", "config", path.join(dir, "prometheus.yml")]);
        assert.equal(r.code, 0, r.output);
        assert.match(r.output, /SUCCESS: 6 rules found/);
        const jobs = (YAML.parse(config) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] }).scrape_configs;
        assert.deepEqual(jobs.map((j) => [j.job_name, j.static_configs[0].targets]), [
            ["china-edge-cn-haproxy", ["10.10.1.10:8404", "10.10.2.10:8404"]],
            ["china-edge-cn-node", ["10.10.1.10:9100", "10.10.2.10:9100"]],
        ]);
        const us = (YAML.parse(renderScrapeConfig({ stack: "us", edges: [], originProxies: ["10.20.1.10"] })) as { scrape_configs: typeof jobs }).scrape_configs;
        assert.deepEqual(us.map((j) => [j.job_name, j.static_configs[0].targets]), [
            ["china-edge-us-origin-haproxy", ["10.20.1.10:8406"]],
            ["china-edge-us-node", ["10.20.1.10:9100"]],
        ], "the origin proxy hosts' HAProxy, in front of nginx");
    });

    it("each alert fires on its condition held long enough, and not on the hosts, servers or names that are well", () => {
        const origin = { ...EDGE, proxy: "be_origin" };
        const tests = {
            rule_files: [ALERT_RULES_FILE],
            evaluation_interval: "1m",
            tests: [{
                interval: "1m",
                input_series: [
                    series("up", NODE, "1 1 0 0 0"),
                    series("up", { ...NODE, instance: "10.10.2.10:9100" }, "1 1 1 1 1"),
                    series("haproxy_server_status", { ...origin, server: "us-origin-1", state: "UP" }, "1 1 1 1 1"),
                    series("haproxy_server_status", { ...origin, server: "us-origin-2", state: "UP" }, "1 1 0 0 0"),
                    // us-origin-1: 10 % of its answers 5xx; us-origin-2: 1 %.
                    series("haproxy_server_http_responses_total", { ...origin, server: "us-origin-1", code: "5xx" }, "0+60x10"),
                    series("haproxy_server_http_responses_total", { ...origin, server: "us-origin-1", code: "2xx" }, "0+540x10"),
                    series("haproxy_server_http_responses_total", { ...origin, server: "us-origin-2", code: "5xx" }, "0+6x10"),
                    series("haproxy_server_http_responses_total", { ...origin, server: "us-origin-2", code: "2xx" }, "0+594x10"),
                    series("haproxy_server_status", { ...LINK, proxy: "be_pages", server: "nginx", state: "UP" }, "1 1 0 0 0"),
                    series("haproxy_server_status", { ...LINK, instance: "10.20.2.10:8406", proxy: "be_pages", server: "nginx", state: "UP" }, "1 1 1 1 1"),
                    series("china_edge_certificate_expiry_seconds", { ...NODE, names: "example.cn" }, `${10 * DAY}x5`),
                    series("china_edge_certificate_expiry_seconds", { ...NODE, names: "example.com.cn" }, `${40 * DAY}x5`),
                    series("china_edge_certificate_renewal_ok", { ...NODE, names: "example.cn" }, "1 1 0 0 0"),
                ],
                alert_rule_test: [
                    // Down from 2m: pending then, firing once it has held for a minute.
                    { eval_time: "2m", alertname: "ChinaEdgeHostUnreachable", exp_alerts: [] },
                    { eval_time: "3m", alertname: "ChinaEdgeHostUnreachable", exp_alerts: [{ exp_labels: { ...NODE, severity: "critical" },
                        exp_annotations: { summary: "10.10.1.10:9100 (china-edge-cn-node) does not answer its scrape" } }] },
                    { eval_time: "2m", alertname: "ChinaEdgeOriginProxyDown", exp_alerts: [] },
                    { eval_time: "3m", alertname: "ChinaEdgeOriginProxyDown", exp_alerts: [{
                        exp_labels: { ...origin, server: "us-origin-2", state: "UP", severity: "critical" },
                        exp_annotations: { summary: "edge 10.10.1.10:8404 has origin proxy us-origin-2 out of service" } }] },
                    { eval_time: "2m", alertname: "ChinaEdgeNginxDown", exp_alerts: [] },
                    { eval_time: "3m", alertname: "ChinaEdgeNginxDown", exp_alerts: [{
                        exp_labels: { ...LINK, proxy: "be_pages", server: "nginx", state: "UP", severity: "critical" },
                        exp_annotations: { summary: "origin proxy host 10.20.1.10:8406: its HAProxy finds nginx down" } }] },
                    { eval_time: "10m", alertname: "ChinaEdgeOriginProxyErrors", exp_alerts: [{
                        exp_labels: { instance: EDGE.instance, server: "us-origin-1", severity: "critical" },
                        exp_annotations: { summary: "more than 5% of origin proxy us-origin-1's answers at edge 10.10.1.10:8404 are 5xx" } }] },
                    { eval_time: "1m", alertname: "ChinaEdgeCertificateExpiring", exp_alerts: [{
                        exp_labels: { ...NODE, names: "example.cn", severity: "critical" },
                        exp_annotations: { summary: "the certificate for example.cn on 10.10.1.10:9100 expires in fewer than 14 days" } }] },
                    { eval_time: "1m", alertname: "ChinaEdgeCertificateRenewalFailing", exp_alerts: [] },
                    { eval_time: "2m", alertname: "ChinaEdgeCertificateRenewalFailing", exp_alerts: [{
                        exp_labels: { ...NODE, names: "example.cn", severity: "critical" },
                        exp_annotations: { summary: "the last renewal of example.cn on 10.10.1.10:9100 failed" } }] },
                ],
            }],
        };
        fs.writeFileSync(path.join(dir, "tests.yml"), YAML.stringify(tests));
        const r = run("promtool", ["test", "rules", path.join(dir, "tests.yml")]);
        assert.equal(r.code, 0, r.output);
        assert.match(r.output, /SUCCESS/);
    });

    it("the cross-border link's alert fires on either direction above its share, summed over the edges, after three minutes", () => {
        fs.writeFileSync(path.join(dir, ALERT_RULES_FILE), renderAlertRules({ originErrorPercent: 5, certificateDays: 14, forSeconds: 60, linkMbps: 80 }));
        const edge2 = { ...EDGE, instance: "10.10.2.10:8404" };
        // Each edge: answers at 48 Mbps toward China (6 MB/s), requests at 0.8 Mbps; together 96 Mbps, above 80.
        const tests = { rule_files: [ALERT_RULES_FILE], evaluation_interval: "1m", tests: [{ interval: "1m",
            input_series: [EDGE, edge2].flatMap((e) => [
                series("haproxy_backend_bytes_out_total", { ...e, proxy: "be_origin" }, "0+360000000x10"),
                series("haproxy_backend_bytes_in_total", { ...e, proxy: "be_origin" }, "0+6000000x10"),
                series("haproxy_backend_bytes_out_total", { ...e, proxy: "be_stats" }, "0+900000000x10"),
            ]),
            alert_rule_test: [
                { eval_time: "3m", alertname: "ChinaEdgeCrossBorderLinkBusy", exp_alerts: [] },
                { eval_time: "5m", alertname: "ChinaEdgeCrossBorderLinkBusy", exp_alerts: [{
                    exp_labels: { direction: "toward China", severity: "critical" },
                    exp_annotations: { summary: "the cross-border link carries 96 Mbps toward China, above 80 Mbps" } }] },
            ] }] };
        fs.writeFileSync(path.join(dir, "tests.yml"), YAML.stringify(tests));
        const r = run("promtool", ["test", "rules", path.join(dir, "tests.yml")]);
        assert.equal(r.code, 0, r.output);
        assert.doesNotMatch(renderAlertRules({ originErrorPercent: 5, certificateDays: 14, forSeconds: 60 }), /CrossBorder/, "none where no edge carries the link");
    });

    it("a wrong expectation fails (the test above can fail)", () => {
        const tests = { rule_files: [ALERT_RULES_FILE], evaluation_interval: "1m", tests: [{ interval: "1m",
            input_series: [series("china_edge_certificate_renewal_ok", { ...NODE, names: "example.cn" }, "1 1 1")],
            alert_rule_test: [{ eval_time: "2m", alertname: "ChinaEdgeCertificateRenewalFailing", exp_alerts: [{ exp_labels: { ...NODE, names: "example.cn", severity: "critical" } }] }] }] };
        fs.writeFileSync(path.join(dir, "tests.yml"), YAML.stringify(tests));
        assert.notEqual(run("promtool", ["test", "rules", path.join(dir, "tests.yml")]).code, 0);
    });
});
