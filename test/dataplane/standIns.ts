// Stand-ins of the third-party hosts relayed by default and of the mirrors, on loopback, for the lab's --upstream: one HTTPS server
// answering as each host would (a Fonts stylesheet naming fonts.gstatic.com, a font, scripts, avatars, Analytics),
// and a port that takes connections and never answers, as those hosts behave for a browser in China.
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import { AddressInfo } from "net";
import { FONT_FILES } from "../../harness/lab/sampleApp";
import { THIRD_PARTY_HOSTS, mirrorHosts, relayedHosts } from "../../components/thirdParty/hosts";
import { TestTls, makeTls } from "../tls";

/** A valid 1×1 PNG. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

export interface StandIns {
    tls: TestTls;
    /** "127.0.0.1:port" of the answering server and of the silent one. */
    address: string;
    silent: string;
    /** The hosts relayed by default (the mirrors are answered too). */
    relayed: string[];
    /** Requests the stand-ins answered, as "METHOD host path". */
    asked: string[];
    close(): void;
}

function answer(host: string, url: string): { type: string; body: string | Buffer } {
    if (host === "fonts.googleapis.com") {
        return { type: "text/css", body: "@font-face { font-family: Lab; src: url(https://fonts.gstatic.com/s/lab/v1/lab.ttf) format('truetype'); }\n" };
    }
    if (host === "fonts.gstatic.com") {
        const font = FONT_FILES.find((f) => fs.existsSync(f));
        return { type: "font/ttf", body: font ? fs.readFileSync(font) : Buffer.alloc(0) };
    }
    if (host.endsWith("gravatar.com")) {
        return { type: "image/png", body: PNG };
    }
    if (host === "www.google-analytics.com") {
        return { type: "text/plain", body: "" };
    }
    return { type: "application/javascript", body: `(window.thirdParty = window.thirdParty || []).push(${JSON.stringify(`${host}${url}`)});\n` };
}

export async function startStandIns(): Promise<StandIns> {
    const relayed = relayedHosts(THIRD_PARTY_HOSTS);
    const tls = makeTls([...relayed, ...mirrorHosts(THIRD_PARTY_HOSTS)]);
    const asked: string[] = [];
    const server = https.createServer({ cert: tls.certificate, key: tls.privateKey }, (req, res) => {
        const host = String(req.headers.host ?? "").split(":")[0];
        asked.push(`${req.method} ${host} ${req.url}`);
        const a = answer(host, req.url ?? "/");
        res.writeHead(200, { "content-type": a.type, "content-length": Buffer.byteLength(a.body), "cache-control": "max-age=300" });
        res.end(a.body);
    });
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    return {
        tls, relayed, asked,
        address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        silent: `127.0.0.1:${(silent.address() as AddressInfo).port}`,
        close() {
            server.close();
            silent.close();
        },
    };
}
