// Pulumi.yaml's `config:` block and docs/configuration.md's table of keys, written from the table in keys.ts.
import * as YAML from "yaml";
import { Field } from "./fields";
import { allFields } from "./keys";

const ONE_STACK = (f: Field<unknown>) => (f.stacks.length === 1 ? `(${f.stacks[0]}) ` : "");

/** Pulumi.yaml with its `config:` block rewritten from the table; the rest of the file is kept. */
export function projectFile(current: string): string {
    const doc = YAML.parseDocument(current);
    const config = Object.fromEntries(allFields().map((f) => [f.key, {
        type: f.type,
        ...(f.type === "array" ? { items: { type: "string" } } : {}),
        ...(f.default !== undefined ? { default: f.default } : {}),
        description: `${ONE_STACK(f)}${f.description}`,
    }]));
    doc.set("config", doc.createNode(config));
    const pair = (doc.contents as YAML.YAMLMap<YAML.Scalar, unknown>).items.find((p) => p.key.value === "config");
    if (pair) {
        pair.key.commentBefore = " Written by `npm run config:docs` from stacks/config/keys.ts: change a key there, not here.";
    }
    return doc.toString({ lineWidth: 0 });
}

export const KEYS_TABLE_START = "<!-- config keys: written by `npm run config:docs` from stacks/config/keys.ts -->";
export const KEYS_TABLE_END = "<!-- end of config keys -->";

function shown(value: Field<unknown>["default"]): string {
    return value === undefined ? "—" : value === "" ? "`\"\"`" : `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

/** docs/configuration.md with the table between its markers rewritten; undefined when the markers are missing. */
export function keysPageFile(current: string): string | undefined {
    const start = current.indexOf(KEYS_TABLE_START);
    const end = current.indexOf(KEYS_TABLE_END);
    if (start < 0 || end < start) {
        return undefined;
    }
    const rows = allFields().map((f) => `| \`${f.key}\` | ${f.stacks.join(", ")} | ${shown(f.default)} | ${f.accepted} |`);
    const table = ["| key | stacks | default | accepted |", "|---|---|---|---|", ...rows].join("\n");
    return `${current.slice(0, start)}${KEYS_TABLE_START}\n${table}\n${current.slice(end)}`;
}
