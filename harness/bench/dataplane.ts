// The data-plane benchmark: the lab with two edges and two origin proxies (no added delay: the proxies' own cost),
// measured against the sample origin alone. Reports; asserts nothing.
import { Lab, startLab } from "../lab/lab";
import { sleep } from "../lab/processes";
import { WsFleet } from "../lab/wsFleet";
import { linkProcess } from "../lab/inPlace";
import { treeCpuMs, treeRssKb } from "./memory";
import { LoadFigures, runWrk } from "./wrk";

/** WebSockets the benchmark tries to hold through the chain (goal: 10,000 or more on the 2-core build machine). */
export const WS_TARGET = 12_000;
const LOAD_SECONDS = 10;
const LOAD_CONNECTIONS = 50;

export interface HttpFigures extends LoadFigures {
    new_connections: LoadFigures & { edge_cpu_ms_per_1000?: number };
    /** Through the chain: CPU the loaded edge spent per thousand requests, ms. */
    edge_cpu_ms_per_1000?: number;
}

export interface DataplaneResults {
    mode: string;
    edges: number;
    origin_proxies: number;
    origin?: HttpFigures;
    chain?: HttpFigures;
    keep_alive_ratio?: RatioFigures;
    http_skipped?: string;
    /** Memory per WebSocket: the edges' HAProxy, the origin proxies' nginx, and the HAProxy in front of it (the link's end). */
    websockets: { held: number; attempted: number; open_seconds: number; kb_per_ws: { haproxy: number; nginx: number; origin_haproxy: number } };
    reconnect: { clients: number; seconds: number; lost: number; per_second: number };
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
}

type Target = { url: string; address: string; namespace?: string };

function targets(lab: Lab): Record<"origin" | "chain", Target> {
    const t = lab.topology;
    return {
        origin: { url: `https://${lab.hosts[0].origin}${t.ports.origin === 443 ? "" : `:${t.ports.origin}`}/`, address: t.originAddress, namespace: t.namespaces.us },
        chain: { url: lab.ready.url, address: t.edgeAddress(1) },
    };
}

/** One load of `seconds` against `run`; through the chain, with the loaded edge's CPU per thousand requests. */
function load(lab: Lab, run: Target, seconds: number, newConnections: boolean, chain: boolean): LoadFigures & { edge_cpu_ms_per_1000?: number } {
    const edge = lab.processes.pid(lab.edgeNames[0]) ?? 0;
    const cpuBefore = treeCpuMs(edge);
    const figures = runWrk({ ...run, connections: LOAD_CONNECTIONS, seconds, newConnections });
    const requests = figures.rps * seconds;
    return chain && requests > 0
        ? { ...figures, edge_cpu_ms_per_1000: Math.round(((treeCpuMs(edge) - cpuBefore) / requests) * 1000 * 10) / 10 }
        : figures;
}

/** Origin alone and the chain: keep-alive in alternating rounds (the median round reported), then a new connection per request once each. */
function http(lab: Lab): { origin: HttpFigures; chain: HttpFigures; ratio: RatioFigures } {
    const { origin, chain } = targets(lab);
    load(lab, origin, WARM_SECONDS, false, false);
    load(lab, chain, WARM_SECONDS, false, true);
    const rounds: { origin: LoadFigures; chain: LoadFigures & { edge_cpu_ms_per_1000?: number }; ratio: number }[] = [];
    for (let i = 0; i < RATIO_ROUNDS; i++) {
        const o = load(lab, origin, ROUND_SECONDS, false, false);
        const c = load(lab, chain, ROUND_SECONDS, false, true);
        rounds.push({ origin: o, chain: c, ratio: o.rps > 0 ? Math.round((c.rps / o.rps) * 100) / 100 : 0 });
    }
    const ranked = [...rounds].sort((a, b) => a.ratio - b.ratio);
    const median = ranked[Math.floor(ranked.length / 2)];
    return {
        origin: { ...median.origin, new_connections: load(lab, origin, LOAD_SECONDS, true, false) },
        chain: { ...median.chain, new_connections: load(lab, chain, LOAD_SECONDS, true, true) },
        ratio: {
            median: median.ratio, min: ranked[0].ratio, max: ranked[ranked.length - 1].ratio,
            rounds: rounds.map((r) => ({ origin: r.origin.rps, chain: r.chain.rps, ratio: r.ratio })),
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
        await fleet.open(WS_TARGET);
        const openSeconds = (Date.now() - openStart) / 1000;
        await sleep(2_000); // the processes settle before their memory is read
        const after = memory();
        const held = await fleet.echoAll();
        const perWs = (kb: number) => (held ? Math.round((kb / held) * 10) / 10 : 0);

        log(`Reconnect: restarting every origin proxy host (nginx and HAProxy) under ${fleet.connected()} WebSockets`);
        const clients = fleet.connected();
        const storm = await fleet.survive(() => Promise.all([...lab.originProxyNames, ...linkEnds].map((n) => lab.processes.restart(n))), 180_000);
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
            },
            reconnect: { clients, seconds, lost, per_second: Math.round((clients - lost) / seconds) },
        };
    } finally {
        fleet.close();
        await lab.close();
    }
}
