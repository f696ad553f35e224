// Every rule by which the origin proxy converts the old names into the public ones and back, in one table that
// the origin proxy's nginx.conf is written from. A rule says where it converts and what it adds to the config:
// maps at http level, directives at http level, directives in the proxying location. What is per host pair goes at
// http level, once for every server: nginx hands sub_filter, proxy_redirect and proxy_cookie_domain down to each
// location that sets none of its own (the relay's locations set theirs; sub_filter_types stays text/html, nginx's
// default, outside the proxying location).
import { HostPair, regexLiteral } from "china-edge-policy/kernel/hosts";
import { ThirdParty } from "../../thirdParty/hosts";
import { referenceSubstitutions } from "./relay";
import { BODY_PREFIXES, BODY_QUOTES, CONVERTED_HEADERS, MODULE } from "./conversionModule";
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
    /** Directives at http level, inherited by the locations that proxy to the existing service. */
    http?(input: ConversionInput): Node[];
    /** Directives in the location that proxies to the existing service. */
    location?(input: ConversionInput): Node[];
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
        http: ({ hosts }) => hosts.map((h) =>
            directive("proxy_redirect", q(`~*^(?:https?:)?//${regexLiteral(h.origin)}([:/?#].*)?$`), q(`https://${h.public}$1`))),
    },
    {
        name: "the Domain of Set-Cookie", kind: "cookie",
        http: ({ hosts }) => hosts.map((h) => directive("proxy_cookie_domain", h.origin, h.public)),
    },
    {
        // sub_filter takes at most 255 strings per location, and each name is written 7 ways.
        name: `served names in bodies of HTML and CONVERTED_TYPES, after ${BODY_PREFIXES.join(" ")} or between ${BODY_QUOTES.join(" ")}: the module's body filter`,
        kind: "body",
    },
    {
        name: "third-party hosts in bodies, pointed at their relay path or mirror", kind: "body",
        http: ({ thirdParty }) => thirdParty.flatMap(referenceSubstitutions).map(([from, to]) => directive("sub_filter", q(from), q(to))),
    },
    {
        name: "bodies the origin compressed anyway (gzip, br), decoded first; served names converted; the integrity of first-party scripts and stylesheets in HTML, dropped (their bodies are converted)",
        kind: "body",
        location: () => [block("body_filter_by_lua_block", [], [directive(MODULE.body)])],
    },
];

/** The rules of some kinds, in the table's order. */
export function rulesOf(...kinds: ConversionKind[]): ConversionRule[] {
    return CONVERSION_RULES.filter((r) => kinds.includes(r.kind));
}

/** The strings nginx's sub_filter takes in one location (ngx_http_sub_filter_module refuses the 256th). */
export const SUB_FILTER_LIMIT = 255;

/** The sub_filter strings the rules write for `input`, with the ICP footer's. */
export function subFilterStrings(input: ConversionInput): number {
    const written = CONVERSION_RULES.flatMap((r) => r.http?.(input) ?? []).filter((n) => n.kind === "directive" && n.name === "sub_filter");
    return written.length + 1;
}
