// The data-plane benchmark: the lab with two edges and two origin proxies (no added delay: the proxies' own cost),
// measured against the sample origin alone. Reports; asserts nothing.
import * as os from "os";
import { Lab, startLab } from "../lab/lab";
import { sleep } from "../lab/processes";
import { WsFleet } from "../lab/wsFleet";
import { linkProcess } from "../lab/inPlace";
import { selfCpuMs, treeCpuMs, treeRssKb } from "./memory";
import { LoadFigures, runWrk } from "./wrk";

/** WebSockets the benchmark tries to hold through the chain (goal: 10,000 or more on the 2-core build machine). */
export const WS_TARGET = 12_000;
const LOAD_SECONDS = 10;
const LOAD_CONNECTIONS = 50;

/** Where the CPU goes: each part of the chain, the sample origin, and the client (this process and wrk). */
export type CpuPart = "edges" | "origin_haproxy" | "nginx" | "origin" | "client";

/** What one measure cost in CPU, everything sharing the machine's cores. */
export interface CpuFigures {
    /** CPU ms per unit (1,000 requests, a WebSocket) of each part. */
    ms_per_unit: Partial<Record<CpuPart, number>>;
    /** The share of the machine's cores busy over the measure, %. */
    busy_percent: number;
    /** Units per second if every core were busy at this cost: what the machine allows. */
    bound_per_second: number;
}

export interface HttpFigures extends LoadFigures {
    new_connections: LoadFigures & { cpu: CpuFigures };
    /** CPU per 1,000 requests, over every round. */
    cpu: CpuFigures;
}

export interface DataplaneResults {
    mode: string;
    edges: number;
    origin_proxies: number;
    origin?: HttpFigures;
    chain?: HttpFigures;
    keep_alive_ratio?: RatioFigures;
    http_skipped?: string;
    /** Memory per WebSocket: the edges' HAProxy, the origin proxies' nginx, and the HAProxy in front of it (the link's end); CPU per WebSocket opened. */
    websockets: { held: number; attempted: number; open_seconds: number; kb_per_ws: { haproxy: number; nginx: number; origin_haproxy: number }; cpu: CpuFigures };
    /** CPU per client back; connection attempts that failed on the way (each retried after its backoff). */
    reconnect: { clients: number; seconds: number; lost: number; per_second: number; failed_attempts: number; cpu: CpuFigures };
}

/** Keep-alive load in rounds alternating origin and chain, each side warmed up first: the origin alone swings between runs. */
const RATIO_ROUNDS = 3;
const ROUND_SECONDS = 6;
const WARM_SECONDS = 2;

/** The chain's keep-alive requests/s over the origin's, per round, with their median and spread. */
export interface RatioFigures {
    median: number;
    min: number;
    max: number;
    rounds: { origin: number; chain: number; ratio: number }[];
    /**
     * The ratio the CPU allows: what the chain's CPU per request allows with every core busy, over what the origin
     * alone allows (its one thread, or the cores).
     */
    cpu_bound: number;
}

type Target = { url: string; address: string; namespace?: string };

function targets(lab: Lab): Record<"origin" | "chain", Target> {
    const t = lab.topology;
    return {
        origin: { url: `https://${lab.hosts[0].origin}${t.ports.origin === 443 ? "" : `:${t.ports.origin}`}/`, address: t.originAddress, namespace: t.namespaces.us },
        chain: { url: lab.ready.url, address: t.edgeAddress(1) },
    };
}

type CpuSnapshot = Record<CpuPart, number> & { at: number };

function cpuSnapshot(lab: Lab): CpuSnapshot {
    const tree = (names: string[]) => names.reduce((sum, n) => sum + treeCpuMs(lab.processes.pid(n) ?? 0), 0);
    return {
        edges: tree(lab.edgeNames), origin_haproxy: tree(lab.originProxyNames.map(linkProcess)), nginx: tree(lab.originProxyNames),
        origin: tree(["origin"]), client: selfCpuMs(), at: Date.now(),
    };
}

/**
 * The CPU of what happened between `spans` (before, after) pairs over `units` (requests, WebSockets), per `per` of
 * them; parts that spent nothing left out.
 */
function cpuFigures(spans: [CpuSnapshot, CpuSnapshot][], units: number, per = 1): CpuFigures {
    const parts: CpuPart[] = ["edges", "origin_haproxy", "nginx", "origin", "client"];
    const spent = Object.fromEntries(parts.map((p) => [p, spans.reduce((sum, [a, b]) => sum + b[p] - a[p], 0)])) as Record<CpuPart, number>;
    const total = parts.reduce((sum, p) => sum + spent[p], 0);
    const wallMs = spans.reduce((sum, [a, b]) => sum + b.at - a.at, 0);
    const cores = os.cpus().length;
    return {
        ms_per_unit: Object.fromEntries(parts.filter((p) => spent[p] > 0).map((p) => [p, round((spent[p] / Math.max(units, 1)) * per)])),
        busy_percent: Math.round((total / (wallMs * cores)) * 100),
        bound_per_second: total > 0 ? Math.round((cores * 1000 * units) / total) : 0,
    };
}

const round = (n: number) => Math.round(n * 100) / 100;

interface Load extends LoadFigures {
    span: [CpuSnapshot, CpuSnapshot];
    requests: number;
}

/** One load of `seconds` against `run`, with the CPU every part spent on it. */
function load(lab: Lab, run: Target, seconds: number, newConnections: boolean): Load {
    const before = cpuSnapshot(lab);
    const figures = runWrk({ ...run, connections: LOAD_CONNECTIONS, seconds, newConnections });
    return { ...figures, span: [before, cpuSnapshot(lab)], requests: figures.rps * seconds };
}

/** CPU per 1,000 requests of `loads`. */
function perThousand(...loads: Load[]): CpuFigures {
    return cpuFigures(loads.map((l) => l.span), loads.reduce((n, l) => n + l.requests, 0), 1000);
}

const strip = ({ span: _span, requests: _requests, ...figures }: Load): LoadFigures => figures;

/** What the origin alone can answer at most: the cores' bound, or its one Node.js thread's. */
function originAloneBound(cpu: CpuFigures): number {
    const thread = cpu.ms_per_unit.origin ? (1000 * 1000) / cpu.ms_per_unit.origin : Infinity;
    return Math.min(cpu.bound_per_second, thread);
}

/** Origin alone and the chain: keep-alive in alternating rounds (the median round reported), then a new connection per request once each. */
function http(lab: Lab): { origin: HttpFigures; chain: HttpFigures; ratio: RatioFigures } {
    const { origin, chain } = targets(lab);
    load(lab, origin, WARM_SECONDS, false);
    load(lab, chain, WARM_SECONDS, false);
    const rounds: { origin: Load; chain: Load; ratio: number }[] = [];
    for (let i = 0; i < RATIO_ROUNDS; i++) {
        const o = load(lab, origin, ROUND_SECONDS, false);
        const c = load(lab, chain, ROUND_SECONDS, false);
        rounds.push({ origin: o, chain: c, ratio: o.rps > 0 ? round(c.rps / o.rps) : 0 });
    }
    const ranked = [...rounds].sort((a, b) => a.ratio - b.ratio);
    const median = ranked[Math.floor(ranked.length / 2)];
    const originCpu = perThousand(...rounds.map((r) => r.origin));
    const chainCpu = perThousand(...rounds.map((r) => r.chain));
    const [originNew, chainNew] = [load(lab, origin, LOAD_SECONDS, true), load(lab, chain, LOAD_SECONDS, true)];
    return {
        origin: { ...strip(median.origin), cpu: originCpu, new_connections: { ...strip(originNew), cpu: perThousand(originNew) } },
        chain: { ...strip(median.chain), cpu: chainCpu, new_connections: { ...strip(chainNew), cpu: perThousand(chainNew) } },
        ratio: {
            median: median.ratio, min: ranked[0].ratio, max: ranked[ranked.length - 1].ratio,
            rounds: rounds.map((r) => ({ origin: r.origin.rps, chain: r.chain.rps, ratio: r.ratio })),
            cpu_bound: round(chainCpu.bound_per_second / originAloneBound(originCpu)),
        },
    };
}

function rss(lab: Lab, names: string[]): number {
    return names.reduce((sum, n) => sum + treeRssKb(lab.processes.pid(n) ?? 0), 0);
}

export async function benchDataplane(root: string, log: (line: string) => void): Promise<DataplaneResults> {
    const lab = await startLab({ root, delayMs: 0, overrides: { cn: { replicas: 2 }, us: { replicas: 2 } } });
    const fleet = new WsFleet({
        endpoints: lab.edgeNames.map((_, i) => lab.endpoint(undefined, i)),
        path: "/ws",
        localAddresses: lab.topology.clientAddresses,
    });
    try {
        let figures: ReturnType<typeof http> | undefined;
        let skipped: string | undefined;
        try {
            log(`HTTP load: wrk -c ${LOAD_CONNECTIONS}, keep-alive in ${RATIO_ROUNDS} rounds of ${ROUND_SECONDS} s alternating origin and chain ` +
                `after ${WARM_SECONDS} s of warm-up each, then a new connection per request for ${LOAD_SECONDS} s each`);
            figures = http(lab);
        } catch (err) {
            skipped = (err as Error).message.split("\n")[0];
            log(`HTTP load skipped: ${skipped}`);
        }

        log(`WebSockets: opening ${WS_TARGET} through ${lab.edgeNames.length} edges and ${lab.originProxyNames.length} origin proxies`);
        const linkEnds = lab.originProxyNames.map(linkProcess);
        const memory = () => ({ haproxy: rss(lab, lab.edgeNames), nginx: rss(lab, lab.originProxyNames), origin_haproxy: rss(lab, linkEnds) });
        const before = memory();
        const openStart = Date.now();
        const openCpu = cpuSnapshot(lab);
        const { opened } = await fleet.open(WS_TARGET);
        const openSpan: [CpuSnapshot, CpuSnapshot] = [openCpu, cpuSnapshot(lab)];
        const openSeconds = (Date.now() - openStart) / 1000;
        await sleep(2_000); // the processes settle before their memory is read
        const after = memory();
        const held = await fleet.echoAll();
        const perWs = (kb: number) => (held ? Math.round((kb / held) * 10) / 10 : 0);

        log(`Reconnect: restarting every origin proxy host (nginx and HAProxy) under ${fleet.connected()} WebSockets`);
        const clients = fleet.connected();
        const failedBefore = fleet.failedAttempts;
        // The CPU from the moment the restarted services are up (the old processes' is gone with them).
        let stormCpu = cpuSnapshot(lab);
        const storm = await fleet.survive(async () => {
            await Promise.all([...lab.originProxyNames, ...linkEnds].map((n) => lab.processes.restart(n)));
            stormCpu = cpuSnapshot(lab);
        }, 180_000);
        const stormSpan: [CpuSnapshot, CpuSnapshot] = [stormCpu, cpuSnapshot(lab)];
        const seconds = Math.round(storm.seconds * 10) / 10;
        const lost = storm.lost;
        return {
            mode: lab.mode,
            edges: lab.edgeNames.length,
            origin_proxies: lab.originProxyNames.length,
            origin: figures?.origin,
            chain: figures?.chain,
            keep_alive_ratio: figures?.ratio,
            http_skipped: skipped,
            websockets: {
                held, attempted: WS_TARGET, open_seconds: Math.round(openSeconds * 10) / 10,
                kb_per_ws: {
                    haproxy: perWs(after.haproxy - before.haproxy), nginx: perWs(after.nginx - before.nginx), origin_haproxy: perWs(after.origin_haproxy - before.origin_haproxy),
                },
                cpu: cpuFigures([openSpan], opened),
            },
            reconnect: {
                clients, seconds, lost, per_second: Math.round((clients - lost) / seconds), failed_attempts: fleet.failedAttempts - failedBefore,
                cpu: cpuFigures([stormSpan], clients - lost),
            },
        };
    } finally {
        fleet.close();
        await lab.close();
    }
}
