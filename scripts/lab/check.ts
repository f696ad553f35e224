// The lab's smoke test (`npm run lab -- --check`): the chain answers through every edge, converts the sample
// origin's names, speaks HTTP/2, carries a WebSocket and refuses names it does not serve.
import { CHAIN_HEADER } from "../../components/render/nginx";
import { HEALTH_PATH } from "../../components/render/tuning";
import { echo, openWebSocket, request } from "./client";
import { Lab } from "./lab";

export interface CheckResult {
    name: string;
    ok: boolean;
    detail: string;
}

async function check(name: string, fn: () => Promise<string>): Promise<CheckResult> {
    try {
        return { name, ok: true, detail: await fn() };
    } catch (err) {
        return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
}

function expect(condition: boolean, message: string): void {
    if (!condition) {
        throw new Error(message);
    }
}

/** The edge refuses by closing the TCP connection: no TLS alert, no certificate (those would come from nginx). */
export function refusedByEdge(outcome: string): boolean {
    return /socket disconnected before secure TLS connection|ECONNRESET|socket hang up/.test(outcome);
}

export async function smokeCheck(lab: Lab): Promise<CheckResult[]> {
    const primary = lab.hosts[0];
    const results: CheckResult[] = [];
    for (const [i, edge] of lab.edgeNames.entries()) {
        results.push(await check(`${HEALTH_PATH} through ${edge}`, async () => {
            const r = await request(lab.endpoint(primary.public, i), HEALTH_PATH);
            expect(r.status === 200, `status ${r.status}`);
            return `200 from ${r.headers[CHAIN_HEADER.toLowerCase()]}`;
        }));
    }
    results.push(await check(`GET https://${primary.public}/`, async () => {
        const r = await request(lab.endpoint(), "/", { gzip: true });
        expect(r.status < 500, `status ${r.status}: ${r.body.slice(0, 200)}`);
        if (lab.sampleOrigin) {
            expect(r.body.includes(`https://${primary.public}/`), `the body does not name https://${primary.public}/`);
            expect(!r.body.includes(`https://${primary.origin}/`), `the body still names https://${primary.origin}/`);
        }
        return `${r.status}, ${r.body.length} bytes${r.encoding ? ` (${r.encoding})` : ""}${lab.sampleOrigin ? `, ${primary.origin} converted to ${primary.public}` : ""}`;
    }));
    results.push(await check("HTTP/2", async () => {
        const r = await request(lab.endpoint(), "/", { http2: true });
        expect(r.httpVersion === "2.0" && r.status < 500, `HTTP ${r.httpVersion} status ${r.status}`);
        return `status ${r.status} over h2`;
    }));
    if (lab.sampleOrigin) {
        results.push(await check("WebSocket echo", async () => {
            const ws = await openWebSocket(lab.endpoint(), "/ws");
            try {
                await echo(ws, "hello from the lab");
            } finally {
                ws.terminate();
            }
            return "echoed through edge, origin proxy and origin";
        }));
    }
    results.push(await check("a name outside the SNI allow-list is refused", async () => {
        const outcome = await request(lab.endpoint(), "/", { host: "not-served.invalid", timeoutMs: 5_000 }).then(
            (r) => `answered ${r.status}`, (err: Error) => err.message);
        expect(refusedByEdge(outcome), `not-served.invalid: ${outcome}`);
        return "the edge closed the connection before any TLS answer";
    }));
    return results;
}
