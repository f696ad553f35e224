// npm run deploy|preview|destroy -- [--stack cn|us|all] [--yes] [--refresh]
// Both stacks through the Automation API with the policy pack: us then cn (cn reads us), destroy in reverse.
// Exit 0 success, 1 a stack failed or policy blocked it, 2 nothing could start (usage, pre-flight).
import { spawnSync } from "child_process";
import * as path from "path";
import * as readline from "readline/promises";
import { parseArgs } from "util";
import { AutomationRunner, Operation } from "../harness/ops/runner";
import { ORDER, StackName, formatSummary, orchestrate } from "../harness/ops/orchestrate";
import { PreflightError, accountNeeds, cnDnsProblems, cnWrittenRecords, preflight, registryNeeds } from "../harness/ops/preflight";
import { accountApi, accountProblems, registryProblems } from "../harness/ops/account";
import { dnsApi } from "../harness/ops/dnsConflicts";

const OPERATIONS: Operation[] = ["deploy", "preview", "destroy"];
class UsageError extends Error {}

function usage(operation: string): string {
    return `usage: npm run ${OPERATIONS.includes(operation as Operation) ? operation : "deploy|preview|destroy"} -- [--stack cn|us|all] [--yes] [--refresh]`;
}

function parse(argv: string[]): { operation: Operation; stacks: StackName[]; yes: boolean; refresh: boolean } {
    const [operation, ...rest] = argv;
    if (!OPERATIONS.includes(operation as Operation)) {
        throw new UsageError(`unknown operation "${operation}"\n${usage(operation)}`);
    }
    let values;
    try {
        values = parseArgs({
            args: rest,
            options: { stack: { type: "string", default: "all" }, yes: { type: "boolean", default: false }, refresh: { type: "boolean", default: false } },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (err) {
        throw new UsageError(`${(err as Error).message}\n${usage(operation)}`);
    }
    const stack = values.stack!;
    if (!["cn", "us", "all"].includes(stack)) {
        throw new UsageError(`--stack "${stack}" is not a stack: expected cn, us or all\n${usage(operation)}`);
    }
    return { operation: operation as Operation, stacks: stack === "all" ? ["us", "cn"] : [stack as StackName], yes: values.yes!, refresh: values.refresh! };
}

async function confirmed(operation: Operation, stacks: StackName[]): Promise<boolean> {
    if (!process.stdin.isTTY) {
        throw new UsageError(`${operation} changes cloud resources: pass --yes to run it without a prompt`);
    }
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`${operation} ${ORDER[operation].filter((s) => stacks.includes(s)).join(" then ")}? [y/N] `);
    rl.close();
    return /^y(es)?$/i.test(answer.trim());
}

async function main(): Promise<number> {
    const root = path.resolve(__dirname, "..");
    let args;
    let envVars;
    try {
        args = parse(process.argv.slice(2));
        envVars = preflight(args.operation, args.stacks, {
            root, env: process.env, onPath: (c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0,
        });
        if (args.operation !== "destroy") {
            const problems = [...await registryProblems(accountApi(), registryNeeds(root, args.stacks)), ...await accountProblems(accountApi(), accountNeeds(root, args.stacks))];
            if (args.stacks.includes("cn")) {
                const written = await cnWrittenRecords(root);
                if (written) {
                    problems.push(...await cnDnsProblems(dnsApi(), written));
                } else {
                    process.stderr.write("note: cn's file holds encrypted values: its DNS records are not checked against the zones before the run\n");
                }
            }
            if (problems.length > 0) {
                throw new PreflightError(`the account is not ready for ${args.stacks.join(" and ")}:\n  - ${problems.join("\n  - ")}`);
            }
        }
        if (args.operation !== "preview" && !args.yes && !(await confirmed(args.operation, args.stacks))) {
            process.stderr.write("nothing changed\n");
            return 0;
        }
    } catch (err) {
        if (err instanceof UsageError || err instanceof PreflightError) {
            process.stderr.write(`error: ${err.message}\n`);
            return 2;
        }
        throw err;
    }
    process.stderr.write(`${args.operation}: ${ORDER[args.operation].filter((s) => args.stacks.includes(s)).join(", ")} (state: ${envVars.PULUMI_BACKEND_URL})\n`);
    const summaries = await orchestrate(new AutomationRunner(root, envVars), args.operation, args.stacks, {
        refresh: args.refresh,
        policyPack: path.join(root, "policy"),
        onOutput: (text) => process.stdout.write(text),
    });
    process.stdout.write(`\n${formatSummary(summaries, args.stacks, args.operation)}`);
    return summaries.every((s) => s.ok) && summaries.length > 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
    process.stderr.write(`error: ${process.argv[2] ?? "the operation"} failed unexpectedly: ${err instanceof Error ? err.stack : err}\n`);
    process.exit(3);
});
