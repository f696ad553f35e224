import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { KEYS_TABLE_END, KEYS_TABLE_START, projectFile, keysPageFile } from "../../stacks/config/docs";
import { KEYS, allFields } from "../../stacks/config/keys";
import { ROOT } from "../helpers";

const read = (name: string) => fs.readFileSync(path.join(ROOT, name), "utf8");

describe("the table of config keys", () => {
    it("is what Pulumi.yaml declares: run `npm run config:docs` after changing stacks/config/keys.ts", () => {
        assert.equal(read("Pulumi.yaml"), projectFile(read("Pulumi.yaml")));
    });

    it("is what docs/configuration.md's table shows: run `npm run config:docs` after changing stacks/config/keys.ts", () => {
        assert.equal(read("docs/configuration.md"), keysPageFile(read("docs/configuration.md")));
    });

    it("declares each key once, with its default in Pulumi.yaml's type", () => {
        const keys = allFields().map((f) => f.key);
        assert.equal(new Set(keys).size, keys.length);
        const declared = YAML.parse(projectFile(read("Pulumi.yaml"))).config;
        assert.deepEqual(Object.keys(declared), keys);
        for (const f of allFields().filter((x) => x.default !== undefined)) {
            const kind = Array.isArray(f.default) ? "array" : typeof f.default === "number" ? "integer" : typeof f.default;
            assert.equal(kind, f.type, `${f.key}: default ${JSON.stringify(f.default)} is not a ${f.type}`);
        }
    });

    it("names each key's field in the program as the key itself, so that a search for a key finds every use", () => {
        for (const [group, fields] of Object.entries(KEYS)) {
            for (const [name, field] of Object.entries(fields)) {
                assert.equal(name, field.key, `config.${group}.${name} reads the key ${field.key}`);
            }
        }
    });

    it("rewrites a drifted Pulumi.yaml and README, keeping everything outside the config", () => {
        const project = read("Pulumi.yaml").replace(/default: ecs\.g8i\.large/, "default: ecs.t6-c1m1.large");
        assert.notEqual(projectFile(project), project);
        assert.equal(YAML.parse(projectFile(project)).config.instanceType.default, "ecs.g8i.large");
        assert.equal(YAML.parse(projectFile(project)).runtime.name, "nodejs");
        const readme = `intro\n${KEYS_TABLE_START}\n| stale |\n${KEYS_TABLE_END}\noutro\n`;
        const written = keysPageFile(readme)!;
        assert.match(written, /^intro\n/);
        assert.match(written, /\| `instanceType` \| cn, us \| `ecs\.g8i\.large` \|/);
        assert.match(written, /outro\n$/);
        assert.equal(keysPageFile("no markers"), undefined);
    });
});
