// The origin proxy's relay of third-party hosts, for real: the rendered nginx.conf and Lua module in Debian's nginx,
// stand-ins of the third parties on loopback (one that never answers, one that refuses connections), curl as the edge.
import { strict as assert } from "assert";
import { ChildProcess, execFile, spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { renderOriginNginx } from "../../components/render/originProxy/originNginx";
import { renderConversionModule } from "../../components/render/originProxy/conversionModule";
import { thirdParties } from "../../components/thirdParty/hosts";
import { originInput } from "../render/inputs";
import { readIf } from "../helpers";
import { requireTools } from "../render/tools";
import { TestTls, makeTls } from "../tls";

const CSS = "@font-face { font-family: Lab; src: url(https://fonts.gstatic.com/s/lab.woff2) format('woff2'); }\n" +
    "@import url(\"//fonts.gstatic.com/s/more.css\");\n";
const JS = "/* names https://cdn.jsdelivr.net/npm/other on purpose: bytes stay as they are */ window.lib = 1;\n";

describe("relay: third-party hosts served under the public name by the origin proxy's nginx", function () {
    this.timeout(60_000);
    let tls: TestTls;
    let dir: string;
    let stand: https.Server;
    let silent: net.Server;
    let nginx: ChildProcess | undefined;
    let port = 0;
    const asked: { host: string; url: string; method: string; headers: Record<string, unknown> }[] = [];

    before(async function () {
        requireTools(this, "nginx", "curl", "openssl");
        tls = makeTls(["example.cn", "fonts.googleapis.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "www.google-analytics.com", "cdnjs.cloudflare.com"]);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "china-edge-relay-"));
        fs.chmodSync(dir, 0o755);
        stand = https.createServer({ cert: tls.certificate, key: tls.privateKey }, (req, res): void => {
            const host = String(req.headers.host ?? "");
            asked.push({ host, url: req.url ?? "", method: req.method ?? "", headers: req.headers });
            const cookie = { "set-cookie": "tracker=1; Domain=.google.com" };
            if (req.url === "/hang") {
                return; // never answers
            }
            if (req.url === "/moved") {
                res.writeHead(302, { location: "https://fonts.gstatic.com/s/lab.woff2" });
                res.end();
                return;
            }
            if (req.url === "/relative") {
                res.writeHead(301, { location: "/npm/lib@1.2.3/lib.js" });
                res.end();
                return;
            }
            if (req.url === "/page.html") {
                res.writeHead(200, { "content-type": "text/html", ...cookie });
                res.end("<script>document.cookie</script>");
                return;
            }
            if (req.url === "/echo") {
                res.writeHead(200, { "content-type": "application/json", ...cookie });
                res.end(JSON.stringify(req.headers));
                return;
            }
            const body = host === "fonts.googleapis.com" ? CSS : JS;
            res.writeHead(200, { "content-type": host === "fonts.googleapis.com" ? "text/css; charset=utf-8" : "application/javascript", "cache-control": "max-age=60", ...cookie });
            res.end(body);
        });
        await new Promise<void>((r) => stand.listen(0, "127.0.0.1", r));
        silent = net.createServer(() => undefined);
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
        const standIn = `127.0.0.1:${(stand.address() as AddressInfo).port}`;
        port = await freePort();
        const input = originInput(dir, {
            thirdParty: thirdParties([{ host: "www.youtube.com", treatment: "drop" }]),
            relayAddresses: {
                "fonts.googleapis.com": standIn, "fonts.gstatic.com": standIn, "cdn.jsdelivr.net": standIn, "www.google-analytics.com": standIn,
                "ajax.googleapis.com": `127.0.0.1:${(silent.address() as AddressInfo).port}`, "cdnjs.cloudflare.com": "127.0.0.1:1",
            },
            resolvers: ["127.0.0.1"],
            listen: { address: "127.0.0.1", port },
            httpPort: undefined,
        });
        input.paths = { ...input.paths, caBundle: tls.caFile };
        fs.copyFileSync(tls.certFile, input.paths.certificate);
        fs.copyFileSync(tls.keyFile, input.paths.privateKey);
        fs.writeFileSync(input.paths.conversionModule, renderConversionModule({ hosts: input.hosts, thirdParty: input.thirdParty }));
        const conf = path.join(dir, "nginx.conf");
        fs.writeFileSync(conf, renderOriginNginx(input));
        nginx = spawn("nginx", ["-p", `${dir}/`, "-c", conf, "-e", path.join(dir, "startup.log"), "-g", "daemon off;"], { stdio: "ignore" });
        const until = Date.now() + 10_000;
        while (!(await open(port))) {
            if (Date.now() > until || nginx.exitCode !== null) {
                throw new Error(`nginx did not start: ${readIf(path.join(dir, "startup.log"))}${readIf(path.join(dir, "error.log"))}`);
            }
            await new Promise((r) => setTimeout(r, 100));
        }
    });
    after(() => {
        nginx?.kill("SIGTERM");
        stand?.close();
        silent?.close();
    });

    /** A request as the edge sends it (PROXY protocol, the public name), with curl. */
    async function get(urlPath: string, ...args: string[]): Promise<{ status: number; headers: string; body: string; seconds: number }> {
        const out = path.join(dir, "body");
        const stdout = await new Promise<string>((resolve) => execFile("curl", ["-s", "-o", out, "-D", "-", "-w", "%{http_code} %{time_total}", "--max-time", "20",
            "--haproxy-protocol", "--cacert", tls.caFile, "--resolve", `example.cn:${port}:127.0.0.1`, ...args, `https://example.cn:${port}${urlPath}`],
        { encoding: "utf8" }, (_err, text) => resolve(text)));
        const [status, seconds] = stdout.slice(stdout.lastIndexOf("\n") + 1).split(" ");
        return { status: Number(status), headers: stdout.toLowerCase(), body: readIf(out), seconds: Number(seconds) };
    }

    it("relays a stylesheet with the third parties it names pointed at their relay path, and a script byte for byte", async () => {
        const css = await get("/_ext/fonts.googleapis.com/css2?family=Lab");
        assert.equal(css.status, 200);
        assert.equal(css.body, CSS.replace(/\/\/fonts\.gstatic\.com/g, "//example.cn/_ext/fonts.gstatic.com"));
        const js = await get("/_ext/cdn.jsdelivr.net/npm/lib@1/lib.js");
        assert.equal(js.status, 200);
        assert.equal(createHash("sha384").update(js.body).digest("base64"), createHash("sha384").update(JS).digest("base64"), "integrity stays valid");
        assert.match(js.headers, /x-content-type-options: nosniff/);
        assert.match(js.headers, /content-security-policy: default-src 'none'; style-src 'unsafe-inline'; sandbox/);
        assert.deepEqual(asked.filter((a) => a.url === "/css2?family=Lab").map((a) => a.host), ["fonts.googleapis.com"], "the host's own name, path and query");
    });

    it("never forwards the visitor's cookies, credentials or address, and never returns a third party's cookie", async () => {
        const r = await get("/_ext/cdn.jsdelivr.net/echo", "-H", "Cookie: session=secret", "-H", "Authorization: Bearer secret", "-H", "X-Forwarded-For: 203.0.113.9");
        assert.equal(r.status, 200);
        const seen = JSON.parse(r.body) as Record<string, string>;
        assert.deepEqual(["cookie", "authorization", "x-forwarded-for", "x-real-ip"].filter((h) => h in seen), []);
        assert.equal(seen.host, "cdn.jsdelivr.net");
        assert.doesNotMatch(r.headers, /set-cookie/);
    });

    it("relays GET and HEAD, POST only where the host's entry allows it", async () => {
        assert.equal((await get("/_ext/cdn.jsdelivr.net/npm/a.js", "-I")).status, 200);
        assert.equal((await get("/_ext/cdn.jsdelivr.net/npm/a.js", "-X", "POST", "-d", "x=1")).status, 405);
        assert.equal((await get("/_ext/www.google-analytics.com/g/collect", "-X", "POST", "-d", "v=2")).status, 200);
    });

    it("refuses HTML from a relayed host: it would run as the site's own origin", async () => {
        const r = await get("/_ext/cdn.jsdelivr.net/page.html");
        assert.equal(r.status, 403);
        assert.match(r.headers, /content-type: text\/plain/);
        assert.doesNotMatch(r.body, /<script>/);
        assert.match(r.body, /cdn\.jsdelivr\.net answered text\/html/);
    });

    it("keeps a third party's redirects on the relay", async () => {
        assert.match((await get("/_ext/fonts.googleapis.com/moved")).headers, /location: \/_ext\/fonts\.gstatic\.com\/s\/lab\.woff2/);
        assert.match((await get("/_ext/cdn.jsdelivr.net/relative")).headers, /location: \/_ext\/cdn\.jsdelivr\.net\/npm\/lib@1\.2\.3\/lib\.js/);
    });

    it("answers within seconds when a host refuses connections or never answers, never a hang", async () => {
        const refused = await get("/_ext/cdnjs.cloudflare.com/ajax/libs/x.js");
        assert.equal(refused.status, 502);
        assert.match(refused.body, /cdnjs\.cloudflare\.com could not be reached/);
        const hung = await get("/_ext/ajax.googleapis.com/ajax/libs/x.js");
        assert.equal(hung.status, 504);
        assert.ok(hung.seconds < 15, `answered after ${hung.seconds} s`);
    });

    it("answers a dropped host empty at once, and a host that is not relayed with 404", async () => {
        assert.equal((await get("/_ext/www.youtube.com/iframe_api")).status, 204);
        assert.equal((await get("/_ext/evil.example.net/x.js")).status, 404);
        assert.equal((await get("/_ext/www.youtube.com/iframe_api")).body, "");
    });

    it("serves a repeated request from its cache", async () => {
        const count = () => asked.filter((a) => a.url === "/npm/cached.js").length;
        assert.equal((await get("/_ext/cdn.jsdelivr.net/npm/cached.js")).status, 200);
        assert.equal((await get("/_ext/cdn.jsdelivr.net/npm/cached.js")).status, 200);
        assert.equal(count(), 1);
    });
});

function open(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.connect({ host: "127.0.0.1", port });
        s.once("connect", () => { s.destroy(); resolve(true); });
        s.once("error", () => resolve(false));
    });
}

function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const s = net.createServer();
        s.listen(0, "127.0.0.1", () => {
            const { port } = s.address() as AddressInfo;
            s.close(() => resolve(port));
        });
    });
}
