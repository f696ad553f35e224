// The lab's sample origin: an HTTPS site that behaves like a typical one under its own name (example.com): gzip,
// precompressed files sent encoded whatever was asked, redirects (a sign-in's with its return URL), cookies with a
// domain, CORS, CSP headers, HTML/JS/CSS/JSON/XML/SVG full of absolute URLs (escaped every way state is written), a
// header echo, a WebSocket echo that checks the Origin, and a modern app under /app/ (sampleApp.ts). Run as its own
// process (in the origin's namespace):
//   node -r ts-node/register/transpile-only harness/lab/sampleOrigin.ts --listen ADDR:PORT --cert F --key F --domain D
import * as fs from "fs";
import * as https from "https";
import { TLSSocket } from "tls";
import { parseArgs } from "util";
import * as zlib from "zlib";
import { WebSocketServer } from "ws";
import { sampleApp } from "./sampleApp";

/** The integrity of a third-party script on the sample's home page: the proxy converts nothing there, so it stays. */
export const THIRD_PARTY_INTEGRITY = "sha384-1H217gwSVyLSIfaLxHbE7dRb3v4mYCKbpQvzx0cegeju1MVsGrX5xXxAvs/HgeFs";

/** The pages of a site named `domain`; each names the site, its subdomains and third parties by absolute URL. */
export function samplePages(domain: string): Record<string, { type: string; body: string }> {
    const site = `https://${domain}`;
    return {
        "/": {
            type: "text/html; charset=utf-8",
            body: `<!doctype html>
<html><head><title>${domain}</title>
<link rel="stylesheet" href="${site}/style.css">
<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">
<script src="https://ajax.googleapis.com/ajax/libs/jquery/3.7.1/jquery.min.js" integrity="${THIRD_PARTY_INTEGRITY}" crossorigin="anonymous"></script>
<script src="//www.${domain}/app.js" integrity="sha384-first-party" crossorigin="anonymous"></script>
<script src="https://cdn.${domain}/vendor.js"></script>
<script src="https://www.google.com/recaptcha/api.js" async defer></script>
</head><body>
<a href="https://www.google.com/maps">Map</a>
<a href="${site}/about">About</a> <a href="https://www.${domain}/shop?from=${encodeURIComponent(site + "/")}">Shop</a>
<a href="mailto:admin@${domain}">admin@${domain}</a>
<script>var config = {"api":"https:\\/\\/${domain}\\/api","ws":"wss://${domain}/ws"};</script>
<script>window.__NUXT__={"api":"https:\\u002F\\u002F${domain}\\u002Fapi","cdn":"https:\\u002f\\u002fwww.${domain}\\u002fcdn","img":"https:\\x2F\\x2Fwww.${domain}\\x2Fimg"};</script>
<p>${"Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(40)}</p>
</body></html>
`,
        },
        "/app.js": {
            type: "application/javascript",
            body: `const API = "${site}/api";\nconst WS = "wss://${domain}/ws";\nfetch("https://www.${domain}/data.json");\n`,
        },
        "/style.css": {
            type: "text/css",
            body: `body { background: url("${site}/bg.png"); }\n@import url("//www.${domain}/more.css");\n`,
        },
        "/data.json": {
            type: "application/json",
            body: JSON.stringify({ self: `${site}/data.json`, next: `https://www.${domain}/data.json?page=2`, mail: `ops@${domain}` }) + "\n",
        },
        "/feed.xml": {
            type: "application/rss+xml",
            body: `<?xml version="1.0"?><rss><channel><link>${site}/</link><item><link>${site}/post/1</link></item></channel></rss>\n`,
        },
        "/logo.svg": {
            type: "image/svg+xml",
            body: `<svg xmlns="http://www.w3.org/2000/svg"><image href="${site}/logo.png"/></svg>\n`,
        },
    };
}

/**
 * The origin's CSP: several occurrences of its names (one in capitals), a subdomain the proxy does not serve, a
 * relayed third party, reCAPTCHA's frames, and look-alikes of its name.
 */
export function sampleCsp(domain: string): string {
    return `default-src 'self' https://${domain} https://*.${domain}; connect-src wss://${domain} https://www.${domain}; ` +
        `img-src https://cdn.${domain}; font-src https://fonts.googleapis.com; frame-src https://www.google.com/recaptcha/; ` +
        `frame-ancestors https://${domain}.evil.net https://not${domain} ${domain.toUpperCase()}; report-uri https://${domain}/csp`;
}

/** Size of /precompressed/big.js before compression: many of the proxy's chunks. */
export const BIG_PRECOMPRESSED_BYTES = 2_000_000;

/**
 * Files the origin sends compressed whatever the client asked, by path: gzip, brotli, and one that says gzip and is
 * not (`broken`).
 */
export const PRECOMPRESSED: Record<string, { type: string; encoding: "gzip" | "br" | "broken"; body(domain: string): string }> = {
    "/precompressed/app.js": { type: "application/javascript", encoding: "gzip", body: (d) => `const API = "https://${d}/api";\n` },
    "/precompressed/app.css": { type: "text/css", encoding: "br", body: (d) => `body { background: url("https://www.${d}/bg.png"); }\n` },
    "/precompressed/big.js": {
        type: "application/javascript", encoding: "gzip",
        body: (d) => {
            const line = (i: number) => `fetch("https://${d}/item/${i}");\n`;
            const lines: string[] = [];
            for (let i = 0, size = 0; size < BIG_PRECOMPRESSED_BYTES; i++) {
                lines.push(line(i));
                size += lines[i].length;
            }
            return lines.join("");
        },
    },
    "/precompressed/broken.js": { type: "application/javascript", encoding: "broken", body: (d) => `const API = "https://${d}/api";\n`.repeat(100) },
};

/** Content type of /echo. */
export const ECHO_TYPE = "application/vnd.china-edge.echo+json";

function send(req: import("http").IncomingMessage, res: import("http").ServerResponse, status: number, type: string, body: string): void {
    const headers: Record<string, string> = { "Content-Type": type, Vary: "Accept-Encoding" };
    let payload: Buffer = Buffer.from(body);
    if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? "")) && payload.length > 128) {
        payload = zlib.gzipSync(payload);
        headers["Content-Encoding"] = "gzip";
    }
    res.writeHead(status, { ...headers, "Content-Length": String(payload.length) });
    res.end(payload);
}

export function sampleOrigin(domain: string, cert: string, key: string): https.Server {
    const pages = samplePages(domain);
    const site = `https://${domain}`;
    const app = sampleApp(domain);
    const server = https.createServer({ cert, key }, (req, res) => {
        const url = new URL(req.url ?? "/", site);
        if (app.handle(req, res, url)) {
            return;
        }
        const page = pages[url.pathname];
        const precompressed = PRECOMPRESSED[url.pathname];
        if (precompressed) {
            // A precompressed file, sent encoded whatever the client asked (gzip_static always, object stores).
            const body = precompressed.body(domain);
            const encoded = precompressed.encoding === "br" ? zlib.brotliCompressSync(body) : precompressed.encoding === "gzip" ? zlib.gzipSync(body) : Buffer.from(body);
            res.writeHead(200, { "Content-Type": precompressed.type, "Content-Encoding": precompressed.encoding === "broken" ? "gzip" : precompressed.encoding, "Content-Length": String(encoded.length) });
            return res.end(encoded);
        }
        if (page) {
            if (page.type.startsWith("text/html")) {
                res.setHeader("Content-Security-Policy", sampleCsp(domain));
                res.setHeader("Content-Security-Policy-Report-Only", `script-src https://${domain}; report-uri https://${domain}/csp`);
            }
            return send(req, res, 200, page.type, page.body);
        }
        switch (url.pathname) {
        case "/login":
            res.setHeader("Set-Cookie", [`sid=abc123; Domain=${domain}; Path=/; Secure; HttpOnly`, `pref=1; Domain=.${domain}; Path=/`]);
            res.writeHead(302, { Location: `${site}/account?welcome=1`, Refresh: `0; url=${site}/account` });
            return res.end();
        case "/signin": {
            // A sign-in flow's redirect: the page to return to rides in the query, URL-encoded.
            const back = `?return_to=${encodeURIComponent(`${site}/dash`)}`;
            res.writeHead(302, { Location: `${site}/login${back}`, Refresh: `0; url=/login${back}`, "Content-Location": `/signin${back}` });
            return res.end();
        }
        case "/api/cors": {
            const origin = String(req.headers.origin ?? "");
            res.setHeader("Access-Control-Allow-Origin", origin === site || origin === `https://www.${domain}` ? origin : site);
            res.setHeader("Vary", "Origin");
            return send(req, res, 200, "application/json", JSON.stringify({ ok: true }) + "\n");
        }
        case "/echo":
            // A type the origin proxy does not convert: the test reads what the origin saw, not its conversion.
            return send(req, res, 200, ECHO_TYPE, JSON.stringify({
                method: req.method,
                url: req.url,
                headers: req.headers,
                servername: (req.socket as TLSSocket).servername ?? null,
                remoteAddress: req.socket.remoteAddress,
            }) + "\n");
        case "/self":
            // Links built from the Host the request names, as many apps write them.
            return send(req, res, 200, "text/html", `<a href="https://${req.headers.host}/next">next</a> <script>var host = "${req.headers.host}";</script>\n`);
        case "/healthz":
            return send(req, res, 200, "text/plain", "ok\n");
        default:
            return send(req, res, 404, "text/plain", `no page ${url.pathname} on ${domain}\n`);
        }
    });
    server.keepAliveTimeout = 75_000;
    server.headersTimeout = 80_000;
    server.maxConnections = 60_000;
    // A browser's WebSocket must come from one of the site's own names, as real sites check (clients without Origin pass).
    const own = new Set([site, `https://www.${domain}`]);
    const wss = new WebSocketServer({
        server, path: "/ws", perMessageDeflate: false,
        verifyClient: ({ origin }: { origin?: string }) => !origin || own.has(origin),
    });
    wss.on("connection", (ws) => ws.on("message", (data, binary) => ws.send(data, { binary })));
    return server;
}

function main(): void {
    const { values } = parseArgs({
        options: {
            listen: { type: "string" }, cert: { type: "string" }, key: { type: "string" }, domain: { type: "string" },
        },
    });
    const [host, port] = (values.listen ?? "").split(/:(?=\d+$)/);
    const server = sampleOrigin(values.domain ?? "example.com", fs.readFileSync(values.cert!, "utf8"), fs.readFileSync(values.key!, "utf8"));
    server.listen({ host, port: Number(port), backlog: 4096 }, () => process.stdout.write(`ready ${values.listen}\n`));
    process.on("SIGTERM", () => process.exit(0));
}

if (require.main === module) {
    main();
}
