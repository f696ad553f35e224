// The origin proxy's Lua module (lua/conversion.lua) with the tables it converts by: the response headers that can
// name the site, every occurrence in them, the integrity of first-party scripts and stylesheets in HTML, and what a
// relayed third party may answer.
import * as fs from "fs";
import * as path from "path";
import { HostPair } from "china-edge-policy/kernel/hosts";
import { ThirdParty } from "../../thirdParty/hosts";
import { CONVERTED_TYPES, STREAMED_TYPES } from "./convertedTypes";
import { fewOf } from "../shared/summary";

/** The path under every public name where relayed third parties are served: /_ext/<host>/<the host's own path>. */
export const RELAY_PREFIX = "/_ext/";

/**
 * Response headers that can name the site, converted in full by the module; Location and Refresh are proxy_redirect's
 * (scheme and name at the start), then the module's for the served names anywhere in them (a sign-in's return URL).
 */
export const CONVERTED_HEADERS = [
    "Content-Security-Policy", "Content-Security-Policy-Report-Only", "Link", "Report-To", "Reporting-Endpoints",
    "Content-Location", "Timing-Allow-Origin", "Access-Control-Allow-Origin", "Permissions-Policy", "Feature-Policy",
    "X-Frame-Options", "Speculation-Rules", "SourceMap", "X-SourceMap",
];

/**
 * What a served name follows in a body (two slashes: in a URL, inside JSON with escaped slashes, URL-encoded as in an
 * OAuth redirect_uri, Unicode-escaped as devalue and serialize-javascript write state, hex-escaped in scripts), or the
 * quotes it stands between (a cookie domain in a script, a bare name in JSON). Anchored so, mapping example.com never
 * touches cdn.example.com or support@example.com.
 */
export const BODY_PREFIXES = ["//", "\\/\\/", "%2F%2F", "\\u002F\\u002F", "\\x2F\\x2F"];
export const BODY_QUOTES = ["\"", "'"];

/** The module's name (nginx finds it as <name>.lua on lua_package_path) and the Lua its filters run. */
export const MODULE = {
    name: "conversion",
    headers: 'require("conversion").headers()',
    // Returned: the filter aborts the answer when the module says ngx.ERROR.
    body: 'return require("conversion").body()',
    relayed: 'require("conversion").relayed()',
    refused: 'require("conversion").refused()',
} as const;

/**
 * Content types a relayed host may answer with: what a page loads as a subresource (styles, scripts, fonts,
 * images, data). Anything else, HTML first, would run as the site's own origin and is refused; SVG passes because
 * every relayed answer carries a CSP sandbox that keeps it inert when opened as a document.
 */
export const RELAYED_TYPES = [
    "text/css", "text/javascript", "application/javascript", "application/x-javascript", "application/json",
    "application/manifest+json", "application/wasm", "application/octet-stream", "text/plain", "font/",
    "application/font-", "application/x-font-", "application/vnd.ms-fontobject", "image/",
];

/**
 * The module as the hosts get it: without its comment lines and indentation, which are for readers of
 * lua/conversion.lua.
 */
const SOURCE = fs.readFileSync(path.join(__dirname, "lua", "conversion.lua"), "utf8")
    .split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("--")).join("\n");

const lua = (text: string) => `"${text.replace(/[\\"]/g, "\\$&")}"`;

export function renderConversionModule(input: { hosts: HostPair[]; thirdParty: ThirdParty[] }): string {
    const table = (pairs: [string, string][]) => `{ ${pairs.map(([from, to]) => `[${lua(from)}] = ${lua(to)}`).join(", ")} }`;
    const list = (items: string[]) => `{ ${items.map(lua).join(", ")} }`;
    const firstParty = [...new Set(input.hosts.flatMap((h) => [h.origin, h.public]))];
    return [
        `-- Rendered by china-edge: the origin proxy's conversion for ${fewOf(input.hosts.map((h) => `${h.public} -> ${h.origin}`))}`,
        `local SERVED = ${table(input.hosts.map((h) => [h.origin.toLowerCase(), h.public]))}`,
        `local MIRRORS = ${table(input.thirdParty.filter((t) => t.treatment === "mirror").map((t) => [t.host, t.mirror!]))}`,
        `local FIRST_PARTY = ${list(firstParty)}`,
        `local HEADERS = ${list(CONVERTED_HEADERS.map((h) => h.toLowerCase()))}`,
        `local RELAYED = ${list(input.thirdParty.filter((t) => t.treatment === "relay" || t.treatment === "drop").map((t) => t.host))}`,
        `local MIRROR_ALLOWS = { ${input.thirdParty.filter((t) => t.mirror && t.mirrorAllows)
            .map((t) => `[${lua(t.mirror!)}] = ${lua(t.mirrorAllows!.join(" "))}`).join(", ")} }`,
        `local RELAY_PREFIX = ${lua(RELAY_PREFIX)}`,
        `local RELAYED_TYPES = ${list(RELAYED_TYPES)}`,
        `local CONVERTED_TYPES = ${list(["text/html", ...CONVERTED_TYPES, ...STREAMED_TYPES])}`,
        `local BODY_PREFIXES = ${list(BODY_PREFIXES)}`,
        `local BODY_QUOTES = ${list(BODY_QUOTES)}`,
        "",
        SOURCE,
    ].join("\n");
}
