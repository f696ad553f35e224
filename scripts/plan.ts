// npm run plan -- --stack <cn|us> [--config FILE] [--json] [--out DIR]
// The offline preview: no cloud, no CLI, no credentials. Exit 0 clean or advisory only, 1 a mandatory
// violation, 2 bad arguments or config.
import * as path from "path";
import { parseArgs } from "util";
import { Plan, PlanConfigError, PlanInputError, STACKS, StackName, planJson, planStack } from "../harness/plan/planStack";
import { formatPlan } from "../harness/plan/formatPlan";

const USAGE = "usage: npm run plan -- --stack <cn|us> [--config FILE] [--json] [--out DIR]";

function parse(argv: string[]): { stack: StackName; config?: string; json: boolean; out: string } {
    let values;
    try {
        values = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                config: { type: "string" },
                json: { type: "boolean", default: false },
                out: { type: "string", default: "out" },
            },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (err) {
        throw new PlanInputError(`${(err as Error).message}\n${USAGE}`);
    }
    if (!STACKS.includes(values.stack as StackName)) {
        throw new PlanInputError(`--stack ${values.stack === undefined ? "is missing" : `"${values.stack}" is not a stack`}: expected cn or us\n${USAGE}`);
    }
    return { stack: values.stack as StackName, config: values.config, json: values.json!, out: values.out! };
}

async function main(): Promise<number> {
    const root = path.resolve(__dirname, "..");
    let plan: Plan;
    let json = false;
    try {
        const args = parse(process.argv.slice(2));
        json = args.json;
        plan = await planStack({
            root, stack: args.stack,
            configFile: args.config && path.resolve(args.config),
            outDir: path.resolve(args.out),
        });
    } catch (err) {
        if (err instanceof PlanInputError || err instanceof PlanConfigError) {
            process.stderr.write(`error: ${err.message}\n`);
            return 2;
        }
        throw err;
    }
    if (json) {
        process.stdout.write(planJson(plan));
    } else {
        process.stdout.write(formatPlan(plan));
    }
    return plan.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

// Exits once stdout has taken everything: a large --json document to a pipe is written in several turns.
main().then((code) => process.stdout.write("", () => process.exit(code)), (err) => {
    process.stderr.write(`error: the plan failed unexpectedly: ${err instanceof Error ? err.stack : err}\n`);
    process.exit(3);
});
