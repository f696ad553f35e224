// npm run scan as a user runs it, against a site on loopback whose pages load third-party hosts (stand-ins on the
// same server, reached through --resolve) in Debian's headless Chromium; one host answers nothing, as in China.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import { AddressInfo } from "net";
import { missingBrowserTools } from "../../harness/lab/browser";
import { runScript } from "../helpers";
import { TestTls, makeTls } from "../tls";

const CSS = "@font-face { font-family: Lab; src: url(https://fonts.gstatic.com/s/lab.woff2) format('woff2'); } body { font-family: Lab; }";
const JS = "window.libLoaded = true;";
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

/** What each name serves: the site's two pages link each other and load the third parties. */
function answer(host: string, url: string): { type: string; body: string | Buffer } | undefined {
    if (host === "site.test" && url === "/") {
        return { type: "text/html", body: `<!doctype html><html><head>
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Lab">
<script src="https://cdn.jsdelivr.net/npm/lib@1/lib.js"></script>
<script async src="https://www.google-analytics.com/analytics.js"></script>
</head><body>Lab <img src="https://cdn.unknown-vendor.test/logo.png"> <img src="https://static.site.test/own.png">
<a href="https://www.site.test/about">about</a> <a href="https://elsewhere.test/">out</a></body></html>` };
    }
    if (host === "www.site.test" && url === "/about") {
        return { type: "text/html", body: '<!doctype html><script src="https://ajax.googleapis.com/ajax/libs/lib/1/lib.js"></script><a href="/">home</a>' };
    }
    return {
        "fonts.googleapis.com": { type: "text/css", body: CSS },
        "fonts.gstatic.com": { type: "font/woff2", body: Buffer.alloc(64) },
        "cdn.jsdelivr.net": { type: "application/javascript", body: JS },
        "ajax.googleapis.com": { type: "application/javascript", body: JS },
        "cdn.unknown-vendor.test": { type: "image/png", body: PNG },
        "static.site.test": { type: "image/png", body: PNG },
    }[host];
}

const scan = (...args: string[]) => runScript("scan", args);

describe("npm run scan: a site's third-party hosts in a real browser", function () {
    this.timeout(120_000);
    let tls: TestTls;
    let server: https.Server;
    let closed: net.Server;
    let resolve: string[] = [];

    before(async function () {
        const missing = missingBrowserTools();
        if (missing.length > 0) {
            console.log(`      skipped: ${missing.join(", ")} not installed (bash scripts/dev.sh installs the Debian packages)`);
            this.skip();
        }
        const names = ["site.test", "www.site.test", "static.site.test", "fonts.googleapis.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "ajax.googleapis.com", "cdn.unknown-vendor.test"];
        tls = makeTls(names);
        server = https.createServer({ cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile) }, (req, res) => {
            const a = answer(String(req.headers.host ?? "").split(":")[0], req.url ?? "/");
            const body = a?.body ?? "no";
            res.writeHead(a ? 200 : 404, { "content-type": a?.type ?? "text/plain", "content-length": Buffer.byteLength(body), "access-control-allow-origin": "*" });
            res.end(body);
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        // A port that takes connections and never answers: the analytics host as China leaves it.
        closed = net.createServer(() => undefined);
        await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
        const port = (server.address() as AddressInfo).port;
        resolve = [...names.map((n) => `--resolve=${n}=127.0.0.1:${port}`),
            `--resolve=www.google-analytics.com=127.0.0.1:${(closed.address() as AddressInfo).port}`, "--resolve=elsewhere.test=127.0.0.1:1"];
    });
    after(() => {
        server?.close();
        closed?.close();
    });

    it("reports every third-party host of the start page and the same-site pages it links, with what China does and the treatment", async () => {
        const r = await scan("https://site.test/", ...resolve, "--ca", tls.caFile, "--pages", "3", "--json");
        assert.equal(r.code, 0, r.stderr);
        type Reported = { host: string; requests: number; bytes: number; blocked: string; treatment: string };
        const hosts: Record<string, Omit<Reported, "host">> = Object.fromEntries((JSON.parse(r.stdout).hosts as Reported[]).map(({ host, ...rest }) => [host, rest]));
        assert.deepEqual(hosts["fonts.googleapis.com"], { requests: 1, bytes: CSS.length, blocked: "blocked", treatment: "relay" });
        assert.deepEqual(hosts["fonts.gstatic.com"], { requests: 1, bytes: 64, blocked: "blocked", treatment: "relay" });
        assert.deepEqual(hosts["cdn.jsdelivr.net"], { requests: 1, bytes: JS.length, blocked: "unreliable", treatment: "relay" });
        assert.deepEqual(hosts["ajax.googleapis.com"], { requests: 1, bytes: JS.length, blocked: "blocked", treatment: "relay" }, "from the linked page");
        assert.deepEqual(hosts["cdn.unknown-vendor.test"], { requests: 1, bytes: PNG.length, blocked: "unknown", treatment: "unknown" });
        assert.equal(hosts["www.google-analytics.com"].blocked, "blocked");
        assert.equal(hosts["www.google-analytics.com"].bytes, 0, "no answer from a host that never answers");
        assert.deepEqual(["site.test", "www.site.test", "static.site.test"].filter((h) => hosts[h]), [], "the site's own names are no third party");
        assert.equal(hosts["elsewhere.test"], undefined, "a page on another host is not visited");
        assert.match(r.stderr, /scan: https:\/\/www\.site\.test\/about/, "a page on another name of the site is visited");
        assert.match(r.stderr, /had not finished loading after 10 s/, "the host that never answers holds the page, and the scan says so");
    });

    it("prints a table and names the hosts the table does not know; --pages 0 stays on the start page", async () => {
        const r = await scan("https://site.test/", ...resolve, "--ca", tls.caFile, "--pages", "0");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^1 page of https:\/\/site\.test\/: \d+ third-party hosts/);
        assert.match(r.stdout, /fonts\.googleapis\.com +1 +\d+ +blocked +relay/);
        assert.doesNotMatch(r.stdout, /ajax\.googleapis\.com/);
        assert.match(r.stdout, /not in the table \(components\/thirdParty\/hosts\.ts\): cdn\.unknown-vendor\.test/);
        assert.match(r.stdout, /add to china-edge:thirdParty: "cdn\.unknown-vendor\.test=relay"/);
    });

    it("exits 2 with the usage for bad arguments, and for a site that does not answer", async () => {
        for (const [args, message] of [
            [[], /the site's URL is missing/],
            [["site.test"], /is not a URL/],
            [["https://site.test/", "--resolve", "site.test:443"], /--resolve "site\.test:443": expected HOST=IP:PORT/],
            [["https://site.test/", "--pages=-1"], /--pages "-1": expected a whole number/],
        ] as [string[], RegExp][]) {
            const r = await scan(...args);
            assert.equal(r.code, 2, args.join(" "));
            assert.match(r.stderr, message);
            assert.match(r.stderr, /usage: npm run scan/);
        }
        const r = await scan("https://site.test/", "--resolve", "site.test=127.0.0.1:1", "--ca", tls.caFile);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /https:\/\/site\.test\/ did not answer/);
    });
});
