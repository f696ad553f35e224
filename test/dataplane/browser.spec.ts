// The browser tier: the sample origin's modern app through the whole chain in Debian's headless Chromium, which
// enforces what curl does not (CSP, CORS, SRI, cookie scope, preloads) and runs the app's own checks.
import { strict as assert } from "assert";
import { LabBrowser, launchBrowser, missingBrowserTools, visit } from "../../harness/lab/browser";
import { request } from "../../harness/lab/client";
import { APP_CHECKS } from "../../harness/lab/sampleApp";
import { useLab } from "./useLab";

declare const window: { appDone?: boolean; appResults?: Record<string, string> };

describe("browser: the converted app in headless Chromium", function () {
    this.timeout(120_000);
    const lab = useLab({ delayMs: 10 });
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
});
