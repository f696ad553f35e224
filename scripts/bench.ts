// npm run bench -- [--json]
// Measures and reports (never asserts): the offline plan of each stack, and the policy pack analyzing 1,000
// resources through its gRPC server. Writes bench/results.json. The data-plane figures join it with the lab.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { planStack } from "./plan/planStack";
import { AnalyzedResource, PolicyPackServer } from "./plan/policyPack";

const ROOT = path.resolve(__dirname, "..");

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
    const start = process.hrtime.bigint();
    const value = await fn();
    return [value, Number(process.hrtime.bigint() - start) / 1e6];
}

/** A mix of the types the rules cover, a tenth of them violating. */
function syntheticResources(count: number): AnalyzedResource[] {
    const kinds: [string, (i: number) => Record<string, unknown>][] = [
        ["alicloud:ecs/instance:Instance", (i) => ({ instanceType: i % 10 ? "ecs.g8i.large" : "ecs.t6-c1m1.large", systemDiskSize: 100, systemDiskCategory: "cloud_essd" })],
        ["alicloud:ecs/securityGroupRule:SecurityGroupRule", (i) => ({ type: "ingress", ipProtocol: "tcp", portRange: "22/22", cidrIp: i % 10 ? "203.0.113.0/24" : "0.0.0.0/0" })],
        ["alicloud:ecs/disk:Disk", (i) => ({ size: i % 10 ? 200 : 20 })],
        ["alicloud:vpc/switch:Switch", () => ({ cidrBlock: "10.0.1.0/24", zoneId: "cn-shanghai-l" })],
    ];
    return Array.from({ length: count }, (_, i) => {
        const [type, props] = kinds[i % kinds.length];
        return { type, name: `r${i}`, urn: `urn:pulumi:bench::china-edge::${type}::r${i}`, properties: props(i) };
    });
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { json: { type: "boolean", default: false } } });
    const out = path.join(ROOT, "out", "bench");
    const [, planUs] = await timed(() => planStack({ root: ROOT, stack: "us", outDir: out }));
    const [, planCn] = await timed(() => planStack({ root: ROOT, stack: "cn", outDir: out }));

    const [pack, startMs] = await timed(() => PolicyPackServer.start());
    const resources = syntheticResources(1000);
    let results;
    try {
        const [found, analyzeMs] = await timed(async () => (await Promise.all(resources.map((r) => pack.analyze(r)))).flat());
        const [, stackMs] = await timed(() => pack.analyzeStack(resources));
        results = {
            plan: { us_ms: Math.round(planUs), cn_ms: Math.round(planCn) },
            policy: { resources: resources.length, violations: found.length, start_ms: Math.round(startMs), analyze_ms: Math.round(analyzeMs), analyze_stack_ms: Math.round(stackMs) },
        };
    } finally {
        pack.stop();
    }
    fs.mkdirSync(path.join(ROOT, "bench"), { recursive: true });
    fs.writeFileSync(path.join(ROOT, "bench", "results.json"), JSON.stringify(results, null, 2) + "\n");
    if (values.json) {
        process.stdout.write(JSON.stringify(results) + "\n");
        return;
    }
    const p = results.policy;
    process.stdout.write([
        "measure                                   value",
        `offline plan, us (incl. the pack)         ${results.plan.us_ms} ms`,
        `offline plan, cn (plans us too)           ${results.plan.cn_ms} ms`,
        `policy pack start (run-policy-pack)       ${p.start_ms} ms`,
        `Analyze x ${p.resources} over gRPC              ${p.analyze_ms} ms (${p.violations} violations)`,
        `AnalyzeStack of ${p.resources} resources         ${p.analyze_stack_ms} ms`,
        "",
    ].join("\n"));
}

main().catch((err) => { process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : err}\n`); process.exit(1); });
