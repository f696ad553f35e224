// The whole chain for real: client → edge (HAProxy, cn's config) → delay relay → origin proxy (nginx, us's config)
// → sample origin. Every conversion rule, with and without a client that accepts gzip.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import { CHAIN_HEADER } from "../../components/render/originProxy/originNginx";
import { refusedByEdge } from "../../harness/lab/check";
import { echo, openWebSocket, request } from "../../harness/lab/client";
import { FONT_FILES, STREAM_INTERVAL_MS } from "../../harness/lab/sampleApp";
import { THIRD_PARTY_INTEGRITY, samplePages } from "../../harness/lab/sampleOrigin";
import { useLab } from "./useLab";
import { jsonLines } from "../helpers";
import { linkProcess } from "../../harness/lab/inPlace";
import { waitFor } from "../../harness/lab/processes";

const ICP = "沪ICP备12345678号-1";

describe("data plane: the rendered chain converts example.com ⇄ example.cn", function () {
    this.timeout(60_000);
    const lab = useLab({ delayMs: 10, overrides: { us: { icpNumber: ICP, psbNumber: "沪公网安备31010402000001号" } } });

    for (const gzip of [false, true]) {
        describe(gzip ? "a client that accepts gzip" : "a client without gzip", () => {
            it("HTML: every URL of a served name, escaped and encoded forms, third parties relayed or mirrored; mail and other subdomains kept; ICP footer", async () => {
                const r = await request(lab().endpoint(), "/", { gzip });
                assert.equal(r.status, 200);
                assert.equal(r.encoding, gzip ? "gzip" : undefined);
                for (const converted of ["https://example.cn/style.css", "//www.example.cn/app.js", "https://www.example.cn/shop?from=https%3A%2F%2Fexample.cn%2F",
                    "https:\\/\\/example.cn\\/api", "wss://example.cn/ws", "https://example.cn/_ext/fonts.googleapis.com/css",
                    "https://example.cn/_ext/ajax.googleapis.com/ajax", "https://www.recaptcha.net/recaptcha/api.js"]) {
                    assert.ok(r.body.includes(converted), `missing ${converted}`);
                }
                for (const kept of ["https://cdn.example.com/vendor.js", "mailto:admin@example.com", "https://www.google.com/maps"]) {
                    assert.ok(r.body.includes(kept), `${kept} should be left alone`);
                }
                assert.doesNotMatch(r.body, /\/\/(www\.)?example\.com\b|\/\/[a-z]+\.googleapis\.com|google\.com\/recaptcha/);
                assert.match(r.body, new RegExp(`beian\\.miit\\.gov\\.cn[^<]*>${ICP}</a>.*</div></body>`));
            });

            for (const page of Object.keys(samplePages("example.com")).filter((p) => p !== "/")) {
                it(`${page}: converted, no footer`, async () => {
                    const r = await request(lab().endpoint(), page, { gzip });
                    assert.equal(r.status, 200);
                    assert.match(r.body, /\/\/(www\.)?example\.cn\b/);
                    assert.doesNotMatch(r.body, /\/\/(www\.)?example\.com\b/);
                    assert.ok(!r.body.includes("beian"), "the ICP footer is for HTML only");
                });
            }
        });
    }

    it("Location, Refresh and Set-Cookie domains name the public host", async () => {
        const r = await request(lab().endpoint(), "/login");
        assert.equal(r.status, 302);
        assert.equal(r.headers.location, "https://example.cn/account?welcome=1");
        assert.equal(r.headers.refresh, "0; url=https://example.cn/account");
        assert.deepEqual(r.headers["set-cookie"]?.map((c) => /Domain=([^;]+)/.exec(c)?.[1]), ["example.cn", ".example.cn"]);
    });

    it("CORS: Origin goes in as the origin's name, Access-Control-Allow-Origin comes back as the public one", async () => {
        const r = await request(lab().endpoint(), "/api/cors", { headers: { origin: "https://www.example.cn" } });
        assert.equal(r.headers["access-control-allow-origin"], "https://www.example.cn");
    });

    it("CSP and CSP-Report-Only: every served name converted, a relayed host allowed at its relay path, reCAPTCHA at its mirror with what that loads; other subdomains and look-alikes kept", async () => {
        const r = await request(lab().endpoint(), "/");
        assert.equal(r.headers["content-security-policy"],
            "default-src 'self' https://example.cn https://*.example.cn; connect-src wss://example.cn https://www.example.cn; " +
            "img-src https://cdn.example.com; font-src https://example.cn/_ext/fonts.googleapis.com/; " +
            "frame-src https://www.recaptcha.net/recaptcha/ https://www.gstatic.cn/recaptcha/; " +
            "frame-ancestors https://example.com.evil.net https://notexample.com example.cn; report-uri https://example.cn/csp");
        assert.equal(r.headers["content-security-policy-report-only"], "script-src https://example.cn; report-uri https://example.cn/csp");
    });

    it("every header that names the site, every occurrence: a dozen in CSP, each Link field, Report-To, Reporting-Endpoints", async () => {
        const r = await request(lab().endpoint(), "/app/");
        const csp = String(r.headers["content-security-policy"]);
        assert.equal(csp.match(/example\.cn/g)?.length, 12, csp);
        assert.doesNotMatch(csp, /example\.com/);
        assert.deepEqual(String(r.headers.link).split(", "), [
            "<https://example.cn/app/style.css>; rel=preload; as=style",
            "<https://example.cn/app/preload.json>; rel=preload; as=fetch; crossorigin=anonymous",
        ]);
        assert.equal(r.headers["reporting-endpoints"], 'csp="https://example.cn/app/csp-report"');
        assert.deepEqual(JSON.parse(String(r.headers["report-to"])).endpoints, [{ url: "https://example.cn/app/csp-report" }]);
    });

    it("Content-Location, and Access-Control-Allow-Origin with Timing-Allow-Origin for another served name", async () => {
        const data = await request(lab().endpoint(), "/app/data.json");
        assert.equal(data.headers["content-location"], "https://example.cn/app/data.json");
        const lazy = await request(lab().endpoint("www.example.cn"), "/app/lazy.js", { headers: { origin: "https://example.cn" } });
        assert.equal(lazy.headers["access-control-allow-origin"], "https://example.cn");
        assert.equal(lazy.headers["timing-allow-origin"], "https://example.cn");
    });

    it("Subresource Integrity: dropped from first-party scripts, whose bodies are converted; kept on third-party ones, relayed ones too", async () => {
        const r = await request(lab().endpoint(), "/");
        assert.match(r.body, /<script src="\/\/www\.example\.cn\/app\.js" crossorigin="anonymous"><\/script>/);
        assert.ok(r.body.includes(`src="https://example.cn/_ext/ajax.googleapis.com/ajax/libs/jquery/3.7.1/jquery.min.js" integrity="${THIRD_PARTY_INTEGRITY}"`),
            "the relayed third party's integrity stays (its bytes pass unchanged)");
    });

    for (const [path, type] of [["/app/events", "text/event-stream"], ["/app/stream.ndjson", "application/x-ndjson"]]) {
        it(`${type}: converted event by event, each as the origin sends it`, async () => {
            const r = await request(lab().endpoint(), path, { gzip: true });
            assert.equal(r.headers["content-type"], type);
            assert.equal(r.encoding, undefined, "a stream is never compressed");
            assert.equal(r.body.match(/https:\/\/example\.cn\/app\/item\/\d/g)?.length, 3, r.body);
            assert.ok(r.arrivalsMs.length >= 3 && r.arrivalsMs.at(-1)! >= 2 * STREAM_INTERVAL_MS * 0.8, `arrivals ${r.arrivalsMs}`);
        });
    }

    it("a binary answer passes the Lua filter byte for byte", async () => {
        const font = await request(lab().endpoint(), "/app/font.ttf");
        assert.equal(font.status, 200);
        assert.ok(font.bytes.length > 100_000, `${font.bytes.length} bytes`);
        const direct = FONT_FILES.find((f) => fs.existsSync(f))!;
        assert.ok(font.bytes.equals(fs.readFileSync(direct)));
    });

    it("the origin sees its own names (Host, SNI, Origin, Referer), no Accept-Encoding, and the real client address", async () => {
        const client = lab().topology.clientAddresses[2];
        const r = await request(lab().endpoint("www.example.cn"), "/echo?x=1", {
            gzip: true, localAddress: client,
            // A client's own X-Forwarded-For is never believed: the edge sets the address it saw.
            headers: { origin: "https://example.cn", referer: "https://www.example.cn/page?q=1", "x-forwarded-for": "198.51.100.66" },
        });
        const seen = JSON.parse(r.body) as { headers: Record<string, string>; servername: string };
        assert.equal(seen.headers.host, "www.example.com");
        assert.equal(seen.servername, "www.example.com");
        assert.equal(seen.headers.origin, "https://example.com");
        assert.equal(seen.headers.referer, "https://www.example.com/page?q=1");
        assert.equal(seen.headers["accept-encoding"] ?? "", "");
        assert.equal(seen.headers["x-forwarded-host"], "www.example.cn");
        assert.equal(seen.headers["x-real-ip"], client);
        assert.equal(seen.headers["x-forwarded-for"], client);
        assert.ok(r.headers[CHAIN_HEADER.toLowerCase()], "the origin proxy marks its answers");
    });

    it("HTTP/2 end to end (TLS passthrough at the edge, h2 at the origin proxy)", async () => {
        const r = await request(lab().endpoint(), "/app.js", { http2: true, gzip: true });
        assert.equal(r.httpVersion, "2.0");
        assert.equal(r.status, 200);
        assert.ok(r.body.includes("https://example.cn/api"));
    });

    it("a WebSocket echo through edge, origin proxy and origin, its upgrade an HTTP/2 stream on a warm link connection", async () => {
        const page = `/echo?warm=${Date.now()}`;
        assert.equal((await request(lab().endpoint(), page)).status, 200);
        const ws = await openWebSocket(lab().endpoint(), "/ws");
        try {
            await echo(ws, "你好, example.com");
            await echo(ws, "x".repeat(100_000));
        } finally {
            ws.terminate();
        }
        // The origin proxy host's HAProxy logs each request with the edge connection it came on.
        const log = lab().processes.logFile(linkProcess(lab().originProxyNames[0]));
        let lines: Record<string, unknown>[] = [];
        await waitFor(() => (lines = jsonLines(log)).some((l) => l.status === 101), 5_000, "the upgrade in the link's log");
        const upgrade = lines.filter((l) => l.status === 101).at(-1)!;
        assert.equal(upgrade.version, "HTTP/2.0", "extended CONNECT (RFC 8441), not an HTTP/1.1 connection of its own");
        assert.equal(upgrade.backend, "be_websockets");
        const connections = new Set(lines.filter((l) => l.status === 200 && l.version === "HTTP/2.0").map((l) => l.edge));
        assert.ok(connections.has(upgrade.edge), `the upgrade rode a connection that carried pages (${upgrade.edge} in ${[...connections].join(", ")})`);
    });

    it("a name outside the SNI allow-list is refused by the edge", async () => {
        const outcome = await request(lab().endpoint(), "/", { host: "evil.example.net" }).then((r) => `answered ${r.status}`, (e: Error) => e.message);
        assert.ok(refusedByEdge(outcome), outcome);
    });

    it("plain HTTP is redirected to https by the edge", async () => {
        const t = lab().topology;
        const r = await new Promise<http.IncomingMessage>((resolve, reject) => {
            http.get({ host: t.edgeAddress(1), port: t.ports.http, path: "/a?b=1", headers: { host: "example.cn" } }, (res) => { res.resume(); resolve(res); })
                .on("error", reject);
        });
        assert.equal(r.statusCode, 301);
        assert.equal(r.headers.location, "https://example.cn/a?b=1");
    });

    it("plain HTTP for a name not served is refused", async () => {
        const t = lab().topology;
        const status = await new Promise<number | undefined>((resolve, reject) => {
            http.get({ host: t.edgeAddress(1), port: t.ports.http, path: "/", headers: { host: "evil.example.net" } }, (res) => { res.resume(); resolve(res.statusCode); })
                .on("error", reject);
        });
        assert.equal(status, 421);
    });
});
