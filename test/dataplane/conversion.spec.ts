// The whole chain for real: client → edge (HAProxy, cn's config) → delay relay → origin proxy (nginx, us's config)
// → sample origin. Every conversion rule, with and without a client that accepts gzip.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { CHAIN_HEADER } from "../../components/render/originProxy/originNginx";
import { refusedByEdge } from "../../harness/lab/check";
import { echo, openWebSocket, rawRequest, request } from "../../harness/lab/client";
import { showStat } from "../../harness/lab/haproxyStats";
import { FONT_FILES, STREAM_INTERVAL_MS, trickleBody } from "../../harness/lab/sampleApp";
import { BIG_PRECOMPRESSED_BYTES, PRECOMPRESSED, THIRD_PARTY_INTEGRITY, samplePages } from "../../harness/lab/sampleOrigin";
import { useLab } from "./useLab";
import { jsonLines, readIf } from "../helpers";
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
                // Inline state as devalue and serialize-javascript write it: slashes Unicode- or hex-escaped, either case.
                for (const escaped of [/https:\\u002F\\u002Fexample\.cn\\u002Fapi/, /https:\\u002F\\u002Fwww\.example\.cn\\u002fcdn/, /https:\\x2F\\x2Fwww\.example\.cn\\x2Fimg/]) {
                    assert.match(r.body, escaped);
                }
                assert.doesNotMatch(r.body, /(\\u002f|\\x2f){2}(www\.)?example\.com/i);
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

    it("a sign-in's redirect: the return URL in the query of Location, Refresh and Content-Location, encoded, names the public host", async () => {
        const r = await request(lab().endpoint(), "/signin");
        assert.equal(r.status, 302);
        const back = `?return_to=${encodeURIComponent("https://example.cn/dash")}`;
        assert.equal(r.headers.location, `https://example.cn/login${back}`);
        assert.equal(r.headers.refresh, `0; url=/login${back}`);
        assert.equal(r.headers["content-location"], `/signin${back}`);
    });

    describe("bodies the origin compresses whatever it is asked", () => {
        for (const gzip of [false, true]) {
            it(`gzip and brotli decoded, converted${gzip ? ", compressed again for a client that accepts gzip" : ""}`, async () => {
                const js = await request(lab().endpoint(), "/precompressed/app.js", { gzip });
                assert.equal(js.status, 200);
                assert.equal(js.body, 'const API = "https://example.cn/api";\n');
                const css = await request(lab().endpoint(), "/precompressed/app.css", { gzip });
                assert.equal(css.body, 'body { background: url("https://www.example.cn/bg.png"); }\n');
                for (const r of [js, css]) {
                    assert.equal(r.encoding, gzip ? "gzip" : undefined);
                    assert.equal(r.headers["content-length"], undefined, "the origin's length was the encoded body's");
                }
            });
        }

        it(`${BIG_PRECOMPRESSED_BYTES / 1e6} MB sent gzip: decoded as it streams, every name converted, nothing lost`, async () => {
            const expected = PRECOMPRESSED["/precompressed/big.js"].body("example.com").replace(/example\.com/g, "example.cn");
            const r = await request(lab().endpoint(), "/precompressed/big.js", { gzip: true });
            assert.equal(r.status, 200);
            assert.equal(r.body.length, expected.length);
            assert.ok(r.body === expected, "byte for byte the converted file");
        });

        it("a body that says gzip and is not ends the answer short and says why in nginx's log: never the raw bytes as plain", async () => {
            const answer = await request(lab().endpoint(), "/precompressed/broken.js").then((r) => `${r.status} ${r.body.length} B`, (err: Error) => `failed: ${err.message}`);
            assert.ok(!answer.startsWith("200") || answer === "200 0 B", answer);
            await waitFor(() => lab().originProxyNames.some((n) => /body could not be decoded \(inflate: incorrect header check\)/.test(
                readIf(path.join(lab().dir, n, "error.log")))), 5_000, "nginx's log of the undecodable body");
        });
    });

    describe("malformed requests: the client's error, answered 4xx, no 5xx counted anywhere", () => {
        const malformed = (head: string, body = "") => `${head}\r\nHost: example.cn\r\nConnection: close\r\n\r\n${body}`;
        // A control character in a header value: the edge answers itself (HTTP/2 across the link would refuse it).
        const atTheEdge: Record<string, string> = {
            "NUL in a header value": malformed("GET / HTTP/1.1\r\nX-Note: a\x00b"),
            "NUL in a cookie": malformed("GET / HTTP/1.1\r\nCookie: sid=\x00"),
            "another control character in a value": malformed("GET / HTTP/1.1\r\nX-Note: a\x01b"),
            "DEL in a value": malformed("GET / HTTP/1.1\r\nX-Note: a\x7fb"),
            "a control character in a header name": malformed("GET / HTTP/1.1\r\nX\x01Note: a"),
            "a space in a header name": malformed("GET / HTTP/1.1\r\nX Note: a"),
            "NUL in the path": malformed("GET /a\x00b HTTP/1.1"),
            "two different Content-Length": malformed("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2", "ab"),
            "a chunk size that is not hex": malformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked", "zz\r\nabc\r\n0\r\n\r\n"),
            "an unknown transfer coding": malformed("POST / HTTP/1.1\r\nTransfer-Encoding: gzip"),
            "two Host headers": malformed("GET / HTTP/1.1\r\nHost: www.example.cn"),
        };
        // Well-formed for HTTP, refused by nginx as a path: 400 through the chain.
        const byNginx: Record<string, string> = {
            "a broken percent-encoding": malformed("GET /%zz HTTP/1.1"),
            "a path above the root": malformed("GET /../../etc/passwd HTTP/1.1"),
        };
        const admin = () => path.join(lab().dir, lab().edgeNames[0], "admin.sock");
        const counted = async () => {
            const rows = await showStat(admin());
            const row = (px: string, sv: string) => rows.find((r) => r.pxname === px && r.svname === sv)!;
            return { edge4xx: Number(row("fe_https", "FRONTEND").hrsp_4xx), edge5xx: Number(row("fe_https", "FRONTEND").hrsp_5xx), origin5xx: Number(row("be_origin", "BACKEND").hrsp_5xx) };
        };

        it("each answered 400, those with a control character or a broken frame by the edge itself", async () => {
            const before = await counted();
            for (const [what, text] of Object.entries(atTheEdge)) {
                const r = await rawRequest(lab().endpoint(), text);
                assert.equal(r.status, 400, what);
                assert.ok(!r.head.some((h) => h.startsWith(`${CHAIN_HEADER.toLowerCase()}:`)), `${what}: answered by an origin proxy`);
            }
            for (const [what, text] of Object.entries(byNginx)) {
                assert.equal((await rawRequest(lab().endpoint(), text)).status, 400, what);
            }
            const after = await counted();
            assert.equal(after.edge5xx - before.edge5xx, 0, "5xx answered by the edge");
            assert.equal(after.origin5xx - before.origin5xx, 0, "5xx from the origin proxies");
            assert.ok(after.edge4xx - before.edge4xx >= Object.keys(byNginx).length, "the edge counts the 4xx it passed on");
        });
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

    it("a served name cut between the chunks the origin sends is converted all the same, whatever the cut", async () => {
        const whole = await request(lab().endpoint(), "/app/trickle");
        const expected = trickleBody("example.com")
            .replace("a //example.com/", "a //example.cn/").replace("\\/\\/www.example.com", "\\/\\/www.example.cn")
            .replace("%2f%2fEXAMPLE.COM", "%2F%2Fexample.cn").replace("\\u002F\\u002Fwww.example.com", "\\u002F\\u002Fwww.example.cn")
            .replace("\\x2f\\x2fexample.com", "\\x2F\\x2Fexample.cn").replace('f "example.com"', 'f "example.cn"')
            .replace("g 'www.example.com'", "g 'www.example.cn'").replace('k "example.com" "www.example.com"', 'k "example.cn" "www.example.cn"');
        assert.equal(whole.body, expected, "each form converted; other subdomains, addresses and an unclosed quote kept");
        for (const slice of [1, 2, 3, 5, 8, 13]) {
            const trickled = await request(lab().endpoint(), `/app/trickle?slice=${slice}`);
            assert.equal(trickled.body, expected, `${slice} bytes at a time (${trickled.arrivalsMs.length} arrivals)`);
        }
    });

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
