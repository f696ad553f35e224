// Every rule by which the origin proxy converts the old names into the public ones and back, in one table that
// the origin proxy's nginx.conf is written from. A rule says where it converts and what it adds to the config:
// maps at http level, directives in the proxying location.
import { HostPair, regexLiteral } from "china-edge-policy/kernel/hosts";
import { ThirdParty } from "../../thirdParty/hosts";
import { referenceSubstitutions } from "./relay";
import { CONVERTED_HEADERS, MODULE } from "./conversionModule";
import { Block, Node, block, directive, q } from "../shared/nginxConf";
import { CAPTURE, V } from "./nginxVariables";

export interface ConversionInput {
    hosts: HostPair[];
    thirdParty: ThirdParty[];
}

export type ConversionKind = "request header" | "response header" | "redirect" | "cookie" | "body";

export interface ConversionRule {
    /** What the rule converts. */
    name: string;
    kind: ConversionKind;
    /** Maps at http level the rule needs. */
    maps?(input: ConversionInput): Block[];
    /** Directives in the location that proxies to the existing service. */
    location?(input: ConversionInput): Node[];
}

/**
 * The strings that locate `from` in a body, each with its replacement. Every form is anchored on what precedes
 * the name, so mapping example.com never touches cdn.example.com or support@example.com.
 */
export function bodySubstitutions(from: string, to: string): [string, string][] {
    return [
        [`//${from}`, `//${to}`],              // https://, http://, wss:// and protocol-relative URLs
        [`\\/\\/${from}`, `\\/\\/${to}`],      // the same inside JSON with escaped slashes
        [`%2F%2F${from}`, `%2F%2F${to}`],      // URL-encoded, e.g. an OAuth redirect_uri (matched case-insensitively)
        [`\\u002F\\u002F${from}`, `\\u002F\\u002F${to}`], // Unicode-escaped, as devalue (Nuxt) and serialize-javascript write state
        [`\\x2F\\x2F${from}`, `\\x2F\\x2F${to}`],  // hex-escaped in JavaScript strings
        [`"${from}"`, `"${to}"`],              // the bare name as a quoted value (cookie domains in scripts, JSON)
        [`'${from}'`, `'${to}'`],
    ];
}

const { scheme, rest } = CAPTURE;

/** A map from `source` to `target` whose entries are (regex, replacement) pairs; the default keeps the source. */
function map(source: string, target: string, entries: [string, string][]): Block {
    return block("map", [source, target], [directive("default", source), ...entries.map(([re, to]) => directive(q(re), q(to)))]);
}

/** A request header naming a public URL, mapped back to the old name (Origin, Referer). */
function requestHeader(header: string, target: string): ConversionRule {
    const source = `$http_${header.toLowerCase()}`;
    return {
        name: `${header} on requests`, kind: "request header",
        maps: ({ hosts }) => [map(source, target, hosts.map((h) =>
            [`~*^(?<${scheme}>https?://)${regexLiteral(h.public)}(?<${rest}>[:/?#].*)?$`, `\${${scheme}}${h.origin}\${${rest}}`]))],
        location: () => [directive("proxy_set_header", header, target)],
    };
}

export const CONVERSION_RULES: ConversionRule[] = [
    requestHeader("Origin", V.originUpstream),
    requestHeader("Referer", V.refererUpstream),
    {
        name: `every name in ${CONVERTED_HEADERS.join(", ")} on responses, every served name in Location and Refresh; bodies compressed anyway marked for decoding`,
        kind: "response header",
        location: () => [block("header_filter_by_lua_block", [], [directive(MODULE.headers)])],
    },
    {
        name: "Location and Refresh of redirects: the scheme and name at their start (the names anywhere in them: the response header rule)", kind: "redirect",
        location: ({ hosts }) => hosts.map((h) =>
            directive("proxy_redirect", q(`~*^(?:https?:)?//${regexLiteral(h.origin)}([:/?#].*)?$`), q(`https://${h.public}$1`))),
    },
    {
        name: "the Domain of Set-Cookie", kind: "cookie",
        location: ({ hosts }) => hosts.map((h) => directive("proxy_cookie_domain", h.origin, h.public)),
    },
    {
        name: "served names in bodies of HTML and CONVERTED_TYPES", kind: "body",
        location: ({ hosts }) => hosts.flatMap((h) => bodySubstitutions(h.origin, h.public)).map(([from, to]) => directive("sub_filter", q(from), q(to))),
    },
    {
        name: "third-party hosts in bodies, pointed at their relay path or mirror", kind: "body",
        location: ({ thirdParty }) => thirdParty.flatMap(referenceSubstitutions).map(([from, to]) => directive("sub_filter", q(from), q(to))),
    },
    {
        name: "bodies the origin compressed anyway (gzip, br), decoded first; the integrity of first-party scripts and stylesheets in HTML, dropped (their bodies are converted)",
        kind: "body",
        location: () => [block("body_filter_by_lua_block", [], [directive(MODULE.body)])],
    },
];

/** The rules of some kinds, in the table's order. */
export function rulesOf(...kinds: ConversionKind[]): ConversionRule[] {
    return CONVERSION_RULES.filter((r) => kinds.includes(r.kind));
}
