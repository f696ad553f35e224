import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../helpers";
import { KEYS } from "../../stacks/config/keys";

/** Every .ts file under `dir` of the repository, but in the folders named `skip`. */
function tsFilesUnder(dir: string, skip: string[] = ["node_modules"]): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const rel = path.join(dir, entry.name);
        return entry.isDirectory() ? (skip.includes(entry.name) ? [] : tsFilesUnder(rel, skip)) : entry.name.endsWith(".ts") ? [rel] : [];
    });
}

/** Every .ts file under `dir` with what it imports, resolved to a path under the repository (or a package name). */
function importsUnder(dir: string): { file: string; target: string }[] {
    return tsFilesUnder(dir).flatMap((file) => [...fs.readFileSync(path.join(ROOT, file), "utf8").matchAll(/(?:from\s+|require\()["']([^"']+)["']/g)]
        .map((m) => {
            const spec = m[1];
            const target = spec.startsWith(".") ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec))
                : spec.startsWith("china-edge-policy/") ? `policy/${spec.slice("china-edge-policy/".length)}` : spec;
            return { file, target };
        }));
}

function offending(dir: string, forbidden: (target: string) => boolean): string[] {
    return importsUnder(dir).filter((i) => forbidden(i.target)).map((i) => `${i.file} → ${i.target}`);
}

const under = (...dirs: string[]) => (target: string) => dirs.some((d) => target === d || target.startsWith(`${d}/`));

describe("layers", () => {
    it("the kernel imports nothing of the project", () => {
        assert.deepEqual(offending("policy/kernel", (t) => !t.startsWith("policy/kernel/") && (t.includes("/") && !t.startsWith("@") || t.startsWith("."))), []);
    });

    it("the pack imports nothing from outside its own package, so its tarball is whole", () => {
        assert.deepEqual(offending("policy", (t) => !t.startsWith("policy/") && (t.startsWith(".") || /^(stacks|components|harness|scripts|test)\//.test(t))), []);
    });

    it("components import neither the stacks nor the programs", () => {
        assert.deepEqual(offending("components", under("stacks", "harness", "scripts", "test")), []);
    });

    it("the stacks import neither the harness nor the programs; the harness not the programs or tests", () => {
        assert.deepEqual(offending("stacks", under("harness", "scripts", "test")), []);
        assert.deepEqual(offending("harness", under("scripts", "test")), []);
    });

    it("scripts/ holds programs only: nothing imports it", () => {
        const importers = ["stacks", "components", "harness", "test", "policy"].flatMap((d) => offending(d, under("scripts")));
        assert.deepEqual(importers, []);
    });

    it("the programs hand components the values they use, never a config group whole", () => {
        const groups = Object.keys(KEYS).filter((g) => g !== "tls" && g !== "filing");
        const passed = new RegExp(`\\bconfig\\.(${groups.join("|")})\\s*[,)}\\]]`);
        const found = ["stacks", "components"].flatMap((dir) => tsFilesUnder(dir, ["node_modules", "config"])).flatMap((file) =>
            fs.readFileSync(path.join(ROOT, file), "utf8").split("\n").flatMap((line, i) => (passed.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])));
        assert.deepEqual(found, []);
    });
});
