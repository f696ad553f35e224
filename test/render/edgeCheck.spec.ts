import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import { AddressInfo } from "net";
import { renderEdgeCheck } from "../../components/render/edge/edgeCheck";
import { CHAIN_HEADER } from "../../components/render/originProxy/originNginx";
import { makeTls } from "../tls";
import { requireTools } from "./tools";

/** Runs the rendered check against a local TLS server that answers like the origin proxy (or not). */
describe("the post-deploy check, run for real", () => {
    let server: https.Server;
    let port: number;
    let caFile: string;
    let withHeader = true;
    before(async function () {
        requireTools(this, "curl", "openssl");
        const tls = makeTls(["example.cn"]);
        caFile = tls.caFile;
        server = https.createServer({ cert: tls.certificate, key: tls.privateKey }, (req, res) => {
            assert.equal(req.headers.host, `example.cn:${port}`);
            res.writeHead(req.url === "/healthz" ? 200 : 404, withHeader ? { [CHAIN_HEADER]: "us-origin-1" } : {});
            res.end("ok\n");
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as AddressInfo).port;
    });
    after(() => server?.close());

    const check = (insecure: boolean) => {
        const script = renderEdgeCheck({ host: "example.cn", address: "127.0.0.1", port, header: CHAIN_HEADER, insecure, attempts: 2, intervalSeconds: 0 });
        return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
            const { spawn } = require("child_process") as typeof import("child_process");
            const p = spawn("/bin/sh", ["-c", script], { env: { ...process.env, CURL_CA_BUNDLE: caFile } });
            let out = "";
            let err = "";
            p.stdout.on("data", (d: Buffer) => { out += d; });
            p.stderr.on("data", (d: Buffer) => { err += d; });
            p.on("close", (code) => resolve({ code, out, err }));
        });
    };

    it("passes when the public name answers 200 with the origin proxy's header through the address", async () => {
        withHeader = true;
        const r = await check(false);
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /answers through 127\.0\.0\.1: status 200, X-China-Edge set/);
    });

    it("fails, saying why, when the header is missing or the certificate does not verify", async () => {
        withHeader = false;
        const missing = await check(false);
        assert.equal(missing.code, 1);
        assert.match(missing.err, /did not answer 200 with X-China-Edge after 2 attempts; last: status 200, no X-China-Edge header/);
        withHeader = true;
        const script = renderEdgeCheck({ host: "example.cn", address: "127.0.0.1", port, header: CHAIN_HEADER, insecure: false, attempts: 1, intervalSeconds: 0 });
        const untrusted = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { ...process.env, CURL_CA_BUNDLE: "/dev/null" } });
        assert.equal(untrusted.status, 1);
        assert.ok(fs.existsSync(caFile));
    });
});
