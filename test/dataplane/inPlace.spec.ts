// Config changes applied in place, for real: the stacks rendered again with a new host pair and the filing numbers,
// delivered to every running proxy by the apply tool the hosts run, under wrk and 2,000 WebSockets.
import { strict as assert } from "assert";
import { startWrk } from "../../harness/bench/wrk";
import { request } from "../../harness/lab/client";
import { waitFor } from "../../harness/lab/processes";
import { WsFleet } from "../../harness/lab/wsFleet";
import { useLab } from "./useLab";

const ICP = "沪ICP备12345678号-1";
const CHANGE = { us: { hosts: ["www.example.com=www.example.cn", "api.example.com=api.example.cn"], icpNumber: ICP } };
const WEBSOCKETS = 2_000;
const LOAD_SECONDS = 18;

describe("data plane: config changes applied in place", function () {
    this.timeout(180_000);
    const lab = useLab({ delayMs: 10, overrides: { us: { replicas: 2 } } });

    it("a new host pair and the filing numbers reach every proxy under load: no request fails, no WebSocket is lost", async () => {
        const t = lab().topology;
        const fleet = new WsFleet({ endpoints: [lab().endpoint()], path: "/ws", localAddresses: t.clientAddresses });
        try {
            const { opened } = await fleet.open(WEBSOCKETS);
            assert.equal(opened, WEBSOCKETS);
            const load = startWrk({ url: lab().ready.url, address: t.edgeAddress(1), connections: 20, seconds: LOAD_SECONDS, newConnections: false });
            await new Promise((r) => setTimeout(r, 2_000));
            const started = Date.now();
            const runs = await lab().apply(CHANGE);
            const seconds = (Date.now() - started) / 1000;
            const figures = await load;
            console.log(`      applied to ${runs.map((r) => r.name).join(", ")} in ${seconds.toFixed(1)} s under ` +
                `${figures.rps * LOAD_SECONDS} requests (${figures.errors} failed) and ${fleet.connected()} WebSockets`);

            assert.deepEqual(runs.map((r) => [r.name, r.code]), [["us-origin-1", 0], ["us-origin-2", 0], ["cn-edge-1", 0]], runs.map((r) => r.output).join("\n"));
            assert.ok(runs.every((r) => /applied \(\d+ files changed\), reloaded/.test(r.output)));
            assert.ok(runs.every((r) => /reloaded, ready \(2 health checks passed in a row\)/.test(r.output)), "each waited for its health check as its balancer sees it");
            assert.equal(figures.errors, 0, `failed requests: ${figures.errorLines}`);
            assert.ok(figures.rps > 0);
            assert.equal(fleet.connected(), WEBSOCKETS, "WebSockets still open");
            assert.equal(fleet.reconnects(), 0, "none had to reconnect");
            assert.equal(await fleet.echoAll(), WEBSOCKETS, "every WebSocket still echoes");
        } finally {
            fleet.close();
        }

        const api = await request(lab().endpoint("api.example.cn"), "/echo");
        assert.equal(api.status, 200);
        assert.equal(JSON.parse(api.body).headers.host, "api.example.com", "the new name reaches its old name");
        const page = await request(lab().endpoint(), "/");
        assert.ok(page.body.includes(ICP), "the filing number is in the footer");
    });

    it("refuses a broken config: nothing changes, the running one keeps serving", async () => {
        const runs = await lab().apply(CHANGE, (name, config) => (name === "us-origin-1" ? config.replace("sub_filter_once off;", "sub_filter_once maybe;") : config));
        assert.deepEqual(runs.map((r) => [r.name, r.code]), [["us-origin-1", 1]], "the first refusal stops the delivery");
        assert.match(runs[0].output, /refused .*sub_filter_once/s);
        assert.match(runs[0].output, /nothing changed; the running config keeps serving/);
        const page = await request(lab().endpoint(), "/");
        assert.equal(page.status, 200);
        assert.ok(page.body.includes(ICP));
    });

    it("rolls back a config that passes its check but fails the health check: the previous one keeps serving", async () => {
        const unhealthy = (name: string, config: string) => (name === "us-origin-1" ? config.replace('return 200 "ok\\n";', 'return 503 "broken\\n";') : config);
        const runs = await lab().apply({ us: { ...CHANGE.us, psbNumber: "沪公网安备31010402000001号" } }, unhealthy);
        assert.deepEqual(runs.map((r) => [r.name, r.code]), [["us-origin-1", 1]], "the delivery stops at the first host");
        assert.match(runs[0].output, /not ready after \d+ s \(2 passes in a row needed\).*\nputting the previous files back/s);
        const health = await request(lab().endpoint(), "/healthz");
        assert.equal(health.status, 200, "the previous config serves again");
        // The edge's warm connections to the rolled-back workers close as those workers finish.
        await waitFor(async () => !(await request(lab().endpoint(), "/")).body.includes("31010402000001"), 10_000, "nothing of the change left");
    });

    it("serves 200 host pairs once they are applied: each name reaches its old one, converted both ways (a sample of them)", async () => {
        const hosts = Array.from({ length: 199 }, (_, i) => `app${i}.example.com=app${i}.example.cn`);
        const started = Date.now();
        const runs = await lab().apply({ us: { hosts } });
        assert.deepEqual(runs.map((r) => r.code), runs.map(() => 0), runs.map((r) => r.output).join("\n"));
        console.log(`      200 host pairs applied to ${runs.length} proxies in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        for (const n of [0, 99, 198]) {
            const name = `app${n}.example.cn`;
            const echoed = JSON.parse((await request(lab().endpoint(name), "/echo", { headers: { referer: `https://${name}/from` } })).body);
            assert.deepEqual([echoed.headers.host, echoed.headers.referer], [`app${n}.example.com`, `https://app${n}.example.com/from`], name);
            const page = await request(lab().endpoint(name), "/self", { gzip: true });
            assert.equal(page.body, `<a href="https://${name}/next">next</a> <script>var host = "${name}";</script>\n`, name);
        }
    });
});
