// The origin proxy's Lua module (lua/conversion.lua) with the tables it converts by: the response headers that can
// name the site, every occurrence in them, and the integrity of first-party scripts and stylesheets in HTML.
import * as fs from "fs";
import * as path from "path";
import { HostPair, Mirror } from "china-edge-policy/kernel/hosts";

/** Response headers that can name the site, converted in full by the module (Location and Refresh by proxy_redirect). */
export const CONVERTED_HEADERS = [
    "Content-Security-Policy", "Content-Security-Policy-Report-Only", "Link", "Report-To", "Reporting-Endpoints",
    "Content-Location", "Timing-Allow-Origin", "Access-Control-Allow-Origin", "Permissions-Policy", "Feature-Policy",
    "X-Frame-Options", "Speculation-Rules", "SourceMap", "X-SourceMap",
];

/** The module's name (nginx finds it as <name>.lua on lua_package_path) and the Lua its two filters run. */
export const MODULE = {
    name: "conversion",
    headers: 'require("conversion").headers()',
    integrity: 'require("conversion").integrity()',
} as const;

const SOURCE = fs.readFileSync(path.join(__dirname, "lua", "conversion.lua"), "utf8");

const lua = (text: string) => `"${text.replace(/[\\"]/g, "\\$&")}"`;

export function renderConversionModule(input: { hosts: HostPair[]; mirrors: Mirror[] }): string {
    const names = new Map([
        ...input.mirrors.map((m): [string, string] => [m.from.toLowerCase(), m.to]),
        ...input.hosts.map((h): [string, string] => [h.origin.toLowerCase(), h.public]),
    ]);
    const firstParty = [...new Set(input.hosts.flatMap((h) => [h.origin, h.public]))];
    return [
        `-- Rendered by china-edge: the origin proxy's conversion for ${input.hosts.map((h) => `${h.public} -> ${h.origin}`).join(", ")}`,
        `local NAMES = { ${[...names].map(([from, to]) => `[${lua(from)}] = ${lua(to)}`).join(", ")} }`,
        `local FIRST_PARTY = { ${firstParty.map(lua).join(", ")} }`,
        `local HEADERS = { ${CONVERTED_HEADERS.map((h) => lua(h.toLowerCase())).join(", ")} }`,
        "",
        SOURCE,
    ].join("\n");
}
