import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { README_END, README_START, projectFile, readmeFile } from "../../stacks/config/docs";
import { allFields } from "../../stacks/config/keys";
import { ROOT } from "../helpers";

const read = (name: string) => fs.readFileSync(path.join(ROOT, name), "utf8");

describe("the table of config keys", () => {
    it("is what Pulumi.yaml declares: run `npm run config:docs` after changing stacks/config/keys.ts", () => {
        assert.equal(read("Pulumi.yaml"), projectFile(read("Pulumi.yaml")));
    });

    it("is what the README's table shows: run `npm run config:docs` after changing stacks/config/keys.ts", () => {
        assert.equal(read("README.md"), readmeFile(read("README.md")));
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

    it("rewrites a drifted Pulumi.yaml and README, keeping everything outside the config", () => {
        const project = read("Pulumi.yaml").replace(/default: ecs\.g8i\.large/, "default: ecs.t6-c1m1.large");
        assert.notEqual(projectFile(project), project);
        assert.equal(YAML.parse(projectFile(project)).config.instanceType.default, "ecs.g8i.large");
        assert.equal(YAML.parse(projectFile(project)).runtime.name, "nodejs");
        const readme = `intro\n${README_START}\n| stale |\n${README_END}\noutro\n`;
        const written = readmeFile(readme)!;
        assert.match(written, /^intro\n/);
        assert.match(written, /\| `instanceType` \| cn, us \| `ecs\.g8i\.large` \|/);
        assert.match(written, /outro\n$/);
        assert.equal(readmeFile("no markers"), undefined);
    });
});
