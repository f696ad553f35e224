// Requests to the lab as a browser in China would make them: the public name for SNI and Host, connected to an
// edge's address, trusting the lab's CA; optionally from a given source address, over HTTP/2, accepting gzip.
import * as http from "http";
import * as http2 from "http2";
import * as https from "https";
import * as tls from "tls";
import * as zlib from "zlib";
import WebSocket from "ws";

export interface Endpoint {
    /** The name in the URL: SNI and Host. */
    host: string;
    /** Where to connect. */
    address: string;
    port: number;
    /** PEM of the CA that signed the certificate. */
    ca: string;
}

export interface RequestOptions {
    method?: string;
    headers?: Record<string, string>;
    /** Send Accept-Encoding: gzip (and decode the answer). */
    gzip?: boolean;
    http2?: boolean;
    /** Source address of the connection. */
    localAddress?: string;
    /** SNI and Host, when not the endpoint's name. */
    host?: string;
    timeoutMs?: number;
}

export interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    /** The body as the application sees it (decoded when it came compressed). */
    body: string;
    bytes: Buffer;
    /** When each piece of the body arrived, ms after the first. */
    arrivalsMs: number[];
    /** Content-Encoding as it came over the wire. */
    encoding?: string;
    httpVersion: string;
}

function decode(raw: Buffer, encoding: string | undefined): Buffer {
    return encoding === "gzip" ? zlib.gunzipSync(raw) : raw;
}

/** The body of a reply from its pieces and their arrival times. */
function body(chunks: Buffer[], times: number[], encoding: string | undefined): Pick<Reply, "body" | "bytes" | "arrivalsMs"> {
    const bytes = decode(Buffer.concat(chunks), encoding);
    return { body: bytes.toString(), bytes, arrivalsMs: times.map((t) => t - times[0]) };
}

function headersFor(options: RequestOptions): Record<string, string> {
    return { ...(options.gzip ? { "accept-encoding": "gzip" } : {}), ...options.headers };
}

function requestHttp1(ep: Endpoint, path: string, options: RequestOptions): Promise<Reply> {
    const host = options.host ?? ep.host;
    return new Promise((resolve, reject) => {
        const req = https.request({
            host: ep.address, port: ep.port, path, method: options.method ?? "GET", servername: host, ca: ep.ca,
            localAddress: options.localAddress, agent: false,
            headers: { host, ...headersFor(options) },
        }, (res) => {
            const chunks: Buffer[] = [];
            const times: number[] = [];
            res.on("data", (c: Buffer) => { chunks.push(c); times.push(performance.now()); });
            res.on("end", () => {
                const encoding = res.headers["content-encoding"];
                try {
                    resolve({ status: res.statusCode ?? 0, headers: res.headers, ...body(chunks, times, encoding), encoding, httpVersion: res.httpVersion });
                } catch (err) {
                    reject(err);
                }
            });
            res.on("error", reject);
        });
        req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new Error(`no answer from ${ep.address}:${ep.port} for ${host}${path}`)));
        req.on("error", reject);
        req.end();
    });
}

function requestHttp2(ep: Endpoint, path: string, options: RequestOptions): Promise<Reply> {
    const host = options.host ?? ep.host;
    return new Promise((resolve, reject) => {
        const session = http2.connect(`https://${host}`, {
            // tls.connect hands localAddress on to the TCP socket; its type does not list it.
            createConnection: () => tls.connect({ host: ep.address, port: ep.port, servername: host, ca: ep.ca, ALPNProtocols: ["h2"], localAddress: options.localAddress } as tls.ConnectionOptions),
        });
        session.on("error", reject);
        const stream = session.request({ ":method": options.method ?? "GET", ":path": path, ...headersFor(options) });
        const chunks: Buffer[] = [];
        const times: number[] = [];
        let headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader = {};
        stream.on("response", (h) => { headers = h; });
        stream.on("data", (c: Buffer) => { chunks.push(c); times.push(performance.now()); });
        stream.on("end", () => {
            session.close();
            const encoding = headers["content-encoding"] as string | undefined;
            try {
                resolve({ status: Number(headers[":status"]), headers: headers as http.IncomingHttpHeaders, ...body(chunks, times, encoding), encoding, httpVersion: "2.0" });
            } catch (err) {
                reject(err);
            }
        });
        stream.on("error", reject);
        stream.setTimeout(options.timeoutMs ?? 15_000, () => { session.destroy(); reject(new Error(`no HTTP/2 answer for ${host}${path}`)); });
        stream.end();
    });
}

/** One request on a new connection. */
export function request(ep: Endpoint, path: string, options: RequestOptions = {}): Promise<Reply> {
    return options.http2 ? requestHttp2(ep, path, options) : requestHttp1(ep, path, options);
}

/**
 * `text` (latin1: any byte, malformed on purpose) sent as is over TLS to the endpoint, which must close after
 * answering (send `Connection: close`): the answer's status and its header lines, lower-cased names.
 */
export function rawRequest(ep: Endpoint, text: string): Promise<{ status: number; head: string[] }> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: ep.address, port: ep.port, servername: ep.host, ca: ep.ca }, () => socket.end(Buffer.from(text, "latin1")));
        let answer = "";
        socket.setTimeout(10_000, () => socket.destroy(new Error("no answer in 10 s")));
        socket.on("data", (d: Buffer) => { answer += d.toString("latin1"); });
        socket.on("error", reject);
        socket.on("close", () => {
            const [statusLine, ...lines] = answer.split("\r\n\r\n")[0].split("\r\n");
            const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
            if (!status) {
                reject(new Error(`not an HTTP answer: ${JSON.stringify(answer.slice(0, 80))}`));
                return;
            }
            resolve({ status: Number(status), head: lines.map((l) => l.replace(/^[^:]+/, (n) => n.toLowerCase())) });
        });
    });
}

/** A WebSocket to wss://<host><path> through the endpoint; resolves once open. */
export function openWebSocket(ep: Endpoint, path: string, options: { localAddress?: string; timeoutMs?: number } = {}): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(`wss://${ep.host}${path}`, {
            ca: ep.ca,
            servername: ep.host,
            localAddress: options.localAddress,
            perMessageDeflate: false,
            handshakeTimeout: options.timeoutMs ?? 15_000,
            createConnection: (opts: tls.ConnectionOptions) => tls.connect({ ...opts, host: ep.address, port: ep.port }),
        } as WebSocket.ClientOptions);
        ws.once("open", () => resolve(ws));
        ws.once("error", reject);
        ws.once("unexpected-response", (_req, res) => reject(new Error(`WebSocket upgrade answered ${res.statusCode}`)));
    });
}

/** Sends `text` and waits for the same text back. */
export function echo(ws: WebSocket, text: string, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { ws.off("message", onMessage); reject(new Error("no echo")); }, timeoutMs);
        const onMessage = (data: WebSocket.RawData) => {
            if (data.toString() === text) {
                clearTimeout(timer);
                ws.off("message", onMessage);
                resolve();
            }
        };
        ws.on("message", onMessage);
        ws.send(text);
    });
}
