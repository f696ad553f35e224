// The origin proxy's njs script (njs/conversion.js) with the tables it converts by: the response headers that can
// name the site, every occurrence in them, and the integrity of first-party scripts and stylesheets in HTML.
import * as fs from "fs";
import * as path from "path";
import { HostPair, Mirror } from "china-edge-policy/kernel/hosts";

/** Response headers that can name the site, converted in full by the script (Location and Refresh by proxy_redirect). */
export const CONVERTED_HEADERS = [
    "Content-Security-Policy", "Content-Security-Policy-Report-Only", "Link", "Report-To", "Reporting-Endpoints",
    "Content-Location", "Timing-Allow-Origin", "Access-Control-Allow-Origin", "Permissions-Policy", "Feature-Policy",
    "X-Frame-Options", "Speculation-Rules", "SourceMap", "X-SourceMap",
];

/** The name nginx.conf imports the script under, and its two filters. */
export const SCRIPT = { module: "conversion", headers: "conversion.headers", integrity: "conversion.integrity" } as const;

const SOURCE = fs.readFileSync(path.join(__dirname, "njs", "conversion.js"), "utf8");

export function renderConversionScript(input: { hosts: HostPair[]; mirrors: Mirror[] }): string {
    const names = Object.fromEntries([
        ...input.mirrors.map((m) => [m.from.toLowerCase(), m.to]),
        ...input.hosts.map((h) => [h.origin.toLowerCase(), h.public]),
    ]);
    const firstParty = [...new Set(input.hosts.flatMap((h) => [h.origin, h.public]))];
    return [
        `// Rendered by china-edge: the origin proxy's conversion for ${input.hosts.map((h) => `${h.public} -> ${h.origin}`).join(", ")}`,
        `var NAMES = ${JSON.stringify(names)};`,
        `var FIRST_PARTY = ${JSON.stringify(firstParty)};`,
        `var HEADERS = ${JSON.stringify(CONVERTED_HEADERS.map((h) => h.toLowerCase()))};`,
        "",
        SOURCE,
    ].join("\n");
}
