// Scaling groups' lives behind stand-ins of their NLBs (a scale-out, a scale-in, a spot reclamation) under requests
// and WebSockets, on one lab of both: the cn stack's three edges, and the us stack's origin proxies as a scaling
// group, which the edges reach through the stand-in of its internal NLB, as the edges render its addresses.
import { strict as assert } from "assert";
import { request } from "../../harness/lab/client";
import { WsFleet } from "../../harness/lab/wsFleet";
import { useLab } from "./useLab";
import { LAB_ORIGIN_GROUP, ScalingFigures, runOriginScalingScenario, runScalingScenario } from "../../harness/lab/scaling";
import { renderedProxies } from "../../harness/lab/rendered";
import { ROOT } from "../helpers";

const CLIENTS = 300;

function judged(f: ScalingFigures, what: string): void {
    console.log(`      scale-out: in service ${f.scaleOutSeconds.toFixed(1)} s after its boot; scale-in: left in ${f.scaleInSeconds.toFixed(1)} s; ` +
        `spot: left ${f.spotSeconds.toFixed(1)} s after the notice; ${f.requests} requests, ${f.failedRequests} failed; ` +
        `${f.reconnects} reconnects, ${f.websocketsNotReconnected} WebSockets not back`);
    assert.deepEqual(f.failures, [], "no request failed");
    assert.equal(f.failedRequests, 0);
    assert.equal(f.websocketsNotReconnected, 0);
    assert.ok(f.requests > 100, `requests went on throughout (${f.requests})`);
    assert.ok(f.reconnects >= CLIENTS / 4, `the leaving ${what}' clients came back elsewhere`);
    assert.ok(f.scaleOutSeconds < 60, `a new host serves within 60 s of its boot (${f.scaleOutSeconds} s)`);
}

describe("data plane: scaling groups", function () {
    this.timeout(180_000);
    const lab = useLab({ delayMs: 0, overrides: { us: LAB_ORIGIN_GROUP, cn: { replicas: 3 } } });

    it("the edges reach the us stack's group through its NLB's addresses: the stand-in passes pages and WebSockets to its hosts", async () => {
        assert.deepEqual(lab().originProxyNames, ["us-origin-1", "us-origin-2"], "the group's fewest hosts, each serving its bundle");
        for (const name of lab().originProxyNames) {
            assert.equal(await lab().originBalancer!.status(name), "UP");
        }
        assert.equal(await lab().originBalancer!.status("us-origin-3"), "DOWN", "the next host the group launches, not there yet");
        const page = await request(lab().endpoint(), "/");
        assert.equal(page.status, 200);
        const fleet = new WsFleet({ endpoints: [lab().endpoint()], path: "/ws" });
        try {
            assert.equal((await fleet.open(20)).opened, 20);
            assert.equal(await fleet.echoAll(), 20);
        } finally {
            fleet.close();
        }
    });

    it("the origin proxies' group under requests and WebSockets through the edges: one launched from its bundle, one leaving by the scale-in hook's command, one on a spot notice", async () => {
        const rendered = await renderedProxies(ROOT, { us: LAB_ORIGIN_GROUP });
        assert.ok(rendered.originGroup, "the group's bundle");
        judged(await runOriginScalingScenario(lab(), { group: rendered.originGroup.host, clients: CLIENTS, loops: 6 }), "origin proxies");
    });

    it("the edges' group under requests and WebSockets: one launched from its bundle, one leaving by the scale-in hook's command, one on a spot notice", async () => {
        const rendered = await renderedProxies(ROOT, { us: LAB_ORIGIN_GROUP, cn: { maxReplicas: 4, minReplicas: 3, onDemandBase: 1, spotPercent: 50 } });
        assert.ok(rendered.edgeGroup, "the group's bundle");
        judged(await runScalingScenario(lab(), { group: rendered.edgeGroup, clients: CLIENTS, loops: 6 }), "edges");
    });
});
