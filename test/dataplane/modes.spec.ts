// The lab's other ways to run: on loopback only, in front of another origin, and after a crashed run.
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { makeCa } from "../../harness/lab/certs";
import { request } from "../../harness/lab/client";
import { smokeCheck } from "../../harness/lab/check";
import { startLab } from "../../harness/lab/lab";
import { LABS_DIR, acquireSlot } from "../../harness/lab/slots";
import { namespaceNames, netnsAvailable } from "../../harness/lab/topology";
import { sampleOrigin } from "../../harness/lab/sampleOrigin";
import { ROOT } from "../helpers";
import { requireTools } from "../render/tools";

function failures(results: { ok: boolean; name: string; detail: string }[]): string[] {
    return results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`);
}

describe("data plane: lab modes", function () {
    this.timeout(120_000);
    before(function () { requireTools(this, "haproxy", "nginx", "openssl"); });

    it("still runs the passthrough edge: TLS to the origin proxies, PROXY v2, the same conversion and refusals", async () => {
        const lab = await startLab({ root: ROOT, delayMs: 5, overrides: { cn: { edgeTls: "passthrough", redirector: false } } });
        try {
            assert.match(fs.readFileSync(path.join(lab.dir, lab.edgeNames[0], "haproxy.cfg"), "utf8"), /req\.ssl_sni -i .*send-proxy-v2/s);
            assert.deepEqual(failures(await smokeCheck(lab)), []);
            const client = lab.topology.clientAddresses[1];
            const echo = JSON.parse((await request(lab.endpoint(), "/echo", { localAddress: client })).body);
            assert.equal(echo.headers["x-real-ip"], client, "the client's address crosses by PROXY v2");
        } finally {
            await lab.close();
        }
    });

    it("runs on loopback addresses only when asked (or when namespaces are unavailable)", async () => {
        const lab = await startLab({ root: ROOT, mode: "loopback", delayMs: 5 });
        try {
            assert.equal(lab.mode, "loopback");
            assert.match(lab.ready.connect, /^127\./);
            assert.deepEqual(failures(await smokeCheck(lab)), []);
        } finally {
            await lab.close();
        }
    });

    it("puts another origin behind the proxies with --origin and --origin-ca, keeping the origin's names", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "china-edge-staging-"));
        const ca = makeCa(dir, "staging CA");
        const leaf = ca.issue("staging", ["example.com", "*.example.com"]);
        const server: https.Server = sampleOrigin("example.com", fs.readFileSync(leaf.certFile, "utf8"), fs.readFileSync(leaf.keyFile, "utf8"));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as { port: number }).port;
        const lab = await startLab({ root: ROOT, origin: `127.0.0.1:${port}`, originCa: ca.caFile, delayMs: 0 });
        try {
            assert.equal(lab.sampleOrigin, false);
            assert.deepEqual(failures(await smokeCheck(lab)), []);
            const page = await request(lab.endpoint(), "/app.js");
            assert.ok(page.body.includes("https://example.cn/api"), page.body);
        } finally {
            await lab.close();
            server.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses an --upstream it cannot use, naming it, and holds no slot after", async () => {
        const cases: [Record<string, string>, RegExp][] = [
            [{ "fonts.googleapis.com": "localhost:443" }, /--upstream "fonts\.googleapis\.com=localhost:443": expected HOST=IP:PORT/],
            [{ "Fonts.Googleapis.com": "127.0.0.1:443" }, /expected HOST=IP:PORT/],
            [{ "cdn.vendor.example": "127.0.0.1:443" }, /--upstream cdn\.vendor\.example: neither relayed nor a mirror in the us stack's config \(china-edge:thirdParty\)/],
        ];
        for (const [upstreams, message] of cases) {
            await assert.rejects(startLab({ root: ROOT, upstreams, delayMs: 0 }), message);
        }
        await assert.rejects(startLab({ root: ROOT, originCa: "/etc/hostname" }), /--origin-ca is only used with --origin or --upstream/);
        const held = fs.readdirSync(LABS_DIR).filter((f) => /^slot-\d+\.json$/.test(f))
            .filter((f) => (JSON.parse(fs.readFileSync(path.join(LABS_DIR, f), "utf8")) as { owner?: number }).owner === process.pid);
        assert.deepEqual(held, [], "no slot held");
    });

    it("cleans up what a crashed lab left (its processes and namespaces) before taking a slot", async () => {
        const dead = spawnSync("true").pid!;
        const orphan = spawn("sleep", ["600"], { detached: true, stdio: "ignore" });
        const killed = new Promise<string | null>((resolve) => orphan.once("exit", (_code, signal) => resolve(signal)));
        const slot = 49;
        const withNetns = netnsAvailable();
        if (withNetns) {
            spawnSync("ip", ["netns", "add", namespaceNames(slot).edge]);
        }
        const dir = path.join(LABS_DIR, `slot-${slot}`);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(LABS_DIR, `slot-${slot}.json`), JSON.stringify({ owner: dead, dir, groups: [orphan.pid], netns: withNetns }));
        const taken = acquireSlot();
        try {
            assert.equal(await Promise.race([killed, new Promise((r) => setTimeout(() => r("still running"), 5_000))]), "SIGKILL");
            assert.ok(!fs.existsSync(path.join(LABS_DIR, `slot-${slot}.json`)), "the dead lab's state is gone");
            if (withNetns) {
                assert.ok(!spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.includes(namespaceNames(slot).edge));
            }
        } finally {
            taken.release();
        }
    });
});
