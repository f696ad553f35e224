// The outputs the stacks exchange, declared once in stacks/contract.ts: what each program exports and reads.
import { strict as assert } from "assert";
import { STACK_OUTPUTS, US_OUTPUTS, cnReads } from "../../stacks/contract";
import { runStack } from "../../stacks/program";
import { ProgramFailed, runProgram } from "../../harness/plan/mockEngine";
import { loadProject } from "../../harness/plan/stackFiles";
import { ROOT, runStackProgram, stackConfig } from "../helpers";

const required = (table: Record<string, { optional?: true }>) => Object.keys(table).filter((k) => !table[k].optional);

describe("the contract between the stacks", () => {
    let usOutputs: Record<string, unknown>;
    before(async () => { usOutputs = (await runStackProgram("us")).outputs; });

    it("the us program exports every output of the table, and each stack what npm run status reads", async () => {
        for (const name of required(US_OUTPUTS)) {
            assert.notEqual(usOutputs[name], undefined, name);
        }
        const cn = (await runStackProgram("cn")).outputs;
        for (const name of required(STACK_OUTPUTS)) {
            assert.notEqual(cn[name], undefined, name);
        }
    });

    it("the cn program reads what the table marks for it, and stops naming an output the us stack lacks", async () => {
        const project = loadProject(ROOT);
        const config = stackConfig("cn");
        const runCn = (outputs: Record<string, unknown>) => runProgram({
            project: project.name, stack: "cn", config, stackOutputs: { [config["china-edge:usStack"]]: outputs },
        }, runStack);
        await runCn(usOutputs);
        for (const name of cnReads(false)) {
            const { [name]: _gone, ...rest } = usOutputs;
            await assert.rejects(runCn(rest), (err: unknown) => err instanceof ProgramFailed && new RegExp(`has no output "${name}"`).test(err.message), name);
        }
        for (const name of cnReads(true)) {
            const { [name]: _gone, ...rest } = usOutputs;
            await assert.rejects(runCn(rest), (err: unknown) => err instanceof ProgramFailed && /exports no link certificates/.test(err.message), name);
        }
    });
});
