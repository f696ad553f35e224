// Faults on the real chain: the origin down and back, one of two origin proxies killed, every origin proxy
// restarted under thousands of WebSockets whose clients reconnect with jittered backoff, and edges behind a stand-in
// of the NLB leaving it (a scale-in, a spot reclamation) under requests and WebSockets.
import { strict as assert } from "assert";
import * as path from "path";
import { request } from "../../harness/lab/client";
import { originProxyStatus } from "../../harness/lab/haproxyStats";
import { waitFor } from "../../harness/lab/processes";
import { WsFleet } from "../../harness/lab/wsFleet";
import { useLab } from "./useLab";
import { runHostTool } from "../../harness/lab/inPlace";
import { startBalancer } from "../../harness/lab/balancer";
import { SpotState, metadataService } from "../../harness/lab/objectStore";
import { adaptLeaveSettings } from "../../harness/lab/adapt";
import { LEAVE_TOOL_SOURCE, LeaveSettings, edgeLeaveSettings } from "../../components/render/shared/leave";
import { sleep } from "../../harness/lab/processes";
import * as fs from "fs";

const STORM_CLIENTS = 2_000;

describe("data plane: faults", function () {
    this.timeout(120_000);
    const lab = useLab({ delayMs: 0, overrides: { us: { replicas: 2 }, cn: { replicas: 3 } } });
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

    it("edges leave the balancer without dropping anyone, one by the scale-in hook's command and one on a spot notice, under requests and WebSockets", async function () {
        this.timeout(180_000);
        const l = lab();
        const t = l.topology;
        // The stand-in checks as the NLB does, faster: out after 2 failures 1 s apart; each edge waits 3 s for it.
        const check = { intervalSeconds: 1, healthyThreshold: 2, unhealthyThreshold: 2 };
        const timing = { leaveSeconds: check.intervalSeconds * (check.unhealthyThreshold + 1), finishSeconds: 3 };
        const edges = l.edgeNames.map((name, i) => ({ name, address: t.edgeAddress(i + 1), httpsPort: t.ports.https, statsPort: t.ports.stats }));
        const balancer = await startBalancer(l.processes, l.dir, "nlb", "127.0.0.1", edges, check);
        const endpoint = balancer.endpoint(l.endpoint().host, l.endpoint().ca);
        const tool = path.join(l.dir, "china-edge-leave");
        fs.writeFileSync(tool, LEAVE_TOOL_SOURCE, { mode: 0o755 });
        const settingsOf = (i: number): string => {
            const settings: LeaveSettings = adaptLeaveSettings(edgeLeaveSettings(l.edgeNames[i]), { dir: path.join(l.dir, l.edgeNames[i]) }, l.processes.pid(l.edgeNames[i])!, timing);
            const file = path.join(l.dir, `${l.edgeNames[i]}-leave.json`);
            fs.writeFileSync(file, JSON.stringify(settings));
            return file;
        };
        const spot: SpotState = {};
        const metadata = await metadataService("china-edge-lab-proxies", { accessKeyId: "STS.lab", accessKeySecret: "s", securityToken: "t" }, spot);
        const fleet = new WsFleet({ endpoints: [endpoint], path: "/ws", backoffBaseMs: 50, backoffCapMs: 1_000 });
        const counts = { ok: 0, failed: [] as string[] };
        let loading = true;
        const loops = Array.from({ length: 6 }, async () => {
            while (loading) {
                await request(endpoint, "/", { timeoutMs: 10_000 }).then((r) => {
                    if (r.status === 200) { counts.ok++; } else { counts.failed.push(`status ${r.status}`); }
                }, (e: Error) => { counts.failed.push(e.message); });
            }
        });
        const allBack = async (what: string) => {
            const start = Date.now();
            await waitFor(() => fleet.connected() === CLIENTS, 30_000, `every WebSocket back after ${what}`);
            return (Date.now() - start) / 1000;
        };
        const CLIENTS = 300;
        try {
            assert.equal((await fleet.open(CLIENTS)).opened, CLIENTS);
            await sleep(1_000);

            // A scale-in: the hook's command, as Auto Scaling's OOS template runs it on the instance.
            let start = Date.now();
            const scaleIn = await runHostTool(tool, [settingsOf(1)], {});
            const leftIn = (Date.now() - start) / 1000;
            assert.equal(scaleIn.code, 0, scaleIn.output);
            assert.ok(!l.processes.isRunning(l.edgeNames[1]), `${l.edgeNames[1]} stopped once it had left`);
            const backIn = await allBack("the scale-in");

            // A spot reclamation: the watch sees the notice in the metadata service and leaves.
            const watch = runHostTool(tool, ["--watch-spot", settingsOf(2)], { CHINA_EDGE_METADATA: metadata.url, CHINA_EDGE_SPOT_POLL_SECONDS: "0.5" });
            await sleep(2_000);
            assert.ok(l.processes.isRunning(l.edgeNames[2]), "no notice yet: the edge serves on");
            start = Date.now();
            spot.notice = new Date(Date.now() + 180_000).toISOString().replace(/\.\d+Z$/, "Z");
            const reclaimed = await watch;
            const leftSpot = (Date.now() - start) / 1000;
            assert.equal(reclaimed.code, 0, reclaimed.output);
            assert.match(reclaimed.output, /spot reclamation at \d{4}-/);
            assert.ok(!l.processes.isRunning(l.edgeNames[2]));
            const backSpot = await allBack("the spot reclamation");

            await sleep(1_000);
            loading = false;
            await Promise.all(loops);
            console.log(`      scale-in: left in ${leftIn.toFixed(1)} s, every WebSocket back ${backIn.toFixed(1)} s later; spot: left ` +
                `${leftSpot.toFixed(1)} s after the notice, back ${backSpot.toFixed(1)} s later; ${counts.ok} requests, ${counts.failed.length} failed, ` +
                `${fleet.reconnects()} reconnects`);
            assert.deepEqual(counts.failed, [], "no request failed");
            assert.ok(counts.ok > 100, `requests went on throughout (${counts.ok})`);
            assert.ok(fleet.reconnects() >= CLIENTS / 3, "the leaving edges' clients came back elsewhere");
            assert.equal(await fleet.echoAll(), CLIENTS, "every client answered through the edge that stayed");
        } finally {
            loading = false;
            await Promise.all(loops);
            fleet.close();
            await metadata.close();
            await balancer.stop();
            for (const name of l.edgeNames.slice(1)) {
                fs.writeFileSync(path.join(l.dir, name, "leaving.map"), "");
                await l.processes.restart(name);
            }
        }
    });
});
