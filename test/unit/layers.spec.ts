import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../helpers";
import { KEYS } from "../../stacks/config/keys";

/** Every .ts file under `dir` with what it imports, resolved to a path under the repository (or a package name). */
function importsUnder(dir: string): { file: string; target: string }[] {
    const found: { file: string; target: string }[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, entry.name);
            if (entry.isDirectory() && entry.name !== "node_modules") {
                walk(full);
            } else if (entry.name.endsWith(".ts")) {
                const text = fs.readFileSync(full, "utf8");
                for (const m of text.matchAll(/(?:from\s+|require\()["']([^"']+)["']/g)) {
                    const spec = m[1];
                    const target = spec.startsWith(".") ? path.relative(ROOT, path.resolve(path.dirname(full), spec))
                        : spec.startsWith("china-edge-policy/") ? `policy/${spec.slice("china-edge-policy/".length)}` : spec;
                    found.push({ file: path.relative(ROOT, full), target });
                }
            }
        }
    };
    walk(path.join(ROOT, dir));
    return found;
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
        const found: string[] = [];
        for (const dir of ["stacks", "components"]) {
            const walk = (d: string) => {
                for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
                    const full = path.join(d, entry.name);
                    if (entry.isDirectory() && entry.name !== "config") {
                        walk(full);
                    } else if (entry.name.endsWith(".ts")) {
                        fs.readFileSync(full, "utf8").split("\n").forEach((line, i) => {
                            if (passed.test(line)) {
                                found.push(`${path.relative(ROOT, full)}:${i + 1}: ${line.trim()}`);
                            }
                        });
                    }
                }
            };
            walk(path.join(ROOT, dir));
        }
        assert.deepEqual(found, []);
    });
});
