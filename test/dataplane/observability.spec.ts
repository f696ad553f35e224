// What an operator reads from the running proxies, for real: HAProxy's Prometheus exporter and nginx's connection
// counters on their private stats ports, the JSON access logs of both hops with their times and one request id, and
// Debian's node exporter.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderAlertRules, renderScrapeConfig } from "../../components/render/shared/alertRules";
import { REQUEST_ID_HEADER } from "../../components/render/shared/endpoints";
import { METRICS_PATH, NGINX_STATUS_PATH, NODE_EXPORTER_PORT, ORIGIN_PROXY_HEALTH_CHECK, STATS_PORT } from "../../components/render/shared/endpoints";
import { request } from "../../harness/lab/client";
import { httpGet as get, httpGetIn, sample, scrapeNodeExporter, startNodeExporter } from "../../harness/lab/metrics";
import { sleep, waitFor } from "../../harness/lab/processes";
import { LabPrometheus } from "../../harness/lab/prometheus";
import { WsFleet } from "../../harness/lab/wsFleet";
import { requireTools } from "../render/tools";
import { useLab } from "./useLab";
import { jsonLines } from "../helpers";

describe("data plane: metrics and logs", function () {
    this.timeout(120_000);
    const lab = useLab({ delayMs: 20, overrides: { us: { replicas: 2 } } });
    const edgeMetrics = async () => {
        const t = lab().topology;
        const r = await get(t.edgeAddress(1), t.ports.stats, METRICS_PATH);
        assert.equal(r.status, 200);
        return r.body;
    };
    const serverUp = (metrics: string, server: string) => sample(metrics, "haproxy_server_status", { proxy: "be_origin", server, state: "UP" });
    const backUp = (server: string) => waitFor(async () => serverUp(await edgeMetrics(), server) === 1, 30_000, `${server} back up`);

    it("the edge's exporter counts requests, and shows an origin proxy down once its checks fail", async () => {
        const requests = () => edgeMetrics().then((m) => sample(m, "haproxy_frontend_http_requests_total", { proxy: "fe_https" }) ?? -1);
        // What crosses the link toward China, as the link's alert (ChinaEdgeCrossBorderLinkBusy) sums it.
        const linkBytes = () => edgeMetrics().then((m) => sample(m, "haproxy_backend_bytes_out_total", { proxy: "be_origin" }) ?? -1);
        const before = await requests();
        const bytesBefore = await linkBytes();
        assert.ok(before >= 0 && bytesBefore >= 0, "fe_https's request counter and be_origin's bytes are exported");
        let bodies = 0;
        for (let i = 0; i < 20; i++) {
            const reply = await request(lab().endpoint(), "/");
            assert.equal(reply.status, 200);
            bodies += reply.encoding ? 0 : reply.bytes.length;
        }
        assert.ok(await requests() >= before + 20, "20 requests counted");
        assert.ok(bodies > 0 && await linkBytes() >= bytesBefore + bodies, `the ${bodies} bytes of the answers counted on be_origin`);

        const [first] = lab().originProxyNames;
        const up = (m: string) => serverUp(m, first);
        // The origin proxy host's own HAProxy, in front of its nginx, on its exporter.
        const t = lab().topology;
        const nginxUp = () => sample(httpGetIn(t.namespaces.us, t.originProxyAddress(1), t.ports.linkStats, METRICS_PATH).body,
            "haproxy_server_status", { proxy: "be_pages", server: "nginx", state: "UP" });
        assert.equal(up(await edgeMetrics()), 1);
        assert.equal(nginxUp(), 1);
        await lab().processes.stop(first, "SIGKILL");
        try {
            const killed = Date.now();
            // Marked down after `fall` failed checks, `inter` apart; the exporter shows it at the next scrape.
            const { intervalSeconds, unhealthyThreshold } = ORIGIN_PROXY_HEALTH_CHECK;
            await waitFor(async () => up(await edgeMetrics()) === 0, (intervalSeconds * (unhealthyThreshold + 1) + 2) * 1000, `${first} shown down`);
            console.log(`      ${first} shown down ${((Date.now() - killed) / 1000).toFixed(1)} s after it was killed (checks every ${intervalSeconds} s, down after ${unhealthyThreshold})`);
            assert.equal(sample(await edgeMetrics(), "haproxy_backend_active_servers", { proxy: "be_origin" }), 1);
            assert.equal(nginxUp(), 0, "its host's HAProxy finds nginx down too");
        } finally {
            await lab().processes.restart(first);
        }
        await backUp(first);
    });

    it("a Prometheus run over the stack's scrape jobs and rules fires on an origin proxy killed and on a host gone quiet", async function () {
        requireTools(this, "prometheus", "prometheus-node-exporter");
        const l = lab();
        const t = l.topology;
        const edges = l.edgeNames.map((_, i) => t.edgeAddress(i + 1));
        const exporters = l.edgeNames.map((name) => `${name}-node-exporter`);
        await Promise.all(exporters.map((name, i) => startNodeExporter(l.processes, name, t.namespaces.edge, edges[i])));
        const prometheus = await LabPrometheus.start(l.processes, path.join(l.dir, "prometheus"), 19_600 + (process.pid % 300), {
            scrape: renderScrapeConfig({ stack: "lab", edges, originProxies: [] }, 1),
            rules: renderAlertRules({ originErrorPercent: 5, certificateDays: 14, forSeconds: 2 }),
        });
        const [first, second] = l.originProxyNames;
        const firing = async (alert: string) => (await prometheus.alerts()).filter((a) => a.labels.alertname === alert && a.state === "firing");
        try {
            // One HAProxy job and one node job per edge, every target answering: nothing fires.
            await waitFor(async () => {
                const targets = await prometheus.targets();
                return targets.length === 2 * edges.length && targets.every((x) => x.health === "up");
            }, 20_000, "every target scraped");
            await sleep(3_000);
            assert.deepEqual(await prometheus.alerts(), [], "nothing fires while all is well");

            await l.processes.stop(first, "SIGKILL");
            const killed = Date.now();
            await waitFor(async () => (await firing("ChinaEdgeOriginProxyDown")).length === edges.length, 30_000, "ChinaEdgeOriginProxyDown firing at every edge");
            console.log(`      ChinaEdgeOriginProxyDown firing ${((Date.now() - killed) / 1000).toFixed(1)} s after ${first} was killed (scrape 1 s, for 2 s)`);
            const down = await firing("ChinaEdgeOriginProxyDown");
            assert.deepEqual(down.map((a) => a.labels.server), edges.map(() => first), `only ${first}, not ${second}`);
            assert.deepEqual(down.map((a) => a.labels.instance).sort(), edges.map((e) => `${e}:${STATS_PORT}`).sort());

            // The edge's node exporter stops; its HAProxy still answers, so only the node job's target fires.
            await l.processes.stop(exporters[0]);
            await waitFor(async () => (await firing("ChinaEdgeHostUnreachable")).length > 0, 20_000, "ChinaEdgeHostUnreachable firing");
            assert.deepEqual((await firing("ChinaEdgeHostUnreachable")).map((a) => [a.labels.job, a.labels.instance]),
                [["china-edge-lab-node", `${edges[0]}:${NODE_EXPORTER_PORT}`]]);
        } finally {
            await prometheus.stop();
            await Promise.all(exporters.map((name) => l.processes.stop(name)));
            await l.processes.restart(first);
            await backUp(first);
        }
    });

    it("each origin proxy's nginx shows its open connections on its stats port", async () => {
        const t = lab().topology;
        const active = (n: number) => {
            const r = httpGetIn(t.namespaces.us, t.originProxyAddress(n), t.ports.stats, NGINX_STATUS_PATH);
            assert.equal(r.status, 200);
            return Number(/^Active connections: (\d+)/.exec(r.body)![1]);
        };
        const proxies = lab().originProxyNames.map((_, i) => i + 1);
        const total = () => proxies.reduce((sum, n) => sum + active(n), 0);
        const idle = total();
        const fleet = new WsFleet({ endpoints: [lab().endpoint()], path: "/ws", localAddresses: t.clientAddresses });
        try {
            assert.equal((await fleet.open(100)).opened, 100);
            // stub_status counts client connections: each WebSocket is one, at the origin proxy the edge sent it to.
            await waitFor(() => total() >= idle + 95, 10_000, "the WebSockets counted");
        } finally {
            fleet.close();
        }
        assert.equal(httpGetIn(t.namespaces.us, t.originProxyAddress(1), t.ports.stats, "/").status, 404, "nothing else on the stats port");
    });

    it("both hops log one JSON object per request, with the time of each step and the same request id", async () => {
        const probe = `/echo?probe=${Date.now()}`;
        const client = lab().topology.clientAddresses[3];
        assert.equal((await request(lab().endpoint(), probe, { localAddress: client })).status, 200);
        const edgeLog = lab().processes.logFile(lab().edgeNames[0]);
        let edge: Record<string, unknown> | undefined;
        await waitFor(() => (edge = jsonLines(edgeLog).find((l) => l.uri === probe)) !== undefined, 10_000, "the edge's log line");
        assert.equal(edge!.client, client);
        assert.equal(edge!.host, "example.cn");
        assert.equal(edge!.status, 200);
        for (const step of ["request_ms", "queue_ms", "connect_ms", "response_ms", "total_ms"]) {
            assert.equal(typeof edge![step], "number", step);
        }
        assert.ok((edge!.response_ms as number) >= 20, "the origin proxy's answer took the relay's delay at least");
        assert.match(String(edge!.id), /^[0-9A-F]+:[0-9A-F]+_/);

        // nginx writes its buffered log every 5 s.
        const logs = lab().originProxyNames.map((n) => path.join(lab().dir, n, "access.log"));
        let origin: Record<string, unknown> | undefined;
        await waitFor(() => (origin = logs.flatMap((f) => (fs.existsSync(f) ? jsonLines(f) : [])).find((l) => l.uri === probe)) !== undefined,
            10_000, "the origin proxy's log line");
        assert.equal(origin!.edge_request, edge!.id, `the id the edge sent in ${REQUEST_ID_HEADER}`);
        assert.equal(origin!.client, client, "the client's own address, across both hops");
        assert.equal(origin!.status, 200);
        // nginx counts the request's time and the upstream's apart, each to the millisecond.
        for (const step of ["request_s", "upstream_connect_s", "upstream_header_s", "upstream_response_s"]) {
            assert.ok(Number(origin![step]) >= 0, `${step}: ${JSON.stringify(origin)}`);
        }
    });

    it("Debian's node exporter serves the host's figures", async function () {
        requireTools(this, "prometheus-node-exporter");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-exporter-"));
        try {
            const text = await scrapeNodeExporter(dir);
            assert.ok(sample(text, "node_cpu_seconds_total", { mode: "idle" })! > 0);
            assert.ok(sample(text, "node_memory_MemAvailable_bytes")! > 0);
            assert.ok(sample(text, "node_filesystem_avail_bytes", { mountpoint: "/" })! > 0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
