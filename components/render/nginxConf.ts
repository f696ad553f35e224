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
