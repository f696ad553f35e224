// A scaling group's life in the lab, under requests and WebSockets through a stand-in of its NLB: a scale-out (a new
// host launched from the group's bundle, in service once the stand-in's checks pass), a scale-in (a host leaves by
// the scale-in hook's command) and a spot reclamation (a host leaves when the metadata service publishes its
// notice); for the cn stack's edges (clients reach them through the stand-in) and for the us stack's origin proxies
// (the edges reach them through the lab's stand-in of their internal NLB). The data-plane test asserts its figures
// and the benchmark reports them.
import * as fs from "fs";
import * as path from "path";
import { Lab } from "./lab";
import { RenderedInstance } from "./rendered";
import { Balancer, STAND_IN_CHECK, freePort, startBalancer } from "./balancer";
import { Endpoint, request } from "./client";
import { WsFleet } from "./wsFleet";
import { SpotState, metadataService } from "./objectStore";
import { adaptLeaveSettings, leavingMap } from "./adapt";
import { LaunchedHost, linkProcess, runHostTool } from "./inPlace";
import { sleep, waitFor } from "./processes";
import { LEAVE_TOOL_SOURCE, LeaveSettings, edgeLeaveSettings, originLeaveSettings } from "../../components/render/shared/leave";

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

/** The us stack's origin proxies as the origin scenario's lab runs them: a group of 2 to 4, half of those above one pay-as-you-go host spot. */
export const LAB_ORIGIN_GROUP = { maxReplicas: 4, minReplicas: 2, onDemandBase: 1, spotPercent: 50, originEgress: "nat" };

const TIMING = { leaveSeconds: STAND_IN_CHECK.intervalSeconds * (STAND_IN_CHECK.unhealthyThreshold + 1), quietSeconds: STAND_IN_CHECK.intervalSeconds, finishSeconds: 3 };

/** A role's group as the scenario drives it. */
interface GroupRole {
    /** Where the clients go. */
    endpoint: Endpoint;
    balancer: Balancer;
    /** The hosts in service at the start: the last two leave, the others stay. */
    names: string[];
    newName: string;
    launch(): Promise<LaunchedHost>;
    /** The host's leave settings, runnable here. */
    leaveSettings(name: string): LeaveSettings;
    /** Brings a host that left back (its leaving map emptied, its services started again). */
    restore(name: string): Promise<void>;
    /** Stops the launched host. */
    stopLaunched(): Promise<void>;
}

/**
 * Runs the scale-out, the scale-in and the spot reclamation of a group of edges on a lab with three edges, and
 * leaves it as it found it (the launched edge stopped, the two that left started again).
 */
export async function runScalingScenario(l: Lab, options: ScalingOptions): Promise<ScalingFigures> {
    if (l.edgeNames.length !== 3) {
        throw new Error(`the scaling scenario runs on a lab of 3 edges (this one has ${l.edgeNames.length})`);
    }
    const t = l.topology;
    const edge = (name: string, n: number) => ({ name, address: t.edgeAddress(n), healthPort: t.ports.stats });
    const newName = `${options.group.name}-4`;
    const balancer = await startBalancer(l.processes, l.dir, "nlb", { address: "127.0.0.1", ports: [{ listen: await freePort("127.0.0.1"), target: t.ports.https }] },
        [...l.edgeNames.map((n, i) => edge(n, i + 1)), edge(newName, 4)], STAND_IN_CHECK);
    try {
        return await runGroupScenario(l, options, {
            endpoint: balancer.endpoint(l.endpoint().host, l.endpoint().ca),
            balancer,
            names: l.edgeNames,
            newName,
            launch: () => l.launchEdge(options.group),
            leaveSettings: (name) => adaptLeaveSettings(edgeLeaveSettings(name), { dir: path.join(l.dir, name) }, "edge", [{ pid: l.processes.pid(name)!, soft: "USR1" }], TIMING),
            restore: async (name) => {
                fs.writeFileSync(leavingMap({ dir: path.join(l.dir, name) }), "");
                await l.processes.restart(name);
            },
            stopLaunched: () => l.processes.stop(newName),
        });
    } finally {
        await balancer.stop();
    }
}

/**
 * The same for the us stack's group of origin proxies, on a lab started with it (maxReplicas on us, two hosts at
 * first): requests and WebSockets go through the first edge, which reaches the hosts through the stand-in of their NLB.
 */
export async function runOriginScalingScenario(l: Lab, options: ScalingOptions): Promise<ScalingFigures> {
    const balancer = l.originBalancer;
    if (!balancer || l.originProxyNames.length !== 2) {
        throw new Error(`the origin proxies' scaling scenario runs on a lab of the us stack's scaling group with 2 hosts (this one has ${
            balancer ? l.originProxyNames.length : "no group"})`);
    }
    const newName = `${options.group.name}-3`;
    const services = (name: string) => [name, linkProcess(name)];
    return runGroupScenario(l, options, {
        endpoint: l.endpoint(),
        balancer,
        names: l.originProxyNames,
        newName,
        launch: () => l.launchOriginProxy(options.group),
        leaveSettings: (name) => adaptLeaveSettings(originLeaveSettings(name), { dir: path.join(l.dir, name) }, "originProxy",
            [{ pid: l.processes.pid(linkProcess(name))!, soft: "USR1" }, { pid: l.processes.pid(name)!, soft: "QUIT" }], TIMING),
        restore: async (name) => {
            fs.writeFileSync(leavingMap({ dir: path.join(l.dir, name) }), "");
            for (const process of services(name)) {
                await l.processes.restart(process);
            }
        },
        stopLaunched: async () => {
            for (const process of services(newName)) {
                await l.processes.stop(process);
            }
        },
    });
}

async function runGroupScenario(l: Lab, options: ScalingOptions, role: GroupRole): Promise<ScalingFigures> {
    const { balancer, endpoint, newName } = role;
    const tool = path.join(l.dir, "china-edge-leave");
    fs.writeFileSync(tool, LEAVE_TOOL_SOURCE, { mode: 0o755 });
    const settingsOf = (name: string): string => {
        const file = path.join(l.dir, `${name}-leave.json`);
        fs.writeFileSync(file, JSON.stringify(role.leaveSettings(name)));
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
    const [scaledIn, reclaimed] = role.names.slice(-2);
    try {
        // HAProxy counts a server up until its first checks fail: the host not launched yet is down before clients come.
        const inService = async (name: string) => (await balancer.status(name)) === "UP";
        await waitFor(async () => (await balancer.status(newName)).startsWith("DOWN") && (await Promise.all(role.names.map(inService))).every(Boolean),
            15_000, `the stand-in with ${role.names.join(", ")} in service and ${newName} out`);
        loops = load();
        const { opened } = await fleet.open(options.clients);
        if (opened !== options.clients) {
            throw new Error(`${options.clients - opened} of ${options.clients} WebSockets did not open`);
        }
        await sleep(1_000);

        phase = "scale-out";
        const launched = await role.launch();
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
        await role.stopLaunched();
        for (const name of [scaledIn, reclaimed]) {
            await role.restore(name);
        }
    }
}
