// What a user across the border feels: the time to the first byte of a new client, of a client that keeps its
// connection, and of a new client after a minute of silence, as multiples of the round trip the lab's relay adds;
// and the time to open a WebSocket. Measured in one run for each edge mode.
import * as https from "https";
import { Endpoint, openWebSocket } from "../lab/client";
import { startLab } from "../lab/lab";
import { EdgeMode } from "../../stacks/config";

export interface FirstByteFigures {
    mode: EdgeMode;
    rtt_ms: number;
    /** Medians of several samples, ms, and as multiples of the RTT. */
    new_client_ms: number;
    new_client_rtt: number;
    reused_ms: number;
    reused_rtt: number;
    after_idle_ms: number;
    after_idle_rtt: number;
    idle_seconds: number;
    websocket_open_ms: number;
    websocket_open_rtt: number;
}

const SAMPLES = 5;

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

/** ms from the start of the request (connect included when `agent` is none) to the response's first byte. */
function firstByte(ep: Endpoint, path: string, agent: https.Agent | false): Promise<number> {
    return new Promise((resolve, reject) => {
        const start = process.hrtime.bigint();
        const req = https.request({ host: ep.address, port: ep.port, path, servername: ep.host, headers: { host: ep.host }, ca: ep.ca, agent }, (res) => {
            const ms = Number(process.hrtime.bigint() - start) / 1e6;
            res.resume();
            res.on("end", () => resolve(ms));
        });
        req.on("error", reject);
        req.setTimeout(10_000, () => req.destroy(new Error("no answer in 10 s")));
        req.end();
    });
}

async function websocketOpen(ep: Endpoint): Promise<number> {
    const start = process.hrtime.bigint();
    const ws = await openWebSocket(ep, "/ws");
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    ws.close();
    return ms;
}

const round = (n: number) => Math.round(n * 10) / 10;
const ratio = (ms: number, rtt: number) => Math.round((ms / rtt) * 100) / 100;

export async function benchFirstByte(root: string, mode: EdgeMode, delayMs: number, idleSeconds: number, log: (line: string) => void): Promise<FirstByteFigures> {
    log(`first byte: the lab with a ${delayMs} ms one-way border, edge ${mode}`);
    const lab = await startLab({ root, delayMs, overrides: { cn: { edgeTls: mode, redirector: false } } });
    try {
        const ep = lab.endpoint();
        await firstByte(ep, "/healthz", false); // the edge's first connection across, as after a deploy
        const fresh: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
            fresh.push(await firstByte(ep, "/healthz", false));
        }
        const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
        await firstByte(ep, "/healthz", agent);
        const reused: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
            reused.push(await firstByte(ep, "/healthz", agent));
        }
        agent.destroy();
        const opens: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
            opens.push(await websocketOpen(ep));
        }
        log(`first byte: ${idleSeconds} s of silence`);
        await new Promise((r) => setTimeout(r, idleSeconds * 1000));
        const afterIdle = await firstByte(ep, "/healthz", false);
        const rtt = 2 * delayMs;
        const [n, r, w] = [median(fresh), median(reused), median(opens)];
        return {
            mode, rtt_ms: rtt, idle_seconds: idleSeconds,
            new_client_ms: round(n), new_client_rtt: ratio(n, rtt),
            reused_ms: round(r), reused_rtt: ratio(r, rtt),
            after_idle_ms: round(afterIdle), after_idle_rtt: ratio(afterIdle, rtt),
            websocket_open_ms: round(w), websocket_open_rtt: ratio(w, rtt),
        };
    } finally {
        await lab.close();
    }
}
