// The lab's smoke test (`npm run lab -- --check`): the chain answers through every edge, converts the sample
// origin's names, speaks HTTP/2, carries a WebSocket and refuses names it does not serve.
import { CHAIN_HEADER } from "../../components/render/originProxy/originNginx";
import { HEALTH_PATH } from "../../components/render/shared/endpoints";
import { echo, openWebSocket, request } from "./client";
import { Lab, LabRedirector } from "./lab";
import { COUNTRY_HEADER, REDIRECTED_COUNTRY } from "../../components/render/redirector/redirectorNginx";

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
/**
 * The edge refused a name outside its allow-list before any certificate: a passthrough edge closes the connection,
 * a terminating one answers the handshake with the alert unrecognized_name (strict-sni).
 */
export function refusedByEdge(outcome: string): boolean {
    return /socket disconnected before secure TLS connection|ECONNRESET|socket hang up|unrecognized name|alert number 112/.test(outcome);
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
    if (lab.redirector) {
        results.push(...await redirectorChecks(lab, lab.redirector));
    }
    results.push(await check("a name outside the SNI allow-list is refused", async () => {
        const outcome = await request(lab.endpoint(), "/", { host: "not-served.invalid", timeoutMs: 5_000 }).then(
            (r) => `answered ${r.status}`, (err: Error) => err.message);
        expect(refusedByEdge(outcome), `not-served.invalid: ${outcome}`);
        return /unrecognized name|112/.test(outcome) ? "the edge refused the handshake (unrecognized name), no certificate shown"
            : "the edge closed the connection before any TLS answer";
    }));
    return results;
}

/** A visitor from the mainland asking for the old name is sent to the public name, path and query kept; others pass. */
async function redirectorChecks(lab: Lab, redirector: LabRedirector): Promise<CheckResult[]> {
    const primary = lab.hosts[0];
    const path = "/lab/check?from=redirector";
    return [
        await check(`${redirector.name}: a mainland visitor of ${primary.origin} is redirected`, async () => {
            const r = await request(redirector.endpoint(), path, { localAddress: redirector.clients.mainland });
            const expected = `https://${primary.public}${path}`;
            expect(r.status === 301 || r.status === 302, `status ${r.status} (${COUNTRY_HEADER}: ${r.headers[COUNTRY_HEADER.toLowerCase()]})`);
            expect(r.headers.location === expected, `Location ${r.headers.location}, expected ${expected}`);
            return `${r.status} to ${r.headers.location} (GeoIP ${REDIRECTED_COUNTRY})`;
        }),
        await check(`${redirector.name}: a visitor from elsewhere reaches ${primary.origin}`, async () => {
            const r = await request(redirector.endpoint(), "/", { localAddress: redirector.clients.elsewhere });
            expect(r.status === 200, `status ${r.status}`);
            return `${r.status} from the existing service (GeoIP ${r.headers[COUNTRY_HEADER.toLowerCase()]})`;
        }),
    ];
}
