// haproxy.cfg as a structure: sections (global, defaults, frontend, backend) of keyword lines, comments and blank
// lines, written by one printer and read back by one parser, so that a rendered config can be changed by keyword
// and argument (as the lab does) rather than by its wording. https://docs.haproxy.org/2.6/configuration.html#2.1

import { CLIENT_FIN_TIMEOUT, CONNECT_TIMEOUT, TUNNEL_TIMEOUT } from "./capacity";

/** `keyword arg arg`: one line of a section; arguments are HAProxy words (a quoted string is one word). */
export interface Line {
    kind: "line";
    keyword: string;
    args: string[];
}

export interface Comment {
    kind: "comment";
    lines: string[];
}

export interface Blank {
    kind: "blank";
}

export type Entry = Line | Comment | Blank;

/** `frontend fe_https` and what follows it, up to the next section. */
export interface Section {
    kind: "section";
    type: string;
    name?: string;
    body: Entry[];
}

export type Node = Section | Comment | Blank;

export const line = (keyword: string, ...args: (string | number)[]): Line => ({ kind: "line", keyword, args: args.map(String) });
export const comment = (...lines: string[]): Comment => ({ kind: "comment", lines });
export const blank: Blank = { kind: "blank" };
export const section = (type: string, name: string | undefined, body: (Entry | Entry[] | undefined)[]): Section =>
    ({ kind: "section", type, ...(name === undefined ? {} : { name }), body: body.flat().filter((e): e is Entry => e !== undefined) });

/** A string as one HAProxy word: double-quoted, with `"` and `\` escaped. */
/** A log-format of one JSON object: strings quoted (those from the client through the json converter), numbers bare. */
export function jsonLog(fields: Record<string, string>): Line {
    const body = Object.entries(fields).map(([k, v]) => `\\"${k}\\":${v}`).join(",");
    return line("log-format", `"{${body}}"`);
}

/** A string field of jsonLog. */
export const quoted = (v: string) => `\\"${v}\\"`;

/** The defaults both HAProxy roles share: logging, and connections idle up to TUNNEL_TIMEOUT (WebSockets, warm links). */
export function commonDefaults(mode: "tcp" | "http"): Entry[] {
    return [
        line("mode", mode),
        line("log", "global"),
        line("option", "dontlognull"),
        mode === "tcp" ? line("option", "tcpka") : [],
        line("timeout", "connect", CONNECT_TIMEOUT),
        line("timeout", "client", TUNNEL_TIMEOUT),
        line("timeout", "server", TUNNEL_TIMEOUT),
        line("timeout", "tunnel", TUNNEL_TIMEOUT),
        line("timeout", "client-fin", CLIENT_FIN_TIMEOUT),
    ].flat();
}

/** An ACL condition written inline: `{ path /healthz }`. */
export const cond = (...words: string[]) => ["{", ...words, "}"];

export function quote(text: string): string {
    return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

const INDENT = "    ";

function printEntries(entries: Entry[], indent: string): string[] {
    return entries.flatMap((e): string[] => {
        switch (e.kind) {
        case "blank":
            return [""];
        case "comment":
            return e.lines.map((l) => `${indent}# ${l}`);
        case "line":
            return [`${indent}${[e.keyword, ...e.args].join(" ")}`];
        }
    });
}

/** The text of a whole haproxy.cfg. */
export function printHaproxy(nodes: Node[]): string {
    return `${nodes.flatMap((n) => n.kind === "section"
        ? [[n.type, n.name].filter((x) => x !== undefined).join(" "), ...printEntries(n.body, INDENT)]
        : printEntries([n], "")).join("\n")}\n`;
}

/** The words of a line: runs of non-space, where a double-quoted string (with backslash escapes) is part of a word. */
function words(text: string): string[] {
    return text.match(/(?:"(?:\\.|[^"\\])*"|[^\s"])+/g) ?? [];
}

/** A haproxy.cfg read back into the structure `printHaproxy` writes. */
export function parseHaproxy(text: string): Node[] {
    const nodes: Node[] = [];
    let current: Section | undefined;
    const add = (entry: Entry) => {
        const into: Node[] | Entry[] = current ? current.body : nodes;
        const last = into[into.length - 1];
        if (entry.kind === "comment" && last?.kind === "comment") {
            last.lines.push(...entry.lines);
        } else {
            (into as Entry[]).push(entry);
        }
    };
    for (const raw of text.replace(/\n$/, "").split("\n")) {
        const trimmed = raw.trim();
        if (trimmed === "") {
            add(blank);
        } else if (trimmed.startsWith("#")) {
            if (raw.startsWith("#")) {
                // A comment at the margin stands before the next section, not inside the last.
                current = undefined;
            }
            add(comment(trimmed.replace(/^#\s?/, "")));
        } else if (/^\S/.test(raw)) {
            const [type, name] = words(trimmed);
            current = { kind: "section", type, ...(name === undefined ? {} : { name }), body: [] };
            nodes.push(current);
        } else if (!current) {
            throw new Error(`haproxy.cfg: "${trimmed}" comes before any section`);
        } else {
            const [keyword, ...args] = words(trimmed);
            add(line(keyword, ...args));
        }
    }
    return nodes;
}

/** The sections of a config of one type (and name, when given). */
export function sectionsOf(nodes: Node[], type: string, name?: string): Section[] {
    return nodes.filter((n): n is Section => n.kind === "section" && n.type === type && (name === undefined || n.name === name));
}

/** The lines of a section with this keyword (and first argument, when given). */
export function linesOf(s: Section, keyword: string, first?: string): Line[] {
    return s.body.filter((e): e is Line => e.kind === "line" && e.keyword === keyword && (first === undefined || e.args[0] === first));
}
