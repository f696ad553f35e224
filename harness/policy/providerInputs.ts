// Reads the installed @pulumi/alicloud's typed inputs (each resource's `<Name>Args` interface and the input
// types it nests) and lists every input that chooses an instance type, family or burstable level, sizes a
// system or data disk, or opens an ingress rule. The policy pack's coverage table must decide each one.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { InputKind } from "china-edge-policy/coverage/kinds";

export const PROVIDER_DIR = path.dirname(require.resolve("@pulumi/alicloud/package.json"));

/** An input of a resource, as a path from the resource's arguments: `dataDisks[].size`, `systemDisk.size`. */
export interface ProviderInput {
    token: string;
    path: string;
    kind: InputKind;
    /** The value type as declared: string, number, string[], …. */
    valueType: string;
    /** "Default value: …" from the input's documentation, when it gives one. */
    documentedDefault?: string;
}

interface Field {
    name: string;
    typeText: string;
    doc: string;
}

const NESTING_LIMIT = 4;

function fieldsOf(node: ts.InterfaceDeclaration, source: ts.SourceFile): Field[] {
    return node.members.filter(ts.isPropertySignature).map((m) => ({
        name: m.name.getText(source),
        typeText: m.type ? m.type.getText(source) : "",
        doc: ts.getJSDocCommentsAndTags(m).map((d) => d.getText(source)).join("\n"),
    }));
}

/** `inputs.ecs.InstanceDataDisk` → its fields, from types/input.d.ts. */
function nestedTypes(providerDir: string): Map<string, Field[]> {
    const file = path.join(providerDir, "types/input.d.ts");
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const found = new Map<string, Field[]>();
    const visit = (node: ts.Node, prefix: string[]): void => {
        if (ts.isModuleDeclaration(node) && node.body) {
            const inner = [...prefix, node.name.getText(source)];
            ts.forEachChild(node.body, (child) => visit(child, inner));
        } else if (ts.isInterfaceDeclaration(node)) {
            found.set(["inputs", ...prefix, node.name.text].join("."), fieldsOf(node, source));
        }
    };
    ts.forEachChild(source, (child) => visit(child, []));
    return found;
}

/** Every resource of the provider: its type token and the fields of its `<Name>Args` interface. */
function resources(providerDir: string): { token: string; fields: Field[] }[] {
    const out: { token: string; fields: Field[] }[] = [];
    for (const dir of fs.readdirSync(providerDir).sort()) {
        const full = path.join(providerDir, dir);
        if (dir === "types" || dir === "node_modules" || !fs.statSync(full).isDirectory()) {
            continue;
        }
        for (const js of fs.readdirSync(full).filter((f) => f.endsWith(".js")).sort()) {
            const token = /__pulumiType = '([^']+)'/.exec(fs.readFileSync(path.join(full, js), "utf8"))?.[1];
            const dts = path.join(full, js.replace(/\.js$/, ".d.ts"));
            if (!token || !fs.existsSync(dts)) {
                continue;
            }
            const source = ts.createSourceFile(dts, fs.readFileSync(dts, "utf8"), ts.ScriptTarget.ES2022, true);
            const className = token.split(":")[2];
            const args = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `${className}Args`);
            out.push({ token, fields: args ? fieldsOf(args, source) : [] });
        }
    }
    return out;
}

const INSTANCE_TYPE = /instanceTypes?$|instanceTypeOverrides?$/i;
const FAMILY = /(instance|type)Famil(y|ies)$|^instanceFamilyLevel$|^instanceCategor(y|ies)$/i;
const BURSTABLE = /burstable|^creditSpecification$/i;
const DISK_SIZE = /disk.*(size|capacity)|(size|capacity).*disk/i;
const INGRESS = /^(source)?(ipv6)?(source)?cidrIps?$|^portRange$/i;

/** What an input chooses, judged by its name and where it sits; undefined when it is none of the kinds. */
export function kindOf(token: string, segments: string[], name: string): InputKind | undefined {
    const parent = segments[segments.length - 1] ?? "";
    if (BURSTABLE.test(name)) {
        return "burstable";
    }
    if (FAMILY.test(name)) {
        return "family";
    }
    if (INSTANCE_TYPE.test(name)) {
        return "instanceType";
    }
    if (DISK_SIZE.test(name) || (/^size$/i.test(name) && (/disk/i.test(parent) || (segments.length === 0 && /Disk$/.test(token))))) {
        return "diskSize";
    }
    if (INGRESS.test(name)) {
        return "ingress";
    }
    return undefined;
}

function documentedDefault(doc: string): string | undefined {
    const m = /Default(?: value)?(?: is|:| to)?\s*:?\s*`?(max\{[^}]*\}|[^`.\s,;]+)`?/i.exec(doc.replace(/\n\s*\*\s*/g, " "));
    return m ? m[1] : undefined;
}

function valueTypeOf(typeText: string): string {
    const inner = typeText.replace(/pulumi\.Input<|>/g, "").replace(/\s*\|\s*undefined/g, "");
    return inner.replace(/\s+/g, "");
}

export function scanProviderInputs(providerDir = PROVIDER_DIR): ProviderInput[] {
    const nested = nestedTypes(providerDir);
    const found: ProviderInput[] = [];
    const walk = (token: string, fields: Field[], segments: string[], prefix: string): void => {
        for (const f of fields) {
            const ref = /inputs\.[\w.]+/.exec(f.typeText)?.[0];
            const many = /\[\]/.test(f.typeText) ? "[]" : "";
            const at = `${prefix}${f.name}${many}`;
            const kind = kindOf(token, segments, f.name);
            if (kind && !ref) {
                found.push({ token, path: at, kind, valueType: valueTypeOf(f.typeText), documentedDefault: documentedDefault(f.doc) });
            }
            if (ref && nested.has(ref) && segments.length < NESTING_LIMIT) {
                walk(token, nested.get(ref)!, [...segments, f.name], `${at}.`);
            }
        }
    };
    for (const r of resources(providerDir)) {
        walk(r.token, r.fields, [], "");
    }
    return found;
}

export function providerVersion(providerDir = PROVIDER_DIR): string {
    return JSON.parse(fs.readFileSync(path.join(providerDir, "package.json"), "utf8")).version;
}
