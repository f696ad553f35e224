// The cn stack's redirector for real: its rendered nginx.conf with a GeoIP2 database the lab writes, reached from
// client addresses the database places in mainland China, in the US, or nowhere.
import { strict as assert } from "assert";
import * as http from "http";
import { COUNTRY_HEADER } from "../../components/render/redirector/redirectorNginx";
import { echo, openWebSocket, request } from "../../harness/lab/client";
import { LabRedirector, missingRedirectorPackages } from "../../harness/lab/lab";
import { useLab } from "./useLab";

/** A plain HTTP request to the redirector's port 80, from a given address. */
function plainGet(address: string, port: number, host: string, path: string, localAddress: string): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
        const req = http.get({ host: address, port, path, localAddress, headers: { host }, agent: false }, (res) => { res.resume(); resolve(res); });
        req.on("error", reject);
    });
}

describe("data plane: the redirector sends mainland visitors of the old names to the public names", function () {
    this.timeout(60_000);
    before(function () {
        const missing = missingRedirectorPackages();
        if (missing.length > 0) {
            console.log(`      skipped: ${missing.join(", ")} not installed (bash scripts/dev.sh installs them)`);
            this.skip();
        }
    });
    const lab = useLab({ delayMs: 0 });
    const redirector = (): LabRedirector => {
        const r = lab().redirector;
        assert.ok(r, "the cn stack's redirector runs in the lab");
        return r;
    };

    it("redirects a mainland visitor with the path and query kept, for every old name", async () => {
        const path = "/some/page?x=1&next=%2Fcart";
        for (const [old, pub] of [["example.com", "example.cn"], ["www.example.com", "www.example.cn"]]) {
            const r = await request(redirector().endpoint(old), path, { localAddress: redirector().clients.mainland });
            assert.equal(r.status, 301);
            assert.equal(r.headers.location, `https://${pub}/some/page?x=1&next=%2Fcart`);
            assert.equal(r.headers[COUNTRY_HEADER.toLowerCase()], "CN");
        }
        const head = await request(redirector().endpoint(), "/", { method: "HEAD", localAddress: redirector().clients.mainland });
        assert.equal(head.status, 301);
    });

    it("passes a visitor from elsewhere, and one the database does not know, to the existing service with their address", async () => {
        for (const client of [redirector().clients.elsewhere, redirector().clients.unknown]) {
            const r = await request(redirector().endpoint(), "/echo?x=1", { localAddress: client });
            assert.equal(r.status, 200);
            const seen = JSON.parse(r.body);
            assert.equal(seen.url, "/echo?x=1");
            assert.equal(seen.headers.host, "example.com");
            assert.equal(seen.servername, "example.com");
            assert.equal(seen.headers["x-forwarded-for"], client);
            assert.equal(r.headers[COUNTRY_HEADER.toLowerCase()], client === redirector().clients.elsewhere ? "US" : "XX");
        }
    });

    it("passes a mainland visitor's POSTs, API calls and WebSockets through instead of redirecting them", async () => {
        const mainland = redirector().clients.mainland;
        const post = await request(redirector().endpoint(), "/echo", { method: "POST", localAddress: mainland });
        assert.equal(post.status, 200);
        assert.equal(JSON.parse(post.body).method, "POST");
        const api = await request(redirector().endpoint(), "/api/cors", { localAddress: mainland });
        assert.equal(api.status, 200);
        assert.deepEqual(JSON.parse(api.body), { ok: true });
        const ws = await openWebSocket(redirector().endpoint(), "/ws", { localAddress: mainland });
        try {
            await echo(ws, "through the redirector");
        } finally {
            ws.terminate();
        }
    });

    it("redirects plain HTTP from the mainland to https on the public name", async () => {
        const ep = redirector().endpoint();
        const port = lab().topology.ports.http;
        const res = await plainGet(ep.address, port, "example.com", "/a?b=c", redirector().clients.mainland);
        assert.equal(res.statusCode, 301);
        assert.equal(res.headers.location, "https://example.cn/a?b=c");
    });

    it("refuses the TLS handshake for a name that is not an old name", async () => {
        const outcome = await request(redirector().endpoint("other.example.org"), "/", { localAddress: redirector().clients.mainland })
            .then((r) => `answered ${r.status}`, (err: Error) => err.message);
        assert.match(outcome, /alert|handshake|unrecognized name/i);
    });
});
