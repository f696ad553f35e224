// Runs the policy pack as its own gRPC server exactly as the Pulumi CLI starts it, and speaks the Analyzer
// protocol to it: GetAnalyzerInfo, Configure, Analyze per resource, AnalyzeStack once.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";

export const POLICY_DIR = path.resolve(__dirname, "../../policy");

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";
const LEVELS: Level[] = ["advisory", "mandatory", "disabled", "remediate"];

export interface Diagnostic {
    policy: string;
    level: "advisory" | "mandatory";
    urn?: string;
    message: string;
}

/** A resource as analyzers receive it. */
export interface AnalyzedResource {
    type: string;
    name: string;
    urn: string;
    parent?: string;
    properties: Record<string, unknown>;
    /** Input name → URNs it came from. */
    propertyDependencies?: Record<string, string[]>;
}

export interface PolicyInfo {
    name: string;
    level: Level;
    configSchema: Record<string, unknown> | undefined;
}

export type PackConfig = Record<string, { enforcementLevel?: Level; [prop: string]: unknown }>;

function call<Req, Res>(fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

function toMessage(r: AnalyzedResource, Ctor: typeof analyzer.AnalyzeRequest | typeof analyzer.AnalyzerResource) {
    const msg = new Ctor();
    msg.setType(r.type);
    msg.setName(r.name);
    msg.setUrn(r.urn);
    msg.setProperties(Struct.fromJavaScript(r.properties as Record<string, any>));
    msg.setOptions(new analyzer.AnalyzerResourceOptions());
    return msg;
}

function diagnostics(list: analyzer.AnalyzeDiagnostic[]): Diagnostic[] {
    return list.map((d) => ({
        policy: d.getPolicyname(),
        level: d.getEnforcementlevel() === analyzer.EnforcementLevel.MANDATORY ? "mandatory" : "advisory",
        urn: d.getUrn() || undefined,
        message: d.getMessage(),
    }));
}

/** The running pack. Start it with PolicyPackServer.start(); stop() ends the process. */
export class PolicyPackServer {
    private constructor(private readonly child: ChildProcess, private readonly client: AnalyzerClient) {}

    static async start(policyDir = POLICY_DIR, timeoutMs = 60_000): Promise<PolicyPackServer> {
        // The pack's own SDK when it has one installed (a published pack), else the one it is hoisted beside.
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [policyDir] });
        // The engine address is where the CLI listens for logs; the pack does not call it to analyze.
        const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: policyDir, stdio: ["ignore", "pipe", "pipe"] });
        // A pack outlives no program that started it, whichever way that program ends.
        const killAtExit = () => child.kill();
        process.on("exit", killAtExit);
        child.on("exit", () => process.removeListener("exit", killAtExit));
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        const port = await new Promise<number>((resolve, reject) => {
            let stdout = "";
            const timer = setTimeout(() => { child.kill(); reject(new Error(`the policy pack did not start within ${timeoutMs} ms:\n${stderr}`)); }, timeoutMs);
            child.stdout!.on("data", (d) => {
                stdout += d;
                const m = /^(\d+)\s*$/m.exec(stdout);
                if (m) {
                    clearTimeout(timer);
                    resolve(Number(m[1]));
                }
            });
            child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`the policy pack exited (${code}) before serving:\n${stderr}`)); });
        });
        child.removeAllListeners("exit");
        const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new PolicyPackServer(child, client);
    }

    async info(): Promise<{ name: string; version: string; policies: PolicyInfo[] }> {
        const res = await call<Empty, analyzer.AnalyzerInfo>(this.client.getAnalyzerInfo.bind(this.client), new Empty());
        return {
            name: res.getName(),
            version: res.getVersion(),
            policies: res.getPoliciesList().map((p) => ({
                name: p.getName(),
                level: LEVELS[p.getEnforcementlevel()],
                configSchema: p.getConfigschema()?.getProperties()?.toJavaScript(),
            })),
        };
    }

    async configure(config: PackConfig): Promise<void> {
        const req = new analyzer.ConfigureAnalyzerRequest();
        for (const [policy, { enforcementLevel, ...props }] of Object.entries(config)) {
            const pc = new analyzer.PolicyConfig();
            if (enforcementLevel) {
                pc.setEnforcementlevel(LEVELS.indexOf(enforcementLevel));
            }
            pc.setProperties(Struct.fromJavaScript(props as Record<string, any>));
            req.getPolicyconfigMap().set(policy, pc);
        }
        await call(this.client.configure.bind(this.client), req);
    }

    async analyze(resource: AnalyzedResource): Promise<Diagnostic[]> {
        return (await this.analyzeResource(resource)).diagnostics;
    }

    /** The diagnostics, and the policies that said they do not apply to the resource's type. */
    async analyzeResource(resource: AnalyzedResource): Promise<{ diagnostics: Diagnostic[]; notApplicable: string[] }> {
        const res = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(
            this.client.analyze.bind(this.client), toMessage(resource, analyzer.AnalyzeRequest) as analyzer.AnalyzeRequest);
        return {
            diagnostics: diagnostics(res.getDiagnosticsList()).map((d) => ({ ...d, urn: d.urn ?? resource.urn })),
            notApplicable: res.getNotApplicableList().map((n) => n.getPolicyName()),
        };
    }

    async analyzeStack(resources: AnalyzedResource[]): Promise<Diagnostic[]> {
        const req = new analyzer.AnalyzeStackRequest();
        for (const r of resources) {
            const msg = toMessage(r, analyzer.AnalyzerResource) as analyzer.AnalyzerResource;
            if (r.parent) {
                msg.setParent(r.parent);
            }
            for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
                const deps = new analyzer.AnalyzerPropertyDependencies();
                deps.setUrnsList(urns);
                msg.getPropertydependenciesMap().set(prop, deps);
            }
            req.addResources(msg);
        }
        const res = await call<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(this.client.analyzeStack.bind(this.client), req);
        return diagnostics(res.getDiagnosticsList());
    }

    stop(): void {
        this.client.close();
        this.child.kill();
    }
}
