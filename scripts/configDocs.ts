// npm run config:docs [-- --check]: writes Pulumi.yaml's `config:` block and docs/configuration.md's table of keys from
// stacks/config/keys.ts; with --check, only says whether either has drifted (exit 1).
import * as fs from "fs";
import * as path from "path";
import { projectFile, keysPageFile } from "../stacks/config/docs";

const root = path.resolve(__dirname, "..");
const check = process.argv.includes("--check");
let drifted = false;
for (const [name, write] of [["Pulumi.yaml", projectFile], ["docs/configuration.md", keysPageFile]] as const) {
    const file = path.join(root, name);
    const current = fs.readFileSync(file, "utf8");
    const wanted = write(current);
    if (wanted === undefined) {
        console.error(`${name}: the markers of the config table are missing`);
        process.exit(2);
    }
    if (wanted !== current) {
        drifted = true;
        if (check) {
            console.error(`${name} differs from stacks/config/keys.ts: run \`npm run config:docs\``);
        } else {
            fs.writeFileSync(file, wanted);
            console.log(`${name}: written`);
        }
    }
}
process.exit(check && drifted ? 1 : 0);
