// What an operator reads from the running proxies, for real: HAProxy's Prometheus exporter and nginx's connection
// counters on their private stats ports, the JSON access logs of both hops with their times and one request id, and
// Debian's node exporter.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REQUEST_ID_HEADER } from "../../components/render/haproxy";
import { METRICS_PATH, NGINX_STATUS_PATH, ORIGIN_PROXY_HEALTH_CHECK } from "../../components/render/tuning";
import { request } from "../../harness/lab/client";
import { httpGet as get, httpGetIn, sample, scrapeNodeExporter } from "../../harness/lab/metrics";
import { waitFor } from "../../harness/lab/processes";
import { WsFleet } from "../../harness/lab/wsFleet";
import { requireTools } from "../render/tools";
import { useLab } from "./useLab";

/** The JSON objects logged in `file` (lines that are not JSON, such as HAProxy's start-up notices, are skipped). */
function jsonLines(file: string): Record<string, unknown>[] {
    return fs.readFileSync(file, "utf8").split("\n").flatMap((line) => {
        try {
            const parsed = JSON.parse(line.slice(line.indexOf("{")));
            return typeof parsed === "object" && parsed ? [parsed as Record<string, unknown>] : [];
        } catch {
            return [];
        }
    });
}

describe("data plane: metrics and logs", function () {
    this.timeout(120_000);
    const lab = useLab({ delayMs: 20, overrides: { us: { replicas: 2 } } });
    const edgeMetrics = async () => {
        const t = lab().topology;
        const r = await get(t.edgeAddress(1), t.ports.stats, METRICS_PATH);
        assert.equal(r.status, 200);
        return r.body;
    };

    it("the edge's exporter counts requests, and shows an origin proxy down once its checks fail", async () => {
        const requests = () => edgeMetrics().then((m) => sample(m, "haproxy_frontend_http_requests_total", { proxy: "fe_https" }) ?? -1);
        const before = await requests();
        assert.ok(before >= 0, "fe_https's request counter is exported");
        for (let i = 0; i < 20; i++) {
            assert.equal((await request(lab().endpoint(), "/")).status, 200);
        }
        assert.ok(await requests() >= before + 20, "20 requests counted");

        const [first] = lab().originProxyNames;
        const up = (m: string) => sample(m, "haproxy_server_status", { proxy: "be_origin", server: first, state: "UP" });
        assert.equal(up(await edgeMetrics()), 1);
        await lab().processes.stop(first, "SIGKILL");
        try {
            const killed = Date.now();
            // Marked down after `fall` failed checks, `inter` apart; the exporter shows it at the next scrape.
            const { intervalSeconds, unhealthyThreshold } = ORIGIN_PROXY_HEALTH_CHECK;
            await waitFor(async () => up(await edgeMetrics()) === 0, (intervalSeconds * (unhealthyThreshold + 1) + 2) * 1000, `${first} shown down`);
            console.log(`      ${first} shown down ${((Date.now() - killed) / 1000).toFixed(1)} s after it was killed (checks every ${intervalSeconds} s, down after ${unhealthyThreshold})`);
            assert.equal(sample(await edgeMetrics(), "haproxy_backend_active_servers", { proxy: "be_origin" }), 1);
        } finally {
            await lab().processes.restart(first);
        }
        await waitFor(async () => up(await edgeMetrics()) === 1, 30_000, `${first} back up`);
    });

    it("each origin proxy's nginx shows its open connections on its stats port", async () => {
        const t = lab().topology;
        const active = async () => {
            const r = httpGetIn(t.namespaces.us, t.originProxyAddress(1), t.ports.stats, NGINX_STATUS_PATH);
            assert.equal(r.status, 200);
            return Number(/^Active connections: (\d+)/.exec(r.body)![1]);
        };
        const idle = await active();
        const fleet = new WsFleet({ endpoints: [lab().endpoint()], path: "/ws", localAddresses: t.clientAddresses });
        try {
            assert.equal((await fleet.open(100)).opened, 100);
            // WebSockets spread over the origin proxies: each holds its share, twice (client side and origin side).
            await waitFor(async () => (await active()) >= idle + 40, 10_000, "the WebSockets counted");
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
