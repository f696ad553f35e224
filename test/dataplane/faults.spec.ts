// Faults on the real chain: the origin down and back, one of two origin proxies killed, and every origin proxy
// restarted under thousands of WebSockets whose clients reconnect with jittered backoff.
import { strict as assert } from "assert";
import * as path from "path";
import { request } from "../../harness/lab/client";
import { originProxyStatus } from "../../harness/lab/haproxyStats";
import { waitFor } from "../../harness/lab/processes";
import { WsFleet } from "../../harness/lab/wsFleet";
import { useLab } from "./useLab";

const STORM_CLIENTS = 2_000;

describe("data plane: faults", function () {
    this.timeout(120_000);
    const lab = useLab({ delayMs: 0, overrides: { us: { replicas: 2 } } });
    const adminSocket = () => path.join(lab().dir, lab().edgeNames[0], "admin.sock");

    it("the origin down: a clear 502 from the origin proxy, and service again by itself when it returns", async () => {
        await lab().processes.stop("origin");
        const down = await request(lab().endpoint(), "/");
        assert.equal(down.status, 502);
        assert.match(down.body, /^502: the origin example\.com could not be reached \(origin proxy \S+\); try again shortly/);
        await lab().processes.restart("origin");
        const back = await request(lab().endpoint(), "/");
        assert.equal(back.status, 200);
    });

    it("one of two origin proxies killed: new requests keep succeeding, the edge's checks take it out and back in", async () => {
        const [first] = lab().originProxyNames;
        assert.equal(lab().originProxyNames.length, 2);
        await lab().processes.stop(first, "SIGKILL");
        const statuses = await Promise.all(Array.from({ length: 40 }, () => request(lab().endpoint(), "/healthz").then((r) => r.status, (e: Error) => e.message)));
        assert.deepEqual(statuses, Array(40).fill(200));
        await waitFor(async () => (await originProxyStatus(adminSocket()))[first] === "DOWN", 20_000, `${first} marked down`);
        assert.equal((await originProxyStatus(adminSocket()))[lab().originProxyNames[1]], "UP");
        await lab().processes.restart(first);
        await waitFor(async () => (await originProxyStatus(adminSocket()))[first] === "UP", 20_000, `${first} marked up again`);
    });

    it(`every origin proxy restarted under ${STORM_CLIENTS} WebSockets: every client reconnects, none lost`, async () => {
        const fleet = new WsFleet({ endpoints: [lab().endpoint()], path: "/ws", localAddresses: lab().topology.clientAddresses });
        try {
            const { opened } = await fleet.open(STORM_CLIENTS);
            assert.equal(opened, STORM_CLIENTS);
            const { seconds, lost } = await fleet.survive(() => Promise.all(lab().originProxyNames.map((n) => lab().processes.restart(n))), 60_000);
            console.log(`      reconnect: ${STORM_CLIENTS - lost} of ${STORM_CLIENTS} clients back ${seconds.toFixed(1)} s after the restart began ` +
                `(${fleet.reconnects()} reconnects, ${fleet.failedAttempts} failed attempts)`);
            assert.equal(lost, 0);
            assert.ok(fleet.reconnects() >= STORM_CLIENTS, "every client was dropped and came back");
            assert.equal(await fleet.echoAll(), STORM_CLIENTS);
        } finally {
            fleet.close();
        }
    });
});
