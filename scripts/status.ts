// npm run status -- --stack cn|us|all [--outputs DIR] [--json]    a deployed stack, from where Pulumi runs
// npm run status -- --lab [--acme] [--json]                        the local lab
// Each proxy's health, its origin proxies as its HAProxy sees them, the certificates' expiry and the renewer's last
// outcome, made by the report script on each host (through Cloud Assistant on a deployed stack); the stack's probes
// and firing alarms from CloudMonitor; DCDN's share of 5xx answers lately when it is on.
// Exit 0 all well, 1 something is down or about to be, 2 it could not ask.
import * as path from "path";
import { parseArgs } from "util";
import { LabError, startLab } from "../harness/lab/lab";
import { StackStatus, formatStatus, stackStatus } from "../harness/status/verdict";
import { DeployedStack, OutputsError, deployedStack, outputsFromFile, outputsFromPulumi } from "../harness/status/stackOutputs";
import { StatusClients, deployedStatus } from "../harness/status/deployed";
import { cloudAssistant } from "../components/cloud/cloudAssistant";
import { instancesInService } from "../components/cloud/autoScaling";
import { cloudMonitor } from "../harness/cloud/cloudMonitor";
import { dcdnClient } from "../components/cloud/dcdnApi";
import { defaultBackend } from "../harness/ops/preflight";

const ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run status -- --stack cn|us|all [--outputs DIR] [--json]\n       npm run status -- --lab [--acme] [--json]";

function fail(message: string, code: number): never {
    process.stderr.write(`status: ${message}\n`);
    process.exit(code);
}

function parse() {
    try {
        const values = parseArgs({
            options: {
                lab: { type: "boolean", default: false },
                acme: { type: "boolean", default: false },
                stack: { type: "string" },
                outputs: { type: "string" },
                json: { type: "boolean", default: false },
            },
        }).values;
        if (values.lab === (values.stack !== undefined)) {
            throw new Error(values.lab ? "--lab and --stack are two different places to ask: pass one" : "--stack or --lab is missing");
        }
        if (values.stack !== undefined && !["cn", "us", "all"].includes(values.stack)) {
            throw new Error(`--stack "${values.stack}" is not a stack: expected cn, us or all`);
        }
        if (values.lab && values.outputs !== undefined) {
            throw new Error("--outputs is for --stack: the lab has no stack outputs");
        }
        return values;
    } catch (err) {
        return fail(`${(err as Error).message}\n${USAGE}`, 2);
    }
}

async function labStatuses(acme: boolean): Promise<StackStatus[]> {
    const lab = await startLab({ root: ROOT, acme });
    try {
        const now = Date.now();
        // The lab's proxies are both stacks' at once: origin proxies (us), then edges (cn).
        const reports = await lab.report();
        return [
            stackStatus("us", reports.filter((r) => lab.originProxyNames.includes(r.name)), now),
            stackStatus("cn", reports.filter((r) => lab.edgeNames.includes(r.name)), now),
        ];
    } finally {
        await lab.close();
    }
}

async function deployedStatuses(stack: string, outputsDir: string | undefined): Promise<StackStatus[]> {
    const stacks = stack === "all" ? ["us", "cn"] : [stack];
    const envVars = { PULUMI_BACKEND_URL: process.env.PULUMI_BACKEND_URL || defaultBackend(ROOT) };
    const deployed: DeployedStack[] = [];
    for (const s of stacks) {
        deployed.push(deployedStack(s, outputsDir ? outputsFromFile(outputsDir, s) : await outputsFromPulumi(ROOT, s, envVars)));
    }
    const clients: StatusClients = {
        assistant: (region) => cloudAssistant(region), monitor: (region) => cloudMonitor(region), dcdn: () => dcdnClient(),
        scaling: (region) => ({ inService: (id) => instancesInService(region, id) }),
    };
    const now = Date.now();
    return Promise.all(deployed.map((d) => deployedStatus(d, clients, now)));
}

async function main(): Promise<number> {
    const values = parse();
    const statuses = values.lab ? await labStatuses(values.acme!) : await deployedStatuses(values.stack!, values.outputs);
    process.stdout.write(values.json ? JSON.stringify(statuses) + "\n" : formatStatus(statuses, Date.now()));
    return statuses.some((s) => s.problems.length > 0) ? 1 : 0;
}

main().then((code) => process.stdout.write("", () => process.exit(code)), (err) => {
    const expected = err instanceof LabError || err instanceof OutputsError;
    fail(expected ? err.message : err instanceof Error ? err.stack ?? err.message : String(err), expected ? 2 : 1);
});
