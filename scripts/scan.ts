// npm run scan -- <url> [--resolve HOST=IP:PORT]… [--ca FILE] [--pages N] [--json]: the site's third-party hosts as
// a browser sees them, what China does to each and the treatment each gets. Progress on stderr; exit 0 with the
// report, 2 for bad arguments or a site that does not answer.
import { parseArgs } from "util";
import { missingBrowserTools } from "../harness/lab/browser";
import { ScanError, formatScan, scanSite } from "../harness/scan/scan";

const USAGE = "usage: npm run scan -- <url> [--resolve HOST=IP:PORT]… [--ca FILE] [--pages N] [--json]";

function fail(message: string): never {
    process.stderr.write(`scan: ${message}\n${USAGE}\n`);
    process.exit(2);
}

async function main(): Promise<void> {
    let parsed;
    try {
        parsed = parseArgs({
            allowPositionals: true,
            options: { resolve: { type: "string", multiple: true, default: [] }, ca: { type: "string", multiple: true, default: [] },
                pages: { type: "string", default: "5" }, json: { type: "boolean", default: false } },
        });
    } catch (err) {
        fail((err as Error).message);
    }
    const { positionals, values } = parsed;
    if (positionals.length !== 1) {
        fail(positionals.length === 0 ? "the site's URL is missing" : `one URL, not ${positionals.length}`);
    }
    let url: URL;
    try {
        url = new URL(positionals[0]);
    } catch {
        fail(`${JSON.stringify(positionals[0])} is not a URL: expected one such as https://example.com/`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
        fail(`${url.href}: expected an https:// or http:// URL`);
    }
    const pages = Number(values.pages);
    if (!Number.isInteger(pages) || pages < 0 || pages > 100) {
        fail(`--pages ${JSON.stringify(values.pages)}: expected a whole number of further pages from 0 to 100`);
    }
    const resolve: Record<string, string> = {};
    for (const r of values.resolve) {
        const m = /^([a-z0-9.-]+)=((?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-f:]+\]):(\d{1,5})$/i.exec(r);
        if (!m) {
            fail(`--resolve ${JSON.stringify(r)}: expected HOST=IP:PORT, such as example.com=127.0.0.1:8443`);
        }
        resolve[m[1].toLowerCase()] = `${m[2]}:${m[3]}`;
    }
    const missing = missingBrowserTools();
    if (missing.length > 0) {
        fail(`${missing.join(", ")} not installed (bash scripts/dev.sh installs the Debian packages)`);
    }
    try {
        const report = await scanSite({ url: url.href, resolve, caFiles: values.ca, pages, log: (l) => process.stderr.write(`${l}\n`) });
        process.stdout.write(values.json
            ? `${JSON.stringify({ hosts: report.hosts.map(({ host, requests, bytes, blocked, treatment }) => ({ host, requests, bytes, blocked, treatment })) })}\n`
            : `${formatScan(report)}\n`);
    } catch (err) {
        if (err instanceof ScanError || /certutil|ENOENT/.test(String(err))) {
            fail((err as Error).message);
        }
        throw err;
    }
}

main();
