// Many WebSocket clients through the lab, each reconnecting after a drop with exponential backoff and full jitter
// (as well-behaved apps do after a proxy restart). The data-plane tests and the benchmark share it.
import WebSocket from "ws";
import { Endpoint, echo, openWebSocket } from "./client";
import { sleep } from "./processes";

export interface FleetOptions {
    /** Clients are spread round-robin over these (the edges). */
    endpoints: Endpoint[];
    path: string;
    /** Source addresses, round-robin (more source ports); default the system's choice. */
    localAddresses?: string[];
    /** First backoff ceiling and the cap it doubles up to, ms. */
    backoffBaseMs?: number;
    backoffCapMs?: number;
}

interface Client {
    id: number;
    ws?: WebSocket;
    reconnects: number;
    /** Set while the client is waiting to reconnect or reconnecting. */
    down: boolean;
}

/** Calls `fn(0 … count-1)` with at most `parallel` calls in flight. */
async function inParallel(count: number, parallel: number, fn: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < count) {
            await fn(next++);
        }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
}

export class WsFleet {
    private readonly clients: Client[] = [];
    private closing = false;
    /** Connection attempts that failed (each is retried). */
    failedAttempts = 0;

    constructor(private readonly options: FleetOptions) {}

    private target(id: number): { ep: Endpoint; localAddress?: string } {
        const eps = this.options.endpoints;
        const locals = this.options.localAddresses ?? [];
        return { ep: eps[id % eps.length], localAddress: locals.length ? locals[id % locals.length] : undefined };
    }

    private watch(client: Client, ws: WebSocket): void {
        client.ws = ws;
        client.down = false;
        ws.on("error", () => undefined);
        ws.once("close", () => {
            if (!this.closing) {
                client.down = true;
                void this.reconnect(client);
            }
        });
    }

    private async reconnect(client: Client): Promise<void> {
        const base = this.options.backoffBaseMs ?? 100;
        const cap = this.options.backoffCapMs ?? 5_000;
        for (let attempt = 0; !this.closing; attempt++) {
            await sleep(Math.random() * Math.min(cap, base * 2 ** attempt));
            try {
                const { ep, localAddress } = this.target(client.id);
                const ws = await openWebSocket(ep, this.options.path, { localAddress });
                client.reconnects++;
                this.watch(client, ws);
                return;
            } catch {
                this.failedAttempts++;
            }
        }
    }

    /** Opens `count` more clients, at most `parallel` handshakes at a time; returns how many opened. */
    async open(count: number, parallel = 200): Promise<{ opened: number; failed: number }> {
        let failed = 0;
        const start = this.clients.length;
        await inParallel(count, parallel, async (i) => {
            const id = start + i;
            const { ep, localAddress } = this.target(id);
            try {
                const ws = await openWebSocket(ep, this.options.path, { localAddress, timeoutMs: 30_000 });
                const client: Client = { id, reconnects: 0, down: false };
                this.clients.push(client);
                this.watch(client, ws);
            } catch {
                failed++;
            }
        });
        return { opened: count - failed, failed };
    }

    /** Clients whose WebSocket is open right now. */
    connected(): number {
        return this.clients.filter((c) => !c.down && c.ws?.readyState === WebSocket.OPEN).length;
    }

    reconnects(): number {
        return this.clients.reduce((n, c) => n + c.reconnects, 0);
    }

    /**
     * Runs `disruption` (a restart, say), then waits until every client is connected again: the seconds from the
     * start of the disruption and the clients still missing at the deadline (0: none lost).
     */
    async survive(disruption: () => Promise<unknown>, timeoutMs: number): Promise<{ seconds: number; lost: number }> {
        const start = Date.now();
        await disruption();
        await sleep(100); // the drops reach the clients
        const deadline = Date.now() + timeoutMs;
        while (this.connected() < this.clients.length && Date.now() < deadline) {
            await sleep(50);
        }
        return { seconds: (Date.now() - start) / 1000, lost: this.clients.length - this.connected() };
    }

    /** Every client sends a message and waits for its echo; returns how many got it back. */
    async echoAll(parallel = 500): Promise<number> {
        let ok = 0;
        await inParallel(this.clients.length, parallel, async (i) => {
            const c = this.clients[i];
            if (c.ws && c.ws.readyState === WebSocket.OPEN) {
                await echo(c.ws, `ping ${c.id}`, 20_000).then(() => { ok++; }, () => undefined);
            }
        });
        return ok;
    }

    close(): void {
        this.closing = true;
        for (const c of this.clients) {
            c.ws?.terminate();
        }
    }
}
