// A TCP relay that adds a one-way delay to everything it carries, in both directions: the lab's cross-border link
// (tc netem is not available on the build machines). Run as its own process in the edge's namespace:
//   node -r ts-node/register/transpile-only harness/lab/relay.ts --delay MS --pair LISTEN_ADDR:PORT=TARGET_ADDR:PORT ...
import * as net from "net";
import { parseArgs } from "util";

/** Bytes in flight in one direction before the relay stops reading from the sender. */
const HIGH_WATER = 1 << 20;

export interface Endpoint {
    host: string;
    port: number;
}

export function parseEndpoint(text: string): Endpoint {
    const m = /^(.+):(\d+)$/.exec(text);
    if (!m) {
        throw new Error(`expected ADDRESS:PORT, got ${JSON.stringify(text)}`);
    }
    return { host: m[1], port: Number(m[2]) };
}

/** Carries `from`'s data to `to` `delayMs` later, in order; end and errors travel with the same delay. */
function pipeDelayed(from: net.Socket, to: net.Socket, delayMs: number): void {
    let inFlight = 0;
    from.on("data", (chunk: Buffer) => {
        inFlight += chunk.length;
        if (inFlight > HIGH_WATER) {
            from.pause();
        }
        setTimeout(() => {
            inFlight -= chunk.length;
            if (!to.destroyed) {
                to.write(chunk);
            }
            if (inFlight <= HIGH_WATER && from.isPaused()) {
                from.resume();
            }
        }, delayMs);
    });
    from.on("end", () => setTimeout(() => to.end(), delayMs));
    from.on("close", () => setTimeout(() => to.destroy(), delayMs + 1));
}

export function startRelay(listen: Endpoint, target: Endpoint, delayMs: number): Promise<net.Server> {
    const server = net.createServer({ pauseOnConnect: true }, (client) => {
        client.on("error", () => client.destroy());
        // The connection toward the far side starts after the one-way delay, as a SYN crossing the border would.
        setTimeout(() => {
            const upstream = net.connect({ host: target.host, port: target.port });
            upstream.on("error", () => { upstream.destroy(); client.destroy(); });
            upstream.setNoDelay(true);
            client.setNoDelay(true);
            pipeDelayed(client, upstream, delayMs);
            pipeDelayed(upstream, client, delayMs);
            client.resume();
        }, delayMs);
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: listen.host, port: listen.port, backlog: 4096 }, () => resolve(server));
    });
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { delay: { type: "string" }, pair: { type: "string", multiple: true } } });
    const delay = Number(values.delay ?? "0");
    for (const pair of values.pair ?? []) {
        const [listen, target] = pair.split("=");
        await startRelay(parseEndpoint(listen), parseEndpoint(target), delay);
    }
    process.stdout.write(`ready ${(values.pair ?? []).join(" ")}\n`);
    process.on("SIGTERM", () => process.exit(0));
}

if (require.main === module) {
    main().catch((err) => { process.stderr.write(`relay: ${err instanceof Error ? err.message : err}\n`); process.exit(1); });
}
