// The browser tier: the sample origin's modern app through the whole chain in Debian's headless Chromium, which
// enforces what curl does not (CSP, CORS, SRI, cookie scope, preloads) and runs the app's own checks.
import { strict as assert } from "assert";
import { Browser } from "playwright-core";
import { LabBrowser, launchBrowser, launchChromium, missingBrowserTools, visit } from "../../harness/lab/browser";
import { request } from "../../harness/lab/client";
import { APP_CHECKS, THIRD_PARTY_IMAGES, THIRD_PARTY_SCRIPTS, thirdPartyPage } from "../../harness/lab/sampleApp";
import { StandIns, startStandIns } from "./standIns";
import { useLab } from "./useLab";

declare const window: { appDone?: boolean; appResults?: Record<string, string>; thirdParty?: string[]; collected?: Promise<number | string> };
declare const document: { fonts: { check(font: string): boolean }; images: ArrayLike<{ naturalWidth: number }> };

/** The load event's time after navigation started, ms, or undefined when it had not fired within `limitMs`. */
async function loadTime(browser: Browser, open: (page: import("playwright-core").Page) => Promise<unknown>, limitMs: number) {
    const page = await browser.newPage();
    const asked: string[] = [];
    page.on("request", (r) => asked.push(r.url()));
    const started = Date.now();
    const loaded = await open(page).then(() => page.waitForLoadState("load", { timeout: limitMs })).then(() => Date.now() - started, () => undefined);
    return { page, asked, loaded };
}

describe("browser: the converted app in headless Chromium", function () {
    this.timeout(120_000);
    let standIns: StandIns | undefined;
    before(async () => {
        standIns = await startStandIns();
    });
    after(() => standIns?.close());
    // The origin proxies relay each default-relayed host from its stand-in.
    const lab = useLab(() => ({
        delayMs: 10, originCa: standIns!.tls.caFile, upstreams: Object.fromEntries(standIns!.relayed.map((h) => [h, standIns!.address])),
    }));
    const PUBLIC = ["example.cn", "www.example.cn"];
    let browser: LabBrowser | undefined;

    before(async function () {
        const missing = missingBrowserTools();
        if (missing.length > 0) {
            console.log(`      skipped: ${missing.join(", ")} not installed (bash scripts/dev.sh installs the Debian packages)`);
            this.skip();
        }
        browser = await launchBrowser(lab().ready.ca, PUBLIC, lab().endpoint());
    });
    after(async () => {
        await browser?.close();
    });

    it("passes every in-page check, asks only the public names, logs no error and reports no CSP violation", async () => {
        const page = await browser!.browser.newPage();
        const asked: string[] = [];
        const errors: string[] = [];
        page.on("request", (r) => asked.push(r.url()));
        page.on("websocket", (ws) => asked.push(ws.url()));
        page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
        page.on("pageerror", (e) => errors.push(e.message));

        await visit(page, "https://example.cn/app/");
        const done = await page.waitForFunction(() => window.appDone === true, null, { timeout: 30_000 }).then(() => true, () => false);
        const results = done ? await page.evaluate(() => window.appResults!) : {};
        await page.close();

        // What the browser said first: a blocked script never gets to run its checks.
        assert.deepEqual(errors, [], "console errors");
        const hosts = [...new Set(asked.map((u) => new URL(u).host))];
        assert.deepEqual(hosts.filter((h) => !PUBLIC.includes(h)), [], `asked: ${asked.join(" ")}`);
        assert.ok(done, "the app's checks did not finish");
        assert.deepEqual(Object.keys(results), APP_CHECKS, "every check ran, in order");
        assert.deepEqual(Object.entries(results).filter(([, r]) => r !== "ok"), [], "failed in-page checks");
        assert.ok(asked.some((u) => u.startsWith("wss://example.cn/")), "the WebSocket went to the public name");
        const reports = await request(lab().endpoint(), "/app/csp-reports");
        assert.deepEqual(JSON.parse(reports.body), [], "CSP reports reached the origin");
    });

    it("a page using every default-relayed host loads within 2 s while those hosts never answer the browser; unrelayed, it hangs", async () => {
        // As in China: the third parties take connections and never answer; the public names reach the edge.
        const edge = lab().endpoint();
        const target = edge.port === 443 ? edge.address : `${edge.address}:${edge.port}`;
        const china = await launchChromium([lab().ready.ca], [
            ...PUBLIC.map((n) => `MAP ${n} ${target}`), ...standIns!.relayed.map((h) => `MAP ${h} ${standIns!.silent}`), "MAP * ~NOTFOUND",
        ]);
        try {
            const relayed = await loadTime(china.browser, (page) => visit(page, "https://example.cn/app/third-party.html"), 2_000);
            const seen = await relayed.page.evaluate(async () => ({
                scripts: window.thirdParty ?? [], font: document.fonts.check("12px Lab"),
                images: Array.from(document.images).map((i) => i.naturalWidth), collected: await window.collected,
            }));
            console.log(`      relayed: load event after ${relayed.loaded} ms`);
            assert.ok(relayed.loaded !== undefined, "the load event fired within 2 s");
            assert.deepEqual(relayed.asked.map((u) => new URL(u).host).filter((h) => !PUBLIC.includes(h)), [], `asked: ${relayed.asked.join(" ")}`);
            assert.deepEqual(seen.scripts, THIRD_PARTY_SCRIPTS.map((u) => u.replace("https://", "")), "every script ran, in order, from its host");
            assert.ok(seen.font, "the Fonts stylesheet's font loaded through the relay");
            assert.deepEqual(seen.images, THIRD_PARTY_IMAGES.map(() => 1), "the avatars loaded");
            assert.equal(seen.collected, 200, "the Analytics hit was posted");
            await relayed.page.close();

            // The same page unconverted: the stylesheet holds it.
            const unrelayed = await loadTime(china.browser, (page) => page.setContent(thirdPartyPage("example.com"), { waitUntil: "commit" }), 5_000);
            console.log(`      unrelayed: ${unrelayed.loaded === undefined ? "no load event within 5 s" : `load event after ${unrelayed.loaded} ms`}`);
            assert.equal(unrelayed.loaded, undefined, "without the relay the page waits on hosts that never answer");
            assert.ok(unrelayed.asked.some((u) => u.startsWith("https://fonts.googleapis.com/")));
            await unrelayed.page.close();
        } finally {
            await china.close();
        }
    });
});
