// nginx.conf as a structure: directives, blocks, comments and blank lines, built by small functions and written
// by one printer. The builders decide what a config says; the printer only how it looks (four spaces a level).

/** `name arg arg;` — an argument that is a list is written one piece per line, aligned under the first. */
export interface Directive {
    kind: "directive";
    name: string;
    args: (string | string[])[];
}

/** `name args { body }` */
export interface Block {
    kind: "block";
    name: string;
    args: string[];
    body: Node[];
}

export interface Comment {
    kind: "comment";
    lines: string[];
}

export interface Blank {
    kind: "blank";
}

export type Node = Directive | Block | Comment | Blank;

export const directive = (name: string, ...args: (string | string[])[]): Directive => ({ kind: "directive", name, args });
export const block = (name: string, args: string[], body: (Node | undefined)[]): Block =>
    ({ kind: "block", name, args, body: body.filter((n): n is Node => n !== undefined) });
export const comment = (...lines: string[]): Comment => ({ kind: "comment", lines });
export const blank: Blank = { kind: "blank" };

/** A string as an nginx token: single-quoted, with the escapes nginx's parser undoes. */
export function q(text: string): string {
    return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function printDirective(d: Directive, indent: string): string {
    let line = `${indent}${d.name}`;
    for (const arg of d.args) {
        if (typeof arg === "string") {
            line += ` ${arg}`;
        } else {
            const column = " ".repeat(line.length + 1);
            line += ` ${arg.join(`\n${column}`)}`;
        }
    }
    return `${line};`;
}

function printNodes(nodes: Node[], level: number): string[] {
    const indent = "    ".repeat(level);
    return nodes.flatMap((n): string[] => {
        switch (n.kind) {
        case "blank":
            return [""];
        case "comment":
            return n.lines.map((l) => `${indent}# ${l}`);
        case "directive":
            return [printDirective(n, indent)];
        case "block":
            return [`${indent}${[n.name, ...n.args].join(" ")} {`, ...printNodes(n.body, level + 1), `${indent}}`];
        }
    });
}

/** The text of a whole nginx.conf. */
export function printConf(nodes: (Node | undefined)[]): string {
    return `${printNodes(nodes.filter((n): n is Node => n !== undefined), 0).join("\n")}\n`;
}

/** The words of one line: quoted strings, `{`, `}`, `;`, and runs of anything else (`${var}` included). */
function words(text: string): string[] {
    return text.match(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|[{};]|(?:\$\{[^}]*\}|[^\s;{}])+/g) ?? [];
}

/**
 * An nginx.conf as `printConf` writes it, read back into its structure: one directive, block opening or closing,
 * comment or blank per line, and a list argument continued one piece per line.
 */
export function parseConf(text: string): Node[] {
    const root: Node[] = [];
    const open: Node[][] = [root];
    let pending: Directive | undefined;
    text.replace(/\n$/, "").split("\n").forEach((raw, i) => {
        const body = open[open.length - 1];
        const trimmed = raw.trim();
        const fail = (why: string) => new Error(`nginx.conf line ${i + 1}: ${why}: ${trimmed}`);
        if (pending) {
            const [piece, end] = words(trimmed);
            (pending.args[pending.args.length - 1] as string[]).push(piece);
            if (end === ";") {
                pending = undefined;
            }
        } else if (trimmed === "") {
            body.push(blank);
        } else if (trimmed.startsWith("#")) {
            body.push(comment(trimmed.replace(/^#\s?/, "")));
        } else if (trimmed === "}") {
            if (open.length === 1) {
                throw fail("a closing brace with no block open");
            }
            open.pop();
        } else {
            const [name, ...rest] = words(trimmed);
            const last = rest.pop();
            if (last === "{") {
                const b = block(name, rest, []);
                body.push(b);
                open.push(b.body);
            } else if (last === ";") {
                body.push(directive(name, ...rest));
            } else if (last !== undefined) {
                pending = directive(name, ...rest, [last]);
                body.push(pending);
            } else {
                throw fail("a directive without arguments or end");
            }
        }
    });
    if (open.length > 1 || pending) {
        throw new Error("nginx.conf: a block or directive is not closed");
    }
    return root;
}

/** Every directive of this name, at any depth, with the chain of blocks it sits in (outermost first). */
export function findDirectives(nodes: Node[], name: string, within: Block[] = []): { directive: Directive; blocks: Block[] }[] {
    return nodes.flatMap((n) => n.kind === "directive" && n.name === name ? [{ directive: n, blocks: within }]
        : n.kind === "block" ? findDirectives(n.body, name, [...within, n]) : []);
}

/** Every block of this name, at any depth. */
export function findBlocks(nodes: Node[], name: string): Block[] {
    return nodes.flatMap((n) => n.kind === "block" ? [...(n.name === name ? [n] : []), ...findBlocks(n.body, name)] : []);
}
