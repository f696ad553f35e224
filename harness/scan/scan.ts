// What a site loads from third parties, as a browser sees it: headless Chromium opens the start page and up to N
// pages it links to on the same site, records every request, and each third-party host (one outside the site's
// registrable domain, by the Public Suffix List) is reported with what China does to it and what the project will do
// about it (components/thirdParty/hosts.ts).
import { Page, Request } from "playwright-core";
import { getDomain } from "tldts";
import { ChinaReach, Treatment, thirdPartyHost } from "../../components/thirdParty/hosts";
import { launchChromium } from "../lab/browser";

export interface ScanOptions {
    url: string;
    /** Names sent to a given address, as curl's --connect-to: host → "ip:port". */
    resolve: Record<string, string>;
    /** CAs the browser trusts besides the system's. */
    caFiles: string[];
    /** Same-site pages visited after the start page, at most. */
    pages: number;
    /** Progress lines. */
    log?: (line: string) => void;
}

export interface ScannedHost {
    host: string;
    requests: number;
    /** Bytes of the answers' bodies as received (0 for a request that got no answer). */
    bytes: number;
    /** Requests that got no answer (the name did not resolve, the connection failed, or nothing came back in time). */
    failed: number;
    /** What China does to it, from the table; `unknown` when the table does not list it. */
    blocked: ChinaReach | "unknown";
    treatment: Treatment | "unknown";
}

export interface ScanReport {
    url: string;
    pages: string[];
    hosts: ScannedHost[];
}

/** The site did not answer, or answered with an error: nothing to scan. */
export class ScanError extends Error {}

/** How long a page may take to answer its document. */
const PAGE_TIMEOUT_MS = 30_000;
/** How long the scan waits for a page's load event: a host that never answers holds it, as in China. */
const LOAD_WAIT_MS = 10_000;

/** Whether a host belongs to the site: the same registrable domain (www.example.cn and example.cn do). */
function sameSite(host: string, site: string): boolean {
    return host === site || (getDomain(host) ?? host) === (getDomain(site) ?? site);
}

/** The same-site pages a page links to, without fragments, in document order. */
async function sameSiteLinks(page: Page, site: string): Promise<string[]> {
    const hrefs = await page.$$eval("a[href]", (as) => as.map((a) => (a as unknown as { href: string }).href));
    return [...new Set(hrefs.map((h) => h.split("#")[0]).filter((h) => {
        try {
            const u = new URL(h);
            return (u.protocol === "https:" || u.protocol === "http:") && sameSite(u.hostname, site);
        } catch {
            return false;
        }
    }))];
}

export async function scanSite(options: ScanOptions): Promise<ScanReport> {
    const start = new URL(options.url);
    const log = options.log ?? (() => undefined);
    const rules = Object.entries(options.resolve).map(([host, target]) => `MAP ${host} ${target}`);
    const lab = await launchChromium(options.caFiles, rules);
    const seen = new Map<string, ScannedHost>();
    /** The host's entry of the report, for a third-party URL; undefined for the site itself and data: URLs. */
    const entryOf = (url: string): ScannedHost | undefined => {
        let host: string;
        try {
            host = new URL(url).hostname;
        } catch {
            return undefined;
        }
        if (sameSite(host, start.hostname) || url.startsWith("data:")) {
            return undefined;
        }
        const known = thirdPartyHost(host);
        const h = seen.get(host) ?? { host, requests: 0, bytes: 0, failed: 0, blocked: known?.china ?? "unknown", treatment: known?.treatment ?? "unknown" };
        seen.set(host, h);
        return h;
    };
    const visited: string[] = [];
    try {
        const context = await lab.browser.newContext();
        const queue = [start.href];
        while (queue.length > 0 && visited.length <= options.pages) {
            const url = queue.shift()!;
            const page = await context.newPage();
            // A request counts when it starts; one without a response (failed, refused, or still waiting) got no answer.
            const unanswered = new Set<Request>();
            const sizes: Promise<void>[] = [];
            page.on("request", (r) => {
                const h = entryOf(r.url());
                if (h) {
                    h.requests++;
                    unanswered.add(r);
                }
            });
            page.on("response", (r) => { unanswered.delete(r.request()); });
            page.on("requestfinished", (r) => {
                const h = entryOf(r.url());
                if (h) {
                    sizes.push(r.sizes().then((s) => { h.bytes += s.responseBodySize; }, () => undefined));
                }
            });
            log(`scan: ${url}`);
            let status: number | undefined;
            try {
                const response = await page.goto(url, { waitUntil: "domcontentloaded", timeout: PAGE_TIMEOUT_MS });
                status = response?.status();
                await page.waitForLoadState("load", { timeout: LOAD_WAIT_MS })
                    .catch(() => log(`scan: ${url} had not finished loading after ${LOAD_WAIT_MS / 1000} s (a third party that does not answer holds it)`));
            } catch (err) {
                if (visited.length === 0) {
                    throw new ScanError(`${url} did not answer: ${(err as Error).message.split("\n")[0]}`);
                }
                log(`scan: ${url} did not load: ${(err as Error).message.split("\n")[0]}`);
            }
            if (visited.length === 0 && (status === undefined || status >= 400)) {
                throw new ScanError(`${url} answered ${status ?? "nothing"}: nothing to scan`);
            }
            visited.push(url);
            for (const link of await sameSiteLinks(page, start.hostname).catch(() => [])) {
                if (!visited.includes(link) && !queue.includes(link)) {
                    queue.push(link);
                }
            }
            await Promise.all(sizes);
            for (const r of unanswered) {
                entryOf(r.url())!.failed++;
            }
            await page.close();
        }
    } finally {
        await lab.close();
    }
    return { url: start.href, pages: visited, hosts: [...seen.values()].sort((a, b) => b.requests - a.requests || a.host.localeCompare(b.host)) };
}

/** The report as a table, with what to do about each host. */
export function formatScan(report: ScanReport): string {
    const rows = report.hosts.map((h) => [h.host, String(h.requests), String(h.bytes), h.failed ? `${h.failed} failed` : "", h.blocked, h.treatment]);
    const header = ["third-party host", "requests", "bytes", "", "in China", "treatment"];
    const widths = header.map((t, i) => Math.max(t.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
    const unknown = report.hosts.filter((h) => h.blocked === "unknown");
    return [
        `${report.pages.length} page${report.pages.length === 1 ? "" : "s"} of ${report.url}: ${report.hosts.length} third-party host${report.hosts.length === 1 ? "" : "s"}`,
        ...(rows.length > 0 ? [line(header), ...rows.map(line)] : []),
        ...(unknown.length > 0 ? [`not in the table (components/thirdParty/hosts.ts): ${unknown.map((h) => h.host).join(", ")}; ` +
            "whether China blocks them varies, so check them from the mainland (the stack's CloudMonitor probes can); " +
            `to relay them, add to china-edge:thirdParty: ${unknown.map((h) => JSON.stringify(`${h.host}=relay`)).join(", ")}`] : []),
    ].join("\n");
}
