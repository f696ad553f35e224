// Debian's Chromium, headless, as a visitor in China would meet the lab: it trusts the lab's CA through an NSS
// database in a throwaway home (never a flag that ignores certificate errors) and resolves only the public names,
// to the edge; every other name fails to resolve, so a URL the proxy left on an old name fails as it would.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Browser, Page, chromium } from "playwright-core";
import { Endpoint } from "./client";

export const CHROMIUM = "/usr/bin/chromium";

/** What the browser needs and this machine lacks (Debian's chromium and libnss3-tools). */
export function missingBrowserTools(): string[] {
    return [
        ...(fs.existsSync(CHROMIUM) ? [] : ["chromium"]),
        ...(spawnSync("sh", ["-c", "command -v certutil"]).status === 0 ? [] : ["certutil (libnss3-tools)"]),
    ];
}

export interface LabBrowser {
    browser: Browser;
    close(): Promise<void>;
}

function certutil(args: string[]): void {
    const r = spawnSync("certutil", args, { encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`certutil ${args.join(" ")}: ${r.stderr || r.stdout}`);
    }
}

/** Chromium trusting `caFile` and resolving each of `names` to the edge `endpoint` (its address and port), nothing else. */
export async function launchBrowser(caFile: string, names: string[], endpoint: Pick<Endpoint, "address" | "port">): Promise<LabBrowser> {
    const target = endpoint.port === 443 ? endpoint.address : `${endpoint.address}:${endpoint.port}`;
    return launchChromium([caFile], [...names.map((n) => `MAP ${n} ${target}`), "MAP * ~NOTFOUND"]);
}

/**
 * Debian's Chromium, headless, trusting the CAs in `caFiles` (besides the system's) through an NSS database in a
 * throwaway home, with Chromium's host resolver rules (`MAP name address:port`, `MAP * ~NOTFOUND`).
 */
export async function launchChromium(caFiles: string[], rules: string[]): Promise<LabBrowser> {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "china-edge-browser-"));
    const nssdb = `sql:${path.join(home, ".pki", "nssdb")}`;
    fs.mkdirSync(path.join(home, ".pki", "nssdb"), { recursive: true });
    certutil(["-N", "-d", nssdb, "--empty-password"]);
    caFiles.forEach((caFile, i) => certutil(["-A", "-d", nssdb, "-n", `china-edge CA ${i + 1}`, "-t", "C,,", "-i", caFile]));
    const browser = await chromium.launch({
        executablePath: CHROMIUM,
        env: { ...process.env, HOME: home },
        args: [
            ...(rules.length > 0 ? [`--host-resolver-rules=${rules.join(", ")}`] : []),
            // Root has no user namespace sandbox here; the browser visits only what it is pointed at.
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
        ],
    });
    return {
        browser,
        async close() {
            await browser.close();
            fs.rmSync(home, { recursive: true, force: true });
        },
    };
}

/**
 * Opens `url` in `page`. Chromium aborts a navigation when it sees the host's interfaces change, and a lab's new
 * interfaces keep changing for a moment (IPv6 addresses leave their tentative state): such a navigation is retried.
 */
export async function visit(page: Page, url: string, attempts = 5): Promise<void> {
    for (let i = 1; ; i++) {
        try {
            await page.goto(url);
            return;
        } catch (e) {
            if (i >= attempts || !String(e).includes("ERR_NETWORK_CHANGED")) {
                throw e;
            }
            await new Promise((r) => setTimeout(r, 1_000));
        }
    }
}
