// `npm run status` against the lab: the hosts' report script (what Cloud Assistant runs on a deployed host) run on
// each proxy, its reports judged.
import { strict as assert } from "assert";
import { ORIGIN_PROXY_HEALTH_CHECK } from "../../components/render/shared/endpoints";
import { waitFor } from "../../harness/lab/processes";
import { daysLeft, formatStatus, stackStatus } from "../../harness/status/verdict";
import { StandIns, startStandIns } from "./standIns";
import { useLab } from "./useLab";

describe("data plane: status", function () {
    this.timeout(120_000);
    let standIns: StandIns | undefined;
    before(async () => {
        standIns = await startStandIns();
    });
    after(() => standIns?.close());
    // A relayed host and the reCAPTCHA mirror stand in for the outside the hosts reach.
    const reached = ["fonts.googleapis.com", "www.recaptcha.net"];
    const lab = useLab(() => ({
        delayMs: 20, overrides: { us: { replicas: 2 } }, originCa: standIns!.tls.caFile,
        upstreams: Object.fromEntries(reached.map((h) => [h, standIns!.address])),
    }));
    const problems = async () => stackStatus("lab", await lab().report(), Date.now()).problems;

    it("the hosts' report tool finds every proxy up, the edge's origin proxies up and each certificate's expiry", async () => {
        const reports = await lab().report();
        assert.deepEqual(reports.map((r) => r.name), [...lab().originProxyNames, ...lab().edgeNames]);
        const now = Date.now();
        assert.deepEqual(stackStatus("lab", reports, now).problems, []);
        for (const r of reports) {
            assert.ok(r.active && r.healthy, JSON.stringify(r));
            const cert = r.certificate as { notAfter: number; names: string[] };
            assert.ok(daysLeft(cert.notAfter, now) > 14, JSON.stringify(cert));
            assert.deepEqual(cert.names.sort(), lab().hosts.map((h) => h.public).sort());
        }
        const edge = reports.find((r) => r.name === lab().edgeNames[0])!;
        assert.deepEqual([...new Set(edge.backends!.filter((b) => b.backend === "be_origin").map((b) => `${b.server} ${b.state}`))],
            lab().originProxyNames.map((n) => `${n} UP`));
        assert.ok(typeof reports[0].connections === "number");
        // Each origin proxy's HAProxy, which ends the link, finds its nginx up for pages and WebSockets.
        for (const r of reports.filter((r) => r.role === "origin proxy")) {
            assert.deepEqual(r.backends?.map((b) => `${b.backend} ${b.server} ${b.state}`), ["be_pages nginx UP", "be_websockets nginx UP"], JSON.stringify(r));
        }
        assert.equal(reports.filter((r) => r.role === "origin proxy").length, lab().originProxyNames.length);
        // Each origin proxy reaches the relayed host, each edge the mirror, through the lab's bridges into the namespaces.
        for (const r of reports) {
            const expected = lab().originProxyNames.includes(r.name) ? "fonts.googleapis.com" : "www.recaptcha.net";
            assert.deepEqual(r.reach?.map((x) => `${x.host} ${x.status}`), [`${expected} 200`], JSON.stringify(r));
        }
        assert.equal(standIns!.asked.filter((a) => a.startsWith("HEAD ")).length, reports.length, standIns!.asked.join("\n"));
        const screen = formatStatus([stackStatus("lab", reports, now)], now);
        assert.match(screen, new RegExp(`${lab().edgeNames[0]} +up, origin proxies 2/2 up, certificate until \\d{4}-\\d{2}-\\d{2} \\(\\d+ days.*, third parties 1/1 answer`));
        assert.match(screen, new RegExp(`${lab().originProxyNames[0]} +up, nginx up behind the link's HAProxy, \\d+ connections`));
        assert.match(screen, /All well\./);
    });

    it("a killed origin proxy's nginx is down in its host's report (the service and its HAProxy's check) and in the edge's, and nothing else is", async () => {
        const [first, second] = lab().originProxyNames;
        await lab().processes.stop(first, "SIGKILL");
        try {
            const { intervalSeconds, unhealthyThreshold } = ORIGIN_PROXY_HEALTH_CHECK;
            // One problem per server and state, naming its backends (be_origin_http too, when that is down by then).
            const edgeSaysDown = new RegExp(`^${lab().edgeNames[0]}: ${first} is DOWN in (\\S+, )?be_origin(,|$)`);
            const linkSaysDown = `${first}: nginx is DOWN in be_pages, be_websockets`;
            // Each round runs the report on every host (a second or two): the edge's checks' time, and some rounds more.
            await waitFor(async () => { const found = await problems(); return found.some((p) => edgeSaysDown.test(p)) && found.includes(linkSaysDown); },
                (intervalSeconds * (unhealthyThreshold + 1) + 10) * 1000, "the edge's and the link's HAProxy's reports");
            const found = await problems();
            assert.ok(found.includes(`${first}: its service is not running`), found.join("\n"));
            assert.equal(found.filter((p) => p.includes(second)).length, 0, found.join("\n"));
        } finally {
            await lab().processes.restart(first);
        }
        await waitFor(async () => (await problems()).length === 0, 30_000, `${first} back in every backend`);
    });
});
