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
    http_skipped?: string;
    /** Memory per WebSocket: the edges' HAProxy, the origin proxies' nginx, and the HAProxy in front of it (the link's end). */
    websockets: { held: number; attempted: number; open_seconds: number; kb_per_ws: { haproxy: number; nginx: number; origin_haproxy: number } };
    reconnect: { clients: number; seconds: number; lost: number; per_second: number };
}

function http(lab: Lab, target: "origin" | "chain"): HttpFigures {
    const t = lab.topology;
    const run = target === "origin"
        ? { url: `https://${lab.hosts[0].origin}${t.ports.origin === 443 ? "" : `:${t.ports.origin}`}/`, address: t.originAddress, namespace: t.namespaces.us }
        : { url: lab.ready.url, address: t.edgeAddress(1) };
    const edge = lab.processes.pid(lab.edgeNames[0]) ?? 0;
    const load = (newConnections: boolean) => {
        const cpuBefore = treeCpuMs(edge);
        const figures = runWrk({ ...run, connections: LOAD_CONNECTIONS, seconds: LOAD_SECONDS, newConnections });
        const requests = figures.rps * LOAD_SECONDS;
        return target === "chain" && requests > 0
            ? { ...figures, edge_cpu_ms_per_1000: Math.round(((treeCpuMs(edge) - cpuBefore) / requests) * 1000 * 10) / 10 }
            : figures;
    };
    return { ...load(false), new_connections: load(true) };
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
        let origin: HttpFigures | undefined;
        let chain: HttpFigures | undefined;
        let skipped: string | undefined;
        try {
            log(`HTTP load: wrk -c ${LOAD_CONNECTIONS} for ${LOAD_SECONDS} s, keep-alive and new connections, origin alone then the chain`);
            origin = http(lab, "origin");
            chain = http(lab, "chain");
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
            origin,
            chain,
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
