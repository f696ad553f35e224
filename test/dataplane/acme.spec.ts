// Certificates from a real ACME CA: the lab started with `acme` and two edges orders the public names' certificate
// from pebble with the hosts' renewer on the first edge (DNS-01 through pebble-challtestsrv), renews it under load, and
// the second edge copies it from the first edge's share port, as the hosts do.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import { startWrk } from "../../harness/bench/wrk";
import { ACME_TOOLS, labRenewerDir } from "../../harness/lab/acme";
import { Lab } from "../../harness/lab/lab";
import { request } from "../../harness/lab/client";
import { sample, scrapeNodeExporter } from "../../harness/lab/metrics";
import { waitFor } from "../../harness/lab/processes";
import { WsFleet } from "../../harness/lab/wsFleet";
import { EDGE_LINK_NAME } from "../../components/render/shared/endpoints";
import { requireTools } from "../render/tools";
import { useLab } from "./useLab";
import { bucketStandIn, metadataService } from "../../harness/lab/objectStore";
import * as crypto from "crypto";

const WEBSOCKETS = 1_000;
const LOAD_SECONDS = 10;

/** The certificate a client meets for `name` through edge `edge` of `lab`, checked against pebble's root alone. */
function certificateAt(lab: Lab, name: string, edge: number): Promise<tls.PeerCertificate> {
    return new Promise((resolve, reject) => {
        const ep = lab.endpoint(name, edge);
        const socket = tls.connect({ host: ep.address, port: ep.port, servername: name, ca: lab.acme!.root }, () => {
            const certificate = socket.getPeerCertificate();
            socket.end();
            resolve(certificate);
        });
        socket.on("error", reject);
    });
}

describe("data plane: certificates from an ACME CA", function () {
    this.timeout(180_000);
    before(function () { requireTools(this, ...ACME_TOOLS); });
    const lab = useLab({ delayMs: 10, acme: true, overrides: { cn: { replicas: 2 } } });

    /** The certificate edge `edge` shows for `name`, checked against pebble's root alone. */
    const served = (name = "example.cn", edge = 0) => certificateAt(lab(), name, edge);
    /**
     * The serial edge `edge` serves once it is `expected` (or, with `not`, once it is anything else), waiting up to 5 s:
     * HAProxy's reload (SIGUSR2, as systemd sends it) returns before the new worker takes the listeners.
     */
    const servedOnceSwapped = async (edge: number, expected: string, not = false) => {
        let serial = "";
        await waitFor(async () => { serial = (await served("example.cn", edge)).serialNumber; return (serial === expected) !== not; }, 5_000,
            `edge ${edge} serving ${not ? "a certificate other than" : "the certificate"} ${expected}`).catch(() => undefined);
        return serial;
    };

    it("a lab started without certificates obtains one from the CA and serves it through the whole chain", async () => {
        console.log(`      the first order: ${lab().acme!.firstOrder.status.detail}`);
        assert.match(lab().acme!.firstOrder.status.detail, /^order done in/);
        const certificate = await served();
        assert.match(String(certificate.issuer.CN), /^Pebble Intermediate CA/);
        assert.equal(certificate.subjectaltname, "DNS:example.cn, DNS:www.example.cn");
        assert.match(String((await served("www.example.cn")).issuer.CN), /^Pebble/);
        const page = await request(lab().endpoint(), "/");
        assert.equal(page.status, 200);
        assert.ok(page.body.includes("https://example.cn/style.css"), "converted through the chain");
        const again = await lab().acme!.renew();
        assert.equal(again.code, 0, again.output);
        assert.match(again.output, /already in place/, "not due: nothing ordered, nothing reloaded");
        assert.ok(again.status.ok && Date.parse(again.status.notAfter!) > Date.now() + 30 * 86_400_000, JSON.stringify(again.status));
    });

    it("is ordered once: the second edge serves the first edge's certificate, copied over TLS verified both ways", async () => {
        const [first, second] = [await served("example.cn", 0), await served("example.cn", 1)];
        assert.equal(second.serialNumber, first.serialNumber);
        assert.equal((await request(lab().endpoint("www.example.cn", 1), "/")).status, 200);
        const again = await lab().acme!.copy(1);
        assert.equal(again.code, 0, again.output);
        assert.match(again.output, /already in place/, "the same certificate: nothing swapped, nothing reloaded");
    });

    it("a scaling group's one certificate: a host orders it under the lease and stores it, another uses the stored one; a live lease elsewhere orders nothing", async () => {
        const credentials = { accessKeyId: "STS.fleet", accessKeySecret: "fleet-secret", securityToken: "fleet-token" };
        const metadata = await metadataService("lab-role", credentials);
        const bucket = await bucketStandIn("china-edge-lab-fleet", "lab-region-1", credentials);
        const store = { bucket, name: "china-edge-lab-fleet", region: "lab-region-1", metadata };
        const [site, lease] = ["certificates/site.pem", "certificates/lease.json"];
        const leaseUntil = (ms: number) => JSON.stringify({ holder: "cn-edge-9", until: new Date(Date.now() + ms).toISOString() });
        try {
            bucket.objects.set(lease, leaseUntil(600_000));
            const blocked = await lab().acme!.fromStore(1, store);
            assert.equal(blocked.code, 1, blocked.output);
            assert.match(blocked.status.detail, /^no certificate stored yet, and cn-edge-9 is ordering it \(its lease holds until /);
            assert.ok(!bucket.objects.has(site), "nothing ordered while another host holds the lease");

            bucket.objects.set(lease, leaseUntil(-1_000));
            const ordered = await lab().acme!.fromStore(0, store, true);
            assert.equal(ordered.code, 0, ordered.output);
            assert.match(ordered.status.detail, /^renew \(stored for the fleet\) done in/);
            assert.match(ordered.output, /cn-edge-9's lease ran out at .*: taking it over/);
            assert.ok(!bucket.objects.has(lease), "the lease given back");
            const stored = new crypto.X509Certificate(bucket.objects.get(site)!);
            const serial = stored.serialNumber;
            assert.equal(await servedOnceSwapped(0, serial), serial, "the ordering host serves what it stored");

            const before = bucket.requests.length;
            const fetched = await lab().acme!.fromStore(1, store);
            assert.equal(fetched.code, 0, fetched.output);
            assert.match(fetched.status.detail, /^fetch done in/);
            assert.deepEqual(bucket.requests.slice(before).map((r) => `${r.method} ${r.key} ${r.status}`), [`GET ${site} 200`], "read only: no lease, no order");
            assert.equal(await servedOnceSwapped(1, serial), serial, "the other host serves the stored certificate");
        } finally {
            await metadata.close();
            await bucket.close();
        }
    });

    /** The lab CA's files. */
    const labTls = (file: string) => fs.readFileSync(path.join(lab().dir, "tls", file), "utf8");
    const pair = (base: string) => ({ cert: labTls(`${base}.crt`), key: labTls(`${base}.key`) });

    /** The first edge's share port asked for the certificate, as `cert` (none: no client certificate): the whole answer. */
    const askShare = (cert?: { cert: string; key: string }) => new Promise<string>((resolve) => {
        const share = { host: lab().topology.edgeAddress(1), port: lab().topology.ports.share };
        const socket = tls.connect({ ...share, servername: EDGE_LINK_NAME, ca: labTls("ca.crt"), ...cert }, () => {
            socket.end(`GET /certificate HTTP/1.1\r\nHost: ${EDGE_LINK_NAME}\r\nConnection: close\r\n\r\n`);
        });
        let answer = "";
        socket.on("data", (c: Buffer) => { answer += c.toString(); });
        socket.on("close", () => resolve(answer || "closed without an answer"));
        socket.on("error", (err) => resolve(err.message));
    });

    it("the share port hands the certificate only to a client presenting the edges' link certificate", async () => {
        const status = async (cert?: { cert: string; key: string }) => (await askShare(cert)).split("\r\n")[0];
        assert.equal(await status(pair("edge-link")), "HTTP/1.1 200 OK");
        assert.doesNotMatch(await status(), /^HTTP\/1\.1 200/, "no client certificate");
        assert.equal(await status(pair("link")), "HTTP/1.1 403 Forbidden", "the origin proxies' link certificate is not an edge's");
    });

    it("a forced renewal swaps the certificate under load: no request fails, no WebSocket is lost", async () => {
        const before = (await served()).serialNumber;
        const t = lab().topology;
        const fleet = new WsFleet({ endpoints: [lab().endpoint()], path: "/ws", localAddresses: t.clientAddresses });
        try {
            assert.equal((await fleet.open(WEBSOCKETS)).opened, WEBSOCKETS);
            const load = startWrk({ url: lab().ready.url, address: t.edgeAddress(1), connections: 20, seconds: LOAD_SECONDS, newConnections: true });
            await new Promise((r) => setTimeout(r, 2_000));
            const started = Date.now();
            const renewal = await lab().acme!.renew(true);
            const seconds = (Date.now() - started) / 1000;
            const figures = await load;
            console.log(`      renewed in ${seconds.toFixed(1)} s under ${figures.rps * LOAD_SECONDS} new connections (${figures.errors} failed) ` +
                `and ${fleet.connected()} WebSockets`);
            assert.equal(renewal.code, 0, renewal.output);
            assert.match(renewal.output, /renew done/);
            assert.equal(figures.errors, 0, `failed requests: ${figures.errorLines}`);
            assert.equal(fleet.connected(), WEBSOCKETS);
            assert.equal(fleet.reconnects(), 0);
            assert.equal(await fleet.echoAll(), WEBSOCKETS);
        } finally {
            fleet.close();
        }
        const renewed = await servedOnceSwapped(0, before, true);
        assert.notEqual(renewed, before, "a new certificate is served");
        assert.equal((await served("example.cn", 1)).serialNumber, before, "the second edge until it copies");
        const copied = await lab().acme!.copy(1);
        assert.equal(copied.code, 0, copied.output);
        assert.match(copied.status.detail, /^copy done in/);
        assert.equal(await servedOnceSwapped(1, renewed), renewed);
    });

    it("a renewal that fails says so (exit 1, the status names the cause) and the running certificate keeps serving", async () => {
        const serial = (await served()).serialNumber;
        await lab().processes.stop("acme-ca");
        const failed = await lab().acme!.renew(true);
        assert.equal(failed.code, 1, failed.output);
        assert.equal(failed.status.ok, false);
        assert.match(failed.status.detail, /renew for example\.cn, www\.example\.cn failed \(lego exit \d+\)/);
        assert.ok(failed.status.notAfter, "the expiry of the certificate still served");
        const metrics = fs.readFileSync(path.join(labRenewerDir(lab().dir, lab().edgeNames[0]), "metrics", "china-edge-certificate.prom"), "utf8");
        assert.match(metrics, /^china_edge_certificate_renewal_ok\{names="example\.cn,www\.example\.cn"\} 0$/m);
        assert.match(metrics, new RegExp(`^china_edge_certificate_expiry_seconds\\{names="example\\.cn,www\\.example\\.cn"\\} ${Math.floor(Date.parse(failed.status.notAfter!) / 1000)}$`, "m"));
        assert.equal((await served()).serialNumber, serial);
        assert.equal((await request(lab().endpoint(), "/healthz")).status, 200);
    });

    it("the renewer's metrics reach monitoring through Debian's node exporter, as on the hosts", async function () {
        requireTools(this, "prometheus-node-exporter");
        const text = await scrapeNodeExporter(path.join(labRenewerDir(lab().dir, lab().edgeNames[0]), "metrics"));
        assert.equal(sample(text, "node_textfile_scrape_error"), 0, "the renewer's file parses");
        const expiry = sample(text, "china_edge_certificate_expiry_seconds", { names: "example.cn,www.example.cn" });
        assert.ok(expiry! * 1000 > Date.now() + 30 * 86_400_000, String(expiry));
        assert.ok(sample(text, "china_edge_certificate_renewal_ok", { names: "example.cn,www.example.cn" }) !== undefined);
    });

    it("a copy refuses what it must not serve, and says why: self-signed, for other names, a key not its own, older", async () => {
        const serial = (await served("example.cn", 1)).serialNumber;
        const firstPem = path.join(lab().dir, lab().edgeNames[0], "site.pem");
        const kept = fs.readFileSync(firstPem, "utf8");
        const tmp = fs.mkdtempSync(path.join(lab().dir, "refused-"));
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "825", "-subj", "/CN=example.cn",
            "-addext", "subjectAltName=DNS:example.cn,DNS:www.example.cn", "-keyout", "self.key", "-out", "self.crt"], { cwd: tmp, stdio: "pipe" });
        const selfSigned = fs.readFileSync(path.join(tmp, "self.crt"), "utf8") + fs.readFileSync(path.join(tmp, "self.key"), "utf8");
        const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n?/;
        // The /reload/ of the first edge: what its share port serves is read when HAProxy (re)loads, as after a delivery.
        const serve = async (content: string) => {
            fs.writeFileSync(firstPem, content);
            process.kill(lab().processes.pid(lab().edgeNames[0])!, "SIGUSR2");
            await waitFor(async () => (await askShare(pair("edge-link"))).endsWith(content), 10_000, "the first edge serving the new file");
        };
        try {
            for (const [content, reason] of [
                [selfSigned, /it serves a self-signed certificate/],
                [labTls("edge-link.crt") + labTls("edge-link.key"), /its certificate is for edge-link\.china-edge\.internal, not example\.cn, www\.example\.cn/],
                // The lab CA's leaf for the public names lasts 30 days, pebble's far longer.
                [labTls("public.crt") + labTls("public.key"), /expires \d{4}-\d\d-\d\d, before the one in place/],
            ] as const) {
                await serve(content);
                const refused = await lab().acme!.copy(1);
                assert.equal(refused.code, 1, refused.output);
                assert.match(refused.status.detail, reason);
                assert.equal((await served("example.cn", 1)).serialNumber, serial, "the second edge keeps serving its certificate");
            }
        } finally {
            await serve(kept);
        }
        // HAProxy itself refuses to load a certificate with another's key: a server of the test's serves one.
        const server = tls.createServer({ ...pair("edge-link"), ca: labTls("ca.crt"), requestCert: true, rejectUnauthorized: true }, (socket) => {
            socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/x-pem-file\r\nConnection: close\r\n\r\n${kept.replace(key, labTls("public.key"))}`);
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const refused = await lab().acme!.copy(1, `127.0.0.1:${(server.address() as { port: number }).port}`);
            assert.equal(refused.code, 1, refused.output);
            assert.match(refused.status.detail, /the key does not match the certificate/);
            assert.equal((await served("example.cn", 1)).serialNumber, serial);
        } finally {
            server.close();
        }
    });
});

describe("data plane: certificates from an ACME CA where the origin proxies end TLS (the edges passing it through)", function () {
    this.timeout(180_000);
    before(function () { requireTools(this, ...ACME_TOOLS); });
    const lab = useLab({ delayMs: 10, acme: true, overrides: { cn: { edgeTls: "passthrough" }, us: { replicas: 2 } } });

    /** The certificate a client meets through the passthrough edge (either origin proxy's). */
    const served = () => certificateAt(lab(), "example.cn", 0);

    it("the first origin proxy orders, the second copies over the link's mutual TLS, and clients meet pebble's certificate through the edge", async () => {
        console.log(`      the first order: ${lab().acme!.firstOrder.status.detail}`);
        const files = lab().originProxyNames.map((n) => fs.readFileSync(path.join(lab().dir, n, "site.crt"), "utf8"));
        assert.equal(files[1], files[0], "the second origin proxy holds the first one's certificate");
        const serials = new Set<string>();
        for (let i = 0; i < 6; i++) {
            const certificate = await served();
            assert.match(String(certificate.issuer.CN), /^Pebble Intermediate CA/);
            assert.equal(certificate.subjectaltname, "DNS:example.cn, DNS:www.example.cn");
            serials.add(certificate.serialNumber);
        }
        assert.equal(serials.size, 1, "one certificate, whichever origin proxy answers");
        assert.equal((await request(lab().endpoint(), "/")).status, 200);
        const again = await lab().acme!.copy(1);
        assert.equal(again.code, 0, again.output);
        assert.match(again.output, /already in place/);
    });

    it("the share port answers only the origin proxies' link certificate: the edges', from the same CA, gets 403", async () => {
        const r = spawnSync("ip", ["netns", "exec", lab().topology.namespaces.us ?? "", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
            "--cacert", lab().caFile, "--cert", path.join(lab().dir, "tls", "edge-link.pem"),
            "--connect-to", `origin-link.china-edge.internal:${lab().topology.ports.share}:${lab().topology.originProxyAddress(1)}:${lab().topology.ports.share}`,
            `https://origin-link.china-edge.internal:${lab().topology.ports.share}/certificate`], { encoding: "utf8" });
        assert.equal(r.stdout, "403");
    });
});
