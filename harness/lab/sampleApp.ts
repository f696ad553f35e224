// The sample origin's modern app under /app/, written the way sites are: absolute URLs of its own names everywhere,
// module scripts and a dynamic import, srcset, @font-face, Link preloads, escaped JSON data, a login cookie for the
// whole domain, a credentialed CORS call to another of its names, a form post answered by a redirect, a WebSocket,
// server-sent events, NDJSON, a script with Subresource Integrity, state with escaped slashes, a sign-in redirect
// carrying its return URL, files sent compressed whatever was asked, and a strict CSP naming the site a dozen times.
// Its in-page checks (main.js) compare every URL with the page's own location, never with a written name, so a name
// the proxy fails to convert fails a check. Results land in `window.appResults`, then `window.appDone` is true.
import { createHash } from "crypto";
import * as fs from "fs";
import * as zlib from "zlib";
import type { IncomingMessage, ServerResponse } from "http";

/** Fonts the app's @font-face may serve (the first that exists); Debian's chromium pulls in one of them. */
export const FONT_FILES = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"];

/**
 * A body naming the site in every form a body writes it, each on its line, the last without its closing quote; what
 * is not a served name (another subdomain, an address) among them.
 */
export function trickleBody(domain: string): string {
    return [`a //${domain}/x`, `b \\/\\/www.${domain}\\/y`, `c %2f%2f${domain.toUpperCase()}%2F`, `d \\u002F\\u002Fwww.${domain}`,
        `e \\x2f\\x2f${domain}`, `f "${domain}"`, `g 'www.${domain}'`, `h "cdn.${domain}"`, `i //cdn.${domain}/`, `j ops@${domain}`,
        `k "${domain}" "www.${domain}"`, `l "${domain}`].join("\n");
}

/** Interval between the events of the app's streams, ms. */
export const STREAM_INTERVAL_MS = 300;
const STREAM_EVENTS = 3;
/** How long one in-page check may take before it fails. */
const CHECK_TIMEOUT_MS = 5_000;

/** The in-page checks the app runs, by name, in order. */
export const APP_CHECKS = [
    "static import by absolute URL", "dynamic import from another served name", "stylesheet", "@font-face", "srcset",
    "Link preload", "escaped JSON data and Content-Location", "login cookie for the whole domain", "credentialed CORS with a preflight",
    "form post answered by a redirect", "WebSocket with an Origin check", "server-sent events as they are sent",
    "NDJSON as it is sent", "Subresource Integrity on a converted script", "Timing-Allow-Origin",
    "state with escaped slashes (\\u002F, \\x2F)", "sign-in returning to the page it came from", "files the origin sends compressed anyway",
    "no CSP violation",
];

/** A file of the app; `encoding`: sent compressed so whatever the browser asked (precompressed, gzip_static always). */
interface AppFile {
    type: string;
    body: string;
    headers?: Record<string, string>;
    encoding?: "gzip" | "br";
}

function files(domain: string): Record<string, AppFile> {
    const site = `https://${domain}`;
    const www = `https://www.${domain}`;
    const sri = `window.sriLoaded = "${site}/app/sri";\n`;
    const integrity = `sha384-${createHash("sha384").update(sri).digest("base64")}`;
    return {
        "/app/": {
            type: "text/html; charset=utf-8",
            headers: {
                "Content-Security-Policy": [
                    "default-src 'none'", `script-src ${site} ${www}`, `style-src ${site}`, `font-src ${site}`, `img-src ${site} ${www}`,
                    `connect-src ${site} ${www} wss://${domain}`, `form-action ${site}`, `frame-src ${site}`, "base-uri 'none'",
                    `report-uri ${site}/app/csp-report`, "report-to csp",
                ].join("; "),
                "Reporting-Endpoints": `csp="${site}/app/csp-report"`,
                "Report-To": JSON.stringify({ group: "csp", max_age: 86400, endpoints: [{ url: `${site}/app/csp-report` }] }),
            },
            body: `<!doctype html>
<html><head><meta charset="utf-8"><title>china-edge lab app</title>
<link rel="icon" href="${site}/app/img-1x.svg">
<link rel="stylesheet" href="${site}/app/style.css">
<script src="${site}/app/sri.js" integrity="${integrity}" crossorigin="anonymous"></script>
<script type="module" src="${site}/app/main.js"></script>
<script src="${site}/app/state.js"></script>
<script src="${site}/app/precompressed.js"></script>
<script type="application/json" id="state">{"api":"https:\\u002F\\u002F${domain}\\u002Fapp\\u002Fapi"}</script>
</head><body>
<img id="img" alt="" srcset="${site}/app/img-1x.svg 1x, ${www}/app/img-2x.svg 2x" src="${site}/app/img-1x.svg">
<form id="form" method="post" action="${site}/app/form" target="frame"><input name="x" value="42"></form>
<iframe name="frame" id="frame" title="form answer"></iframe>
<p class="lab-font">china-edge</p>
</body></html>
`,
        },
        "/app/checks.js": {
            type: "text/javascript",
            body: `export const self = import.meta.url;
export const results = {};
export async function check(name, test) {
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error("no answer in ${CHECK_TIMEOUT_MS} ms")), ${CHECK_TIMEOUT_MS}));
    try {
        await Promise.race([test(), late]);
        results[name] = "ok";
    } catch (e) {
        results[name] = String(e && e.message || e);
    }
}
export function expect(condition, what) {
    if (!condition) throw new Error(what);
}
`,
        },
        "/app/main.js": {
            type: "text/javascript",
            body: `import { check, expect, results, self } from "${site}/app/checks.js";

const HOST = location.host;
const WWW = "www." + HOST;
const host = (url) => new URL(url, location.href).host;
const ours = (url) => host(url) === HOST || host(url) === WWW;
const violations = [];
document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective + " " + e.blockedURI));

async function stream(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = "", first;
    for (;;) {
        const { value, done } = await reader.read();
        if (done) return { text, spread: performance.now() - first };
        first ??= performance.now();
        text += value;
    }
}

await check("static import by absolute URL", () => expect(host(self) === HOST, self));
await check("dynamic import from another served name", async () => {
    const lazy = await import("${www}/app/lazy.js");
    expect(host(lazy.where) === WWW, lazy.where);
});
await check("stylesheet", () => {
    const color = getComputedStyle(document.body).backgroundColor;
    expect(color === "rgb(1, 2, 3)", color);
});
await check("@font-face", async () => {
    const faces = await document.fonts.load("16px LabFont");
    expect(faces.length === 1, "LabFont did not load");
});
await check("srcset", async () => {
    const img = document.getElementById("img");
    await img.decode();
    expect(img.naturalWidth > 0 && ours(img.currentSrc), img.currentSrc);
});
await check("Link preload", async () => {
    for (let i = 0; i < 50 && !performance.getEntriesByName(location.origin + "/app/preload.json").length; i++) {
        await new Promise((r) => setTimeout(r, 20));
    }
    const entry = performance.getEntriesByName(location.origin + "/app/preload.json")[0];
    expect(entry && entry.initiatorType === "link", "nothing preloaded from " + location.origin);
});
await check("escaped JSON data and Content-Location", async () => {
    const response = await fetch("${site}/app/data.json");
    const data = await response.json();
    expect(data.links.length === 2 && data.links.every(ours), JSON.stringify(data));
    expect(host(response.headers.get("Content-Location")) === HOST, response.headers.get("Content-Location"));
});
await check("login cookie for the whole domain", async () => {
    const response = await fetch("${site}/app/login", { method: "POST" });
    expect(response.ok && document.cookie.includes("theme=dark"), "cookies: " + document.cookie);
});
await check("credentialed CORS with a preflight", async () => {
    const response = await fetch("${www}/app/api/whoami", { credentials: "include", headers: { "X-Requested-With": "china-edge-lab" } });
    const seen = await response.json();
    expect(seen.session === "s3cr3t", JSON.stringify(seen));
});
await check("form post answered by a redirect", () => new Promise((resolve, reject) => {
    const frame = document.getElementById("frame");
    frame.addEventListener("load", () => {
        try {
            expect(frame.contentDocument.body.textContent.includes("thanks 42"), frame.contentDocument.body.textContent);
            resolve();
        } catch (e) {
            reject(e);
        }
    }, { once: true });
    document.getElementById("form").submit();
}));
await check("WebSocket with an Origin check", () => new Promise((resolve, reject) => {
    const ws = new WebSocket("wss://${domain}/ws");
    ws.onopen = () => ws.send("ping");
    ws.onmessage = (m) => {
        ws.close();
        m.data === "ping" && host(ws.url) === HOST ? resolve() : reject(new Error(ws.url + " " + m.data));
    };
    ws.onerror = () => reject(new Error("WebSocket error"));
}));
await check("server-sent events as they are sent", () => new Promise((resolve, reject) => {
    const events = new EventSource("${site}/app/events");
    const got = [];
    events.onmessage = (m) => {
        got.push({ at: performance.now(), url: JSON.parse(m.data).url });
        if (got.length < ${STREAM_EVENTS}) return;
        events.close();
        const spread = got[got.length - 1].at - got[0].at;
        got.every((e) => host(e.url) === HOST) && spread >= ${STREAM_INTERVAL_MS} ? resolve() : reject(new Error(spread + " ms " + JSON.stringify(got)));
    };
    events.onerror = () => { events.close(); reject(new Error("event stream error after " + got.length)); };
}));
await check("NDJSON as it is sent", async () => {
    const { text, spread } = await stream(await fetch("${site}/app/stream.ndjson"));
    const lines = text.trim().split("\\n").map((l) => JSON.parse(l));
    expect(lines.length === ${STREAM_EVENTS} && lines.every((l) => host(l.url) === HOST) && spread >= ${STREAM_INTERVAL_MS}, spread + " ms " + text);
});
await check("Subresource Integrity on a converted script", () => expect(window.sriLoaded === location.origin + "/app/sri", String(window.sriLoaded)));
await check("Timing-Allow-Origin", () => {
    const entry = performance.getEntriesByName("${www}/app/lazy.js")[0];
    expect(entry && entry.responseStart > 0, "no timing for the other name's script");
});
await check("state with escaped slashes (\\\\u002F, \\\\x2F)", () => {
    const data = JSON.parse(document.getElementById("state").textContent);
    expect(host(data.api) === HOST, data.api);
    expect(host(window.__STATE__.api) === HOST && host(window.__STATE__.www) === WWW, JSON.stringify(window.__STATE__));
});
await check("sign-in returning to the page it came from", async () => {
    const response = await fetch("${site}/app/signin");
    const back = new URL(response.url).searchParams.get("return_to");
    expect(response.ok && host(response.url) === HOST && host(back) === HOST, response.url);
});
await check("files the origin sends compressed anyway", async () => {
    expect(window.precompressed === location.origin + "/app/pre", String(window.precompressed));
    const data = await (await fetch("${site}/app/precompressed.json")).json();
    expect(host(data.url) === HOST, JSON.stringify(data));
});
await check("no CSP violation", () => expect(violations.length === 0, violations.join(", ")));
window.appResults = results;
window.appDone = true;
`,
        },
        "/app/lazy.js": { type: "text/javascript", body: "export const where = import.meta.url;\n" },
        "/app/style.css": {
            type: "text/css",
            body: `@font-face { font-family: LabFont; src: url("${site}/app/font.ttf") format("truetype"); }\n` +
                `body { background-color: rgb(1, 2, 3); color: white; }\n.lab-font { font-family: LabFont, sans-serif; }\n`,
        },
        "/app/img-1x.svg": { type: "image/svg+xml", body: `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>\n` },
        "/app/img-2x.svg": { type: "image/svg+xml", body: `<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="blue"/></svg>\n` },
        "/app/data.json": {
            type: "application/json",
            headers: { "Content-Location": `${site}/app/data.json` },
            // Escaped slashes, as PHP's json_encode and many serializers write them.
            body: JSON.stringify({ links: [`${site}/app/a`, `${www}/app/b`] }).replace(/\//g, "\\/") + "\n",
        },
        // Server-rendered state as serialize-javascript writes it: slashes escaped so no string can close the script.
        "/app/state.js": {
            type: "text/javascript",
            body: `window.__STATE__ = {"api":"https:\\u002F\\u002F${domain}\\u002Fapp\\u002Fapi","www":"https:\\x2F\\x2Fwww.${domain}\\x2Fapp\\x2Fb"};\n`,
        },
        "/app/precompressed.js": { type: "text/javascript", encoding: "gzip", body: `window.precompressed = "${site}/app/pre";\n` },
        "/app/precompressed.json": { type: "application/json", encoding: "br", body: `{"url":"${site}/app/pre"}\n` },
        "/app/signed-in": { type: "text/plain", body: "signed in\n" },
        "/app/preload.json": { type: "application/json", body: `{"preloaded":true}\n` },
        "/app/sri.js": { type: "text/javascript", body: sri },
        "/app/thanks": { type: "text/html; charset=utf-8", body: "<!doctype html><p>thanks {x}</p>\n" },
        "/app/third-party.html": { type: "text/html; charset=utf-8", body: thirdPartyPage(domain) },
    };
}

/** The app's answers for one origin; `handle` returns false for a path that is not the app's. */
/** The third-party scripts of the third-party page: each pushes its host onto `window.thirdParty` when it runs. */
export const THIRD_PARTY_SCRIPTS = [
    "https://ajax.googleapis.com/ajax/libs/lab/1/lab.js", "https://cdn.jsdelivr.net/npm/lab@1/lab.js",
    "https://cdnjs.cloudflare.com/ajax/libs/lab/1/lab.js", "https://www.gstatic.com/charts/loader.js",
    "https://www.googletagmanager.com/gtag/js?id=G-LAB",
];
/** Its images (each 1×1) and the Analytics hit it posts. */
export const THIRD_PARTY_IMAGES = ["https://www.gravatar.com/avatar/0?s=1", "https://secure.gravatar.com/avatar/0?s=1"];
export const THIRD_PARTY_COLLECT = "https://www.google-analytics.com/g/collect?v=2&tid=G-LAB";

/**
 * A page of the site that uses every host relayed by default, as sites write them: a Google Fonts stylesheet first
 * (render-blocking, naming fonts.gstatic.com), blocking scripts from the public CDNs, avatars, an Analytics hit.
 */
export function thirdPartyPage(domain: string): string {
    return `<!doctype html>
<html><head><meta charset="utf-8"><title>${domain} with third parties</title>
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Lab">
${THIRD_PARTY_SCRIPTS.map((src) => `<script src="${src}"></script>`).join("\n")}
</head><body>
<p style="font-family: Lab">china-edge, <a href="https://${domain}/app/">the app</a></p>
${THIRD_PARTY_IMAGES.map((src) => `<img alt="" src="${src}">`).join("\n")}
<script>window.collected = fetch("${THIRD_PARTY_COLLECT}", { method: "POST", body: "en=page_view" }).then((r) => r.status, (e) => String(e));</script>
</body></html>
`;
}

export function sampleApp(domain: string): { handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean; integrity: string } {
    const site = `https://${domain}`;
    const own = new Set([site, `https://www.${domain}`]);
    const pages = files(domain);
    const font = FONT_FILES.find((f) => fs.existsSync(f));
    const reports: string[] = [];
    const cors = (req: IncomingMessage): Record<string, string> => {
        const origin = String(req.headers.origin ?? "");
        return own.has(origin) ? { "Access-Control-Allow-Origin": origin, "Timing-Allow-Origin": origin, Vary: "Origin" } : {};
    };
    const streamed = (res: ServerResponse, type: string, line: (n: number) => string) => {
        res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache" });
        let n = 0;
        const next = () => {
            res.write(line(n));
            n += 1;
            if (n < STREAM_EVENTS) {
                setTimeout(next, STREAM_INTERVAL_MS);
            } else {
                res.end();
            }
        };
        next();
    };
    return {
        integrity: /integrity="([^"]+)"/.exec(pages["/app/"].body)![1],
        handle(req, res, url) {
            const page = pages[url.pathname];
            if (page && req.method === "GET") {
                const body = url.pathname === "/app/thanks" ? page.body.replace("{x}", url.searchParams.get("x") ?? "") : page.body;
                const links = url.pathname === "/app/" ? {
                    Link: [`<${site}/app/style.css>; rel=preload; as=style`, `<${site}/app/preload.json>; rel=preload; as=fetch; crossorigin=anonymous`],
                } : {};
                const encoded = page.encoding === "br" ? zlib.brotliCompressSync(body) : page.encoding === "gzip" ? zlib.gzipSync(body) : body;
                res.writeHead(200, { "Content-Type": page.type, ...page.headers, ...cors(req), ...links, ...(page.encoding ? { "Content-Encoding": page.encoding } : {}) });
                res.end(encoded);
                return true;
            }
            switch (`${req.method} ${url.pathname}`) {
            case "GET /app/font.ttf":
                res.writeHead(font ? 200 : 404, { "Content-Type": "font/ttf" });
                res.end(font ? fs.readFileSync(font) : "");
                return true;
            case "GET /app/signin":
                // Signed in: back to where the visitor was, the page's URL encoded in the query.
                res.writeHead(302, { Location: `${site}/app/signed-in?return_to=${encodeURIComponent(`${site}/app/`)}` });
                res.end();
                return true;
            case "POST /app/login":
                res.writeHead(204, { "Set-Cookie": [`sid=s3cr3t; Domain=${domain}; Path=/; Secure; HttpOnly; SameSite=Lax`, `theme=dark; Domain=.${domain}; Path=/; Secure; SameSite=Lax`] });
                res.end();
                return true;
            case "OPTIONS /app/api/whoami":
                res.writeHead(204, { ...cors(req), "Access-Control-Allow-Credentials": "true", "Access-Control-Allow-Headers": "X-Requested-With", "Access-Control-Max-Age": "600" });
                res.end();
                return true;
            case "GET /app/api/whoami": {
                const session = /(?:^|;\s*)sid=([^;]+)/.exec(String(req.headers.cookie ?? ""))?.[1] ?? null;
                res.writeHead(200, { "Content-Type": "application/json", ...cors(req), "Access-Control-Allow-Credentials": "true" });
                res.end(JSON.stringify({ session, origin: req.headers.origin ?? null }) + "\n");
                return true;
            }
            case "POST /app/form": {
                let body = "";
                req.on("data", (c: Buffer) => { body += c.toString(); });
                req.on("end", () => {
                    res.writeHead(303, { Location: `${site}/app/thanks?x=${encodeURIComponent(new URLSearchParams(body).get("x") ?? "")}` });
                    res.end();
                });
                return true;
            }
            case "GET /app/trickle": {
                // Names in every written form, sent `slice` bytes at a time (0: at once): a name cut between chunks.
                const slice = Number(url.searchParams.get("slice") ?? "0");
                const body = Buffer.from(trickleBody(domain));
                res.writeHead(200, { "Content-Type": "text/plain" });
                let at = 0;
                const next = () => {
                    if (slice <= 0 || at >= body.length) {
                        res.end(slice <= 0 ? body : undefined);
                        return;
                    }
                    res.write(body.subarray(at, at + slice));
                    at += slice;
                    setTimeout(next, 2);
                };
                next();
                return true;
            }
            case "GET /app/events":
                streamed(res, "text/event-stream", (n) => `id: ${n}\ndata: ${JSON.stringify({ n, url: `${site}/app/item/${n}` })}\n\n`);
                return true;
            case "GET /app/stream.ndjson":
                streamed(res, "application/x-ndjson", (n) => JSON.stringify({ n, url: `${site}/app/item/${n}` }) + "\n");
                return true;
            case "POST /app/csp-report":
                req.on("data", (c: Buffer) => reports.push(c.toString()));
                req.on("end", () => { res.writeHead(204); res.end(); });
                return true;
            case "GET /app/csp-reports":
                res.writeHead(200, { "Content-Type": "application/vnd.china-edge.reports+json" });
                res.end(JSON.stringify(reports) + "\n");
                return true;
            default:
                return false;
            }
        },
    };
}
