// npm run status -- --lab [--acme] [--json]
// Each proxy's health, its origin proxies as its HAProxy sees them, and the certificates' expiry, made by the report
// tool the hosts carry; exit 1 when something is down. `--lab` starts the local lab and reports on it.
import * as path from "path";
import { parseArgs } from "util";
import { LabError, startLab } from "../harness/lab/lab";
import { formatStatus, stackStatus } from "../harness/status/verdict";

const ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run status -- --lab [--acme] [--json]";

function fail(message: string, code: number): never {
    process.stderr.write(`status: ${message}\n`);
    process.exit(code);
}

function parse() {
    try {
        return parseArgs({
            options: {
                lab: { type: "boolean", default: false },
                acme: { type: "boolean", default: false },
                stack: { type: "string" },
                json: { type: "boolean", default: false },
            },
        }).values;
    } catch (err) {
        return fail(`${(err as Error).message}\n${USAGE}`, 2);
    }
}

async function main(): Promise<number> {
    const values = parse();
    if (!values.lab) {
        return fail(`${values.stack ? `--stack ${values.stack}: reading a deployed stack's hosts through Cloud Assistant is not built yet` : "--lab is missing"}; ` +
            `--lab reports on the local lab\n${USAGE}`, 2);
    }
    const lab = await startLab({ root: ROOT, acme: values.acme });
    try {
        const now = Date.now();
        // The lab's proxies are both stacks' at once: origin proxies (us), then edges (cn).
        const reports = await lab.report();
        const statuses = [
            stackStatus("us", reports.filter((r) => lab.originProxyNames.includes(r.name)), now),
            stackStatus("cn", reports.filter((r) => lab.edgeNames.includes(r.name)), now),
        ];
        process.stdout.write(values.json ? JSON.stringify(statuses) + "\n" : formatStatus(statuses, now));
        return statuses.some((s) => s.problems.length > 0) ? 1 : 0;
    } finally {
        await lab.close();
    }
}

main().then((code) => process.stdout.write("", () => process.exit(code)), (err) => {
    fail(err instanceof LabError ? err.message : err instanceof Error ? err.stack ?? err.message : String(err), err instanceof LabError ? 2 : 1);
});
