// npm run lab -- [--origin HOST:PORT] [--origin-ca FILE] [--upstream HOST=IP:PORT]… [--delay MS] [--edge-tls terminate|passthrough] [--acme] [--loopback] [--json] [--check]
// Runs the proxies the stacks render on this machine until Ctrl-C; see harness/lab/lab.ts.
import * as path from "path";
import { parseArgs } from "util";
import { PlanConfigError } from "../harness/plan/planStack";
import { PlanInputError } from "../harness/plan/stackFiles";
import { AdaptError } from "../harness/lab/adapt";
import { smokeCheck } from "../harness/lab/check";
import { DEFAULT_DELAY_MS, Lab, LabError, LabRedirector, startLab } from "../harness/lab/lab";
import { ProcessFailed } from "../harness/lab/processes";
import { EDGE_MODES } from "../stacks/config";

const ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run lab -- [--origin HOST:PORT] [--origin-ca FILE] [--upstream HOST=IP:PORT]… [--delay MS] [--edge-tls terminate|passthrough] [--acme] [--loopback] [--json] [--check]";

function fail(message: string, code: number): never {
    process.stderr.write(`lab: ${message}\n`);
    process.exit(code);
}

function parse() {
    try {
        return parseArgs({
            options: {
                origin: { type: "string" },
                "origin-ca": { type: "string" },
                upstream: { type: "string", multiple: true },
                delay: { type: "string" },
                "edge-tls": { type: "string" },
                acme: { type: "boolean", default: false },
                loopback: { type: "boolean", default: false },
                json: { type: "boolean", default: false },
                check: { type: "boolean", default: false },
                help: { type: "boolean", default: false },
            },
        }).values;
    } catch (err) {
        return fail(`${(err as Error).message}\n${USAGE}`, 2);
    }
}

/** "HOST=IP:PORT" items, each checked by the lab (a malformed one is kept whole so that its message names it). */
function upstreams(items: string[]): Record<string, string> {
    return Object.fromEntries(items.map((item) => {
        const at = item.indexOf("=");
        return at > 0 ? [item.slice(0, at), item.slice(at + 1)] : [item, ""];
    }));
}

function describe(lab: Lab, staying: boolean): string {
    const [host, port] = [lab.ready.connect.slice(0, lab.ready.connect.lastIndexOf(":")), lab.ready.connect.split(":").pop()];
    const url = new URL(lab.ready.url);
    return [
        `lab ready (${lab.mode}): ${lab.edgeNames.join(", ")} → ${lab.originProxyNames.join(", ")} → ${lab.sampleOrigin ? "the sample origin" : "your origin"}`,
        `  open   ${lab.ready.url}`,
        `  with   curl --cacert ${lab.ready.ca} --connect-to ${url.hostname}:${url.port || 443}:${host}:${port} ${lab.ready.url}`,
        ...(lab.redirector ? redirectorLines(lab, lab.redirector) : []),
        ...(staying ? [`  logs   ${lab.dir}`, "Ctrl-C stops everything the lab started."] : []),
        "",
    ].join("\n");
}

function redirectorLines(lab: Lab, redirector: LabRedirector): string[] {
    const ep = redirector.endpoint();
    const curl = (from: string) => `curl -si --cacert ${lab.ready.ca} --interface ${from} --connect-to ${ep.host}:443:${ep.address}:${ep.port} https://${ep.host}/`;
    return [
        `  old name ${ep.host} through ${redirector.name}, as a visitor from mainland China (redirected) and from elsewhere (passed):`,
        `         ${curl(redirector.clients.mainland)}`,
        `         ${curl(redirector.clients.elsewhere)}`,
    ];
}

async function main(): Promise<void> {
    const values = parse();
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return;
    }
    if (values.delay !== undefined && !/^\d+$/.test(values.delay)) {
        fail(`--delay ${JSON.stringify(values.delay)}: expected a whole number of milliseconds from 0 to 2000`, 2);
    }
    const delayMs = values.delay === undefined ? DEFAULT_DELAY_MS : Number(values.delay);
    const edgeTls = values["edge-tls"];
    if (edgeTls !== undefined && !(EDGE_MODES as readonly string[]).includes(edgeTls)) {
        fail(`--edge-tls ${JSON.stringify(edgeTls)}: expected terminate or passthrough (default: the cn stack's edgeTls)`, 2);
    }
    let interrupted = false;
    let lab: Lab | undefined;
    const stop = async (code: number) => {
        await lab?.close();
        process.exit(code);
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.on(signal, () => {
            interrupted = true;
            if (lab) {
                process.stderr.write("lab: stopping\n");
                void stop(130);
            }
        });
    }
    lab = await startLab({
        root: ROOT,
        origin: values.origin,
        originCa: values["origin-ca"] === undefined ? undefined : path.resolve(values["origin-ca"]),
        upstreams: upstreams(values.upstream ?? []),
        delayMs,
        mode: values.loopback ? "loopback" : undefined,
        acme: values.acme,
        overrides: edgeTls ? { cn: { edgeTls } } : undefined,
        onUnexpectedExit: (name, how, log) => {
            if (lab) { // before the lab is ready, startLab reports the failure itself
                process.stderr.write(`lab: ${name} ${how}; its log: ${log}\n`);
            }
        },
    });
    if (interrupted) {
        return stop(130);
    }
    if (values.json) {
        process.stdout.write(JSON.stringify(lab.ready) + "\n");
    } else {
        process.stdout.write(describe(lab, !values.check));
    }
    if (values.check) {
        const results = await smokeCheck(lab);
        for (const r of results) {
            process.stdout.write(`${r.ok ? "ok  " : "FAIL"} ${r.name}: ${r.detail}\n`);
        }
        const failed = results.filter((r) => !r.ok).length;
        process.stdout.write(failed ? `lab check: ${failed} of ${results.length} failed\n` : `lab check: all ${results.length} passed\n`);
        return stop(failed ? 1 : 0);
    }
}

main().catch((err) => {
    if (err instanceof LabError || err instanceof AdaptError || err instanceof PlanConfigError || err instanceof PlanInputError) {
        fail(err.message, 2);
    }
    if (err instanceof ProcessFailed) {
        fail(err.message, 1);
    }
    fail(err instanceof Error ? err.stack ?? err.message : String(err), 1);
});
