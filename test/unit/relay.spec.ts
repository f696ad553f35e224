// The lab's cross-border relay: carries bytes intact and in order, each direction at least the configured delay later.
import { strict as assert } from "assert";
import * as net from "net";
import { startRelay } from "../../harness/lab/relay";

function listen(server: net.Server): Promise<number> {
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
}

describe("lab: the delay relay", () => {
    it("delays each direction by the configured time and keeps every byte in order", async () => {
        const echo = net.createServer((s) => s.pipe(s));
        const target = await listen(echo);
        const relay = await startRelay({ host: "127.0.0.1", port: 0 }, { host: "127.0.0.1", port: target }, 100);
        const port = (relay.address() as net.AddressInfo).port;
        try {
            const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
            const start = Date.now();
            const received = await new Promise<Buffer>((resolve, reject) => {
                const chunks: Buffer[] = [];
                let total = 0;
                const s = net.connect(port, "127.0.0.1", () => s.write(payload));
                s.on("data", (d: Buffer) => {
                    chunks.push(d);
                    total += d.length;
                    if (total >= payload.length) {
                        s.destroy();
                        resolve(Buffer.concat(chunks));
                    }
                });
                s.on("error", reject);
            });
            // The connection toward the far side waits one delay, then data goes there and back: three delays at least.
            assert.ok(Date.now() - start >= 300, `round trip took ${Date.now() - start} ms`);
            assert.ok(received.equals(payload), "bytes intact and in order");
        } finally {
            relay.close();
            echo.close();
        }
    });
});
