// The origin proxy's relay of the third-party hosts China blocks (components/thirdParty/hosts.ts): a page's reference to
// https://fonts.googleapis.com/css2?… becomes https://<public name>/_ext/fonts.googleapis.com/css2?…, which the
// visitor fetches over the connection it already has, and the origin proxy in US East fetches from the host itself.
// What a relay must never do (https://developer.mozilla.org/en-US/docs/Web/Security/Same-origin_policy): serve a
// third party's active document under the site's origin, hand it the visitor's cookies or credentials, or hang a page.
import { ThirdParty } from "../../thirdParty/hosts";
import { regexLiteral } from "china-edge-policy/kernel/hosts";
import { Node, blank, block, comment, directive, q } from "../shared/nginxConf";
import { upstreamTls } from "../shared/nginxShared";
import { NginxPaths } from "../shared/paths";
import { REQUEST_ID_HEADER } from "../shared/endpoints";
import { V } from "./nginxVariables";
import { MODULE, RELAY_PREFIX } from "./conversionModule";

/**
 * The resolvers of an Alibaba Cloud VPC, which nginx asks for a relayed host's address when a request needs it (not
 * at start, so a host that does not resolve never stops nginx): "The service addresses for Private DNS are assigned
 * by the system and are 100.100.2.136 and 100.100.2.138"
 * (https://www.alibabacloud.com/help/en/ecs/user-guide/ecs-private-domain-resolution).
 */
export const VPC_RESOLVERS = ["100.100.2.136", "100.100.2.138"];

/** How long a relayed host may take to accept a connection, and to answer: a host that is down costs seconds, never a hang. */
export const RELAY_CONNECT_TIMEOUT = "3s";
export const RELAY_READ_TIMEOUT = "10s";

/** Cache of relayed answers: shared by the workers, bounded, kept a week unused. */
const RELAY_CACHE = { zone: "ce_relay", keys: "10m", maxSize: "1g", inactive: "7d" };

/** The headers a relayed request never carries: the visitor's credentials for the site, and its address. */
const WITHHELD_REQUEST_HEADERS = ["Cookie", "Authorization", "X-Forwarded-For", "X-Real-IP", "Forwarded", REQUEST_ID_HEADER];

export interface RelayInput {
    thirdParty: ThirdParty[];
    /** Resolvers of relayed hosts' names; VPC_RESOLVERS on Alibaba Cloud. */
    resolvers: string[];
    /** Third-party host → "address:port" to connect to; by default the host itself on 443. */
    upstreamAddresses?: Record<string, string>;
    paths: NginxPaths;
}

/** Where references to a third party point instead, without the scheme: its mirror, or its relay path (relay and drop). */
export function replacementOf(t: ThirdParty): string | undefined {
    const path = t.path ?? "";
    switch (t.treatment) {
    case "mirror":
        return `${t.mirror}${path}`;
    case "relay":
    case "drop":
        return `$host${RELAY_PREFIX}${t.host}${path}`;
    case "keep":
        return undefined;
    }
}

const served = (input: RelayInput) => input.thirdParty.filter((t) => t.treatment === "relay" || t.treatment === "drop");

/** Maps at http level: each relayed host's treatment, address, methods and what it asks to be encoded in. */
export function relayMaps(input: RelayInput): Node[] {
    const relayed = served(input);
    if (relayed.length === 0) {
        return [];
    }
    const c = RELAY_CACHE;
    return [
        comment("Third-party hosts served under the public names at /_ext/<host>/ (relay), or answered empty at once (drop)."),
        block("map", [V.relayHost, V.relay], [directive("default", "''"), ...relayed.map((t) => directive(t.host, t.treatment))]),
        block("map", [V.relayHost, V.relayUpstream], [
            directive("default", "''"),
            ...relayed.filter((t) => t.treatment === "relay").map((t) => directive(t.host, input.upstreamAddresses?.[t.host] ?? `${t.host}:443`)),
        ]),
        comment("GET and HEAD only, POST where the host's entry allows it (analytics collection)."),
        block("map", [`"$request_method ${V.relayHost}"`, V.relayMethod], [
            directive("default", "0"),
            directive(q("~^(GET|HEAD) "), "1"),
            ...relayed.filter((t) => t.post).map((t) => directive(q(`POST ${t.host}`), "1")),
        ]),
        comment("The host's own path and query, exactly as the visitor sent them (not decoded)."),
        block("map", ["$request_uri", V.relayPath], [directive("default", "/"), directive(q(`~^${RELAY_PREFIX}[^/]+(?<ce_relay_p>/.*)$`), "$ce_relay_p")]),
        directive("proxy_cache_path", input.paths.relayCache, "levels=1:2", `keys_zone=${c.zone}:${c.keys}`, `max_size=${c.maxSize}`, `inactive=${c.inactive}`, "use_temp_path=off"),
        directive("resolver", ...input.resolvers, "valid=300s", "ipv6=off"),
        directive("resolver_timeout", "3s"),
    ];
}

/** The directives every relayed request runs through, in the location of its host. */
function relayBody(input: RelayInput, rewrites: ThirdParty[] | undefined, paths: NginxPaths, chainHeader: string): Node[] {
    return [
        block("if", [`(${V.relay} = drop)`], [directive("return", "204")]),
        block("if", [`(${V.relay} != relay)`], [directive("return", "404", '"not a relayed host\\n"')]),
        block("if", [`(${V.relayMethod} = 0)`], [directive("return", "405", '"method not relayed\\n"')]),
        directive("proxy_pass", `https://${V.relayUpstream}${V.relayPath}`),
        directive("proxy_http_version", "1.1"),
        directive("proxy_set_header", "Host", V.relayHost),
        directive("proxy_set_header", "Connection", "''"),
        ...WITHHELD_REQUEST_HEADERS.map((h) => directive("proxy_set_header", h, "''")),
        rewrites ? directive("proxy_set_header", "Accept-Encoding", "''") : undefined,
        ...upstreamTls(V.relayHost, paths.caBundle),
        directive("proxy_connect_timeout", RELAY_CONNECT_TIMEOUT),
        directive("proxy_send_timeout", RELAY_READ_TIMEOUT),
        directive("proxy_read_timeout", RELAY_READ_TIMEOUT),
        blank,
        directive("proxy_buffering", "on"),
        directive("proxy_cache", RELAY_CACHE.zone),
        directive("proxy_cache_key", `${V.relayHost}${V.relayPath}`),
        directive("proxy_cache_valid", "200", "301", "10m"),
        directive("proxy_cache_lock", "on"),
        directive("proxy_cache_use_stale", "error", "timeout", "updating", "http_500", "http_502", "http_503", "http_504"),
        directive("proxy_cache_background_update", "on"),
        blank,
        comment("Cookies never come back (the Lua filter keeps redirects on the relay and refuses active types)."),
        directive("proxy_redirect", "off"),
        directive("proxy_hide_header", "Set-Cookie"),
        directive("proxy_hide_header", "Alt-Svc"),
        directive("proxy_ignore_headers", "Set-Cookie"),
        comment("A relayed answer is a subresource: never sniffed into something else, inert if opened as a document."),
        directive("add_header", chainHeader, "$hostname", "always"),
        directive("add_header", "X-Content-Type-Options", "nosniff", "always"),
        directive("add_header", "Content-Security-Policy", q("default-src 'none'; style-src 'unsafe-inline'; sandbox"), "always"),
        block("header_filter_by_lua_block", [], [directive(MODULE.relayed)]),
        block("body_filter_by_lua_block", [], [directive(MODULE.refused)]),
        directive("error_page", "502", "504", "@ce_relay_error"),
        ...(rewrites ? [
            comment("This host's bodies name other third parties: they point at their replacements too."),
            ...rewrites.flatMap((t) => referenceSubstitutions(t)).map(([from, to]) => directive("sub_filter", q(from), q(to))),
            directive("sub_filter_once", "off"),
            directive("sub_filter_types", "text/css"),
        ] : []),
    ].filter((n): n is Node => n !== undefined);
}

/**
 * The locations of the relay, inside each server of the public names: a host whose bodies are converted (its entry
 * says `rewrites`) has its own, before the one of every other host, whose bytes pass unchanged (so `integrity` holds).
 */
export function relayLocations(input: RelayInput, chainHeader: string): Node[] {
    const relayed = served(input);
    if (relayed.length === 0) {
        return [];
    }
    const treated = input.thirdParty.filter((t) => t.treatment !== "keep");
    const prefix = regexLiteral(RELAY_PREFIX);
    const capture = V.relayHost.slice(1);
    return [
        comment(`Third-party hosts relayed under ${RELAY_PREFIX}<host>/ (components/thirdParty/hosts.ts).`),
        ...relayed.filter((t) => t.rewrites && t.treatment === "relay").map((t) =>
            block("location", ["~", `^${prefix}(?<${capture}>${regexLiteral(t.host)})/`], relayBody(input, treated, input.paths, chainHeader))),
        block("location", ["~", `^${prefix}(?<${capture}>[^/]+)/`], relayBody(input, undefined, input.paths, chainHeader)),
        block("location", ["@ce_relay_error"], [
            directive("default_type", "text/plain"),
            comment("The status stays the one nginx met: 502 for a connection refused, 504 for a timeout."),
            directive("return", "504", `"the third party ${V.relayHost} could not be reached from the origin proxy $hostname, or did not answer in time\\n"`),
        ]),
    ];
}

/**
 * The strings that locate references to a third party in a body, each with its replacement: `//host/path` as URLs
 * write it, with escaped slashes (JSON) and encoded (a query); the bare name in quotes too for a mirror of a whole host.
 */
export function referenceSubstitutions(t: ThirdParty): [string, string][] {
    const to = replacementOf(t);
    if (to === undefined) {
        return [];
    }
    const from = `${t.host}${t.path ?? ""}`;
    const escaped = (s: string) => s.replace(/\//g, "\\/");
    const encoded = (s: string) => s.replace(/\//g, "%2F");
    return [
        [`//${from}`, `//${to}`],
        [`\\/\\/${escaped(from)}`, `\\/\\/${escaped(to)}`],
        [`%2F%2F${encoded(from)}`, `%2F%2F${encoded(to)}`],
        ...(t.treatment === "mirror" && !t.path ? [[`"${from}"`, `"${to}"`], [`'${from}'`, `'${to}'`]] as [string, string][] : []),
    ];
}
