// A scaling group's life in the lab, under requests and WebSockets through a stand-in of the NLB: a scale-out (a new
// edge launched from the group's bundle, in service once the stand-in's checks pass), a scale-in (an edge leaves by
// the scale-in hook's command) and a spot reclamation (an edge leaves when the metadata service publishes its
// notice). The data-plane test asserts its figures and the benchmark reports them.
import * as fs from "fs";
import * as path from "path";
import { Lab } from "./lab";
import { RenderedInstance } from "./rendered";
import { startBalancer } from "./balancer";
import { request } from "./client";
import { WsFleet } from "./wsFleet";
import { SpotState, metadataService } from "./objectStore";
import { adaptLeaveSettings } from "./adapt";
import { runHostTool } from "./inPlace";
import { sleep, waitFor } from "./processes";
import { LEAVE_TOOL_SOURCE, edgeLeaveSettings } from "../../components/render/shared/leave";

export interface ScalingFigures {
    /** From the new host's boot to the stand-in's checks putting it in service. */
    scaleOutSeconds: number;
    /** Requests that failed or got anything but 200, over the whole run. */
    failedRequests: number;
    /** WebSocket clients not connected again at the end (each reconnects with backoff after a drop). */
    websocketsNotReconnected: number;
    requests: number;
    reconnects: number;
    /** Seconds each way of leaving took: the hook's command, and from the spot notice. */
    scaleInSeconds: number;
    spotSeconds: number;
    /** Why requests failed, the first few, each with the phase it was sent in. */
    failures: string[];
}

export interface ScalingOptions {
    /** The group's rendered bundle (renderedProxies with maxReplicas). */
    group: RenderedInstance;
    clients: number;
    /** Request loops, each one request at a time on a new connection. */
    loops: number;
}

/** The stand-in checks as the NLB does, faster: out after 2 failures 1 s apart, in after 2 passes. */
const CHECK = { intervalSeconds: 1, healthyThreshold: 2, unhealthyThreshold: 2 };
const TIMING = { leaveSeconds: CHECK.intervalSeconds * (CHECK.unhealthyThreshold + 1), quietSeconds: CHECK.intervalSeconds, finishSeconds: 3 };

/**
 * Runs the scale-out, the scale-in and the spot reclamation on a lab with three edges and leaves it as it found it
 * (the launched edge stopped, the two that left started again).
 */
export async function runScalingScenario(l: Lab, options: ScalingOptions): Promise<ScalingFigures> {
    if (l.edgeNames.length !== 3) {
        throw new Error(`the scaling scenario runs on a lab of 3 edges (this one has ${l.edgeNames.length})`);
    }
    const t = l.topology;
    const edge = (name: string, n: number) => ({ name, address: t.edgeAddress(n), httpsPort: t.ports.https, statsPort: t.ports.stats });
    const newName = `${options.group.name}-4`;
    const balancer = await startBalancer(l.processes, l.dir, "nlb", "127.0.0.1", [...l.edgeNames.map((n, i) => edge(n, i + 1)), edge(newName, 4)], CHECK);
    const endpoint = balancer.endpoint(l.endpoint().host, l.endpoint().ca);
    const tool = path.join(l.dir, "china-edge-leave");
    fs.writeFileSync(tool, LEAVE_TOOL_SOURCE, { mode: 0o755 });
    const settingsOf = (name: string): string => {
        const file = path.join(l.dir, `${name}-leave.json`);
        fs.writeFileSync(file, JSON.stringify(adaptLeaveSettings(edgeLeaveSettings(name), { dir: path.join(l.dir, name) }, l.processes.pid(name)!, TIMING)));
        return file;
    };
    const spot: SpotState = {};
    const metadata = await metadataService("china-edge-lab-proxies", { accessKeyId: "STS.lab", accessKeySecret: "lab", securityToken: "lab" }, spot);
    const fleet = new WsFleet({ endpoints: [endpoint], path: "/ws", backoffBaseMs: 50, backoffCapMs: 1_000 });
    const counts = { ok: 0, failed: [] as string[] };
    let phase = "before";
    let loading = true;
    let loops: Promise<void>[] = [];
    const load = () => Array.from({ length: options.loops }, async () => {
        while (loading) {
            const asked = phase;
            await request(endpoint, "/", { timeoutMs: 10_000 }).then((r) => {
                if (r.status === 200) { counts.ok++; } else { counts.failed.push(`${asked}: status ${r.status}`); }
            }, (e: Error) => { counts.failed.push(`${asked}: ${e.message}`); });
        }
    });
    const allBack = (what: string) => waitFor(() => fleet.connected() === options.clients, 30_000, `every WebSocket back after ${what}`).catch(() => undefined);
    const [, scaledIn, reclaimed] = l.edgeNames;
    try {
        // HAProxy counts a server up until its first checks fail: the edge not launched yet is down before clients come.
        const inService = async (name: string) => (await balancer.status(name)) === "UP";
        await waitFor(async () => (await balancer.status(newName)).startsWith("DOWN") && (await Promise.all(l.edgeNames.map(inService))).every(Boolean),
            15_000, `the stand-in with ${l.edgeNames.join(", ")} in service and ${newName} out`);
        loops = load();
        const { opened } = await fleet.open(options.clients);
        if (opened !== options.clients) {
            throw new Error(`${options.clients - opened} of ${options.clients} WebSockets did not open through the stand-in`);
        }
        await sleep(1_000);

        phase = "scale-out";
        const launched = await l.launchEdge(options.group);
        if (launched.code !== 0) {
            throw new Error(`the launch of ${newName} failed:\n${launched.output}\n${newName}'s log:\n${l.processes.logTail(newName)}`);
        }
        const boot = Date.now() - launched.seconds * 1000;
        await waitFor(() => inService(newName), 30_000, `${newName} in service at the stand-in`);
        const scaleOutSeconds = (Date.now() - boot) / 1000;

        phase = "scale-in";
        let start = Date.now();
        const scaleIn = await runHostTool(tool, [settingsOf(scaledIn)], {});
        const scaleInSeconds = (Date.now() - start) / 1000;
        if (scaleIn.code !== 0) {
            throw new Error(`china-edge-leave on ${scaledIn}:\n${scaleIn.output}`);
        }
        await allBack("the scale-in");
        phase = "spot";

        const watch = runHostTool(tool, ["--watch-spot", settingsOf(reclaimed)], { CHINA_EDGE_METADATA: metadata.url, CHINA_EDGE_SPOT_POLL_SECONDS: "0.5" });
        await sleep(2_000);
        if (!l.processes.isRunning(reclaimed)) {
            throw new Error(`${reclaimed} left before its notice`);
        }
        start = Date.now();
        spot.notice = new Date(Date.now() + 180_000).toISOString().replace(/\.\d+Z$/, "Z");
        const spotRun = await watch;
        const spotSeconds = (Date.now() - start) / 1000;
        if (spotRun.code !== 0 || !/spot reclamation at \d{4}-/.test(spotRun.output)) {
            throw new Error(`china-edge-leave --watch-spot on ${reclaimed}:\n${spotRun.output}`);
        }
        await allBack("the spot reclamation");
        phase = "after";
        await sleep(1_000);
        loading = false;
        await Promise.all(loops);
        return {
            scaleOutSeconds, scaleInSeconds, spotSeconds,
            failedRequests: counts.failed.length, failures: counts.failed.slice(0, 5), requests: counts.ok + counts.failed.length,
            websocketsNotReconnected: options.clients - fleet.connected(), reconnects: fleet.reconnects(),
        };
    } finally {
        loading = false;
        await Promise.all(loops);
        fleet.close();
        await metadata.close();
        await balancer.stop();
        await l.processes.stop(newName);
        for (const name of [scaledIn, reclaimed]) {
            fs.writeFileSync(path.join(l.dir, name, "leaving.map"), "");
            await l.processes.restart(name);
        }
    }
}
