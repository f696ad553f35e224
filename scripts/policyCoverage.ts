// npm run policy:coverage [-- --check]: writes policy/COVERAGE.md, what the pack judges among the installed
// provider's inputs; with --check, says whether it has drifted or an input is undecided (exit 1).
import * as fs from "fs";
import * as path from "path";
import { coverage, coverageDocument } from "../harness/policy/coverage";

const file = path.resolve(__dirname, "../policy/COVERAGE.md");
const rows = coverage();
const undecided = rows.filter((r) => !r.judged && !r.waived);
for (const r of undecided) {
    console.error(`undecided: ${r.input.token} ${r.input.path} (${r.input.kind}): judge it in policy/coverage/judged.ts or waive it in policy/coverage/waived.ts`);
}
const wanted = coverageDocument(rows);
const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
if (process.argv.includes("--check")) {
    if (wanted !== current) {
        console.error("policy/COVERAGE.md differs from the installed provider and the pack's tables: run `npm run policy:coverage`");
    }
    process.exit(wanted !== current || undecided.length > 0 ? 1 : 0);
}
fs.writeFileSync(file, wanted);
console.log(`policy/COVERAGE.md: ${rows.length} inputs, ${rows.filter((r) => r.judged).length} judged, ${rows.filter((r) => !r.judged && r.waived).length} waived, ${undecided.length} undecided`);
process.exit(undecided.length > 0 ? 1 : 0);
