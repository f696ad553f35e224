// Certificates from a real ACME CA: the lab started with `acme` orders the public names' certificate from pebble
// with the hosts' renewer (DNS-01 through pebble-challtestsrv), and renews it under load.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import { startWrk } from "../../harness/bench/wrk";
import { ACME_TOOLS } from "../../harness/lab/acme";
import { request } from "../../harness/lab/client";
import { WsFleet } from "../../harness/lab/wsFleet";
import { requireTools } from "../render/tools";
import { useLab } from "./useLab";

const WEBSOCKETS = 1_000;
const LOAD_SECONDS = 10;

describe("data plane: certificates from an ACME CA", function () {
    this.timeout(180_000);
    before(function () { requireTools(this, ...ACME_TOOLS); });
    const lab = useLab({ delayMs: 10, acme: true });

    /** The certificate the edge shows for `name`, checked against pebble's root alone. */
    const served = (name = "example.cn") => new Promise<tls.PeerCertificate>((resolve, reject) => {
        const ep = lab().endpoint(name);
        const socket = tls.connect({ host: ep.address, port: ep.port, servername: name, ca: lab().acme!.root }, () => {
            const certificate = socket.getPeerCertificate();
            socket.end();
            resolve(certificate);
        });
        socket.on("error", reject);
    });

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
            assert.equal(figures.errors, 0, "failed requests");
            assert.equal(fleet.connected(), WEBSOCKETS);
            assert.equal(fleet.reconnects(), 0);
            assert.equal(await fleet.echoAll(), WEBSOCKETS);
        } finally {
            fleet.close();
        }
        assert.notEqual((await served()).serialNumber, before, "a new certificate is served");
    });

    it("a renewal that fails says so (exit 1, the status names the cause) and the running certificate keeps serving", async () => {
        const serial = (await served()).serialNumber;
        await lab().processes.stop("acme-ca");
        const failed = await lab().acme!.renew(true);
        assert.equal(failed.code, 1, failed.output);
        assert.equal(failed.status.ok, false);
        assert.match(failed.status.detail, /renew for example\.cn, www\.example\.cn failed \(lego exit \d+\)/);
        assert.ok(failed.status.notAfter, "the expiry of the certificate still served");
        const metrics = fs.readFileSync(path.join(lab().dir, "renewer", "metrics", "china-edge-certificate.prom"), "utf8");
        assert.match(metrics, /^china_edge_certificate_renewal_ok\{names="example\.cn,www\.example\.cn"\} 0$/m);
        assert.match(metrics, new RegExp(`^china_edge_certificate_expiry_seconds\\{names="example\\.cn,www\\.example\\.cn"\\} ${Math.floor(Date.parse(failed.status.notAfter!) / 1000)}$`, "m"));
        assert.equal((await served()).serialNumber, serial);
        assert.equal((await request(lab().endpoint(), "/healthz")).status, 200);
    });
});
