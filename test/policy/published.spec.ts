// The pack as `pulumi policy publish` ships it and Pulumi Cloud runs it: `npm pack` of policy/, unpacked alone in an
// empty folder, `npm install` from its own package.json, started by its own SDK's run-policy-pack, judged over gRPC.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { builtinModules } from "module";
import * as path from "path";
import { PolicyPackServer, POLICY_DIR } from "../../harness/plan/policyPack";
import { Judge, Outcome, StackResource } from "./args";
import { ruleCases } from "./ruleCases";
import { tableCases } from "./tableCases";

const urnOf = (type: string, name: string) => `urn:pulumi:test::china-edge::${type}::${name}`;
/** What the wire carries: JSON has no undefined. */
const plain = (props: Record<string, unknown>) => JSON.parse(JSON.stringify(props)) as Record<string, unknown>;

/** Judges a case with the running pack: Configure for the case's config, Analyze, only this policy's findings. */
function packJudge(pack: () => PolicyPackServer): Judge {
    const strip = (description: string, message: string) => message.startsWith(`${description}\n`) ? message.slice(description.length + 1) : message;
    return {
        async resource(policy, type, props, config = {}): Promise<Outcome> {
            const configured = Object.keys(config).length > 0;
            if (configured) {
                await pack().configure({ [policy.name]: config });
            }
            try {
                const { diagnostics, notApplicable } = await pack().analyzeResource({ type, name: "r", urn: urnOf(type, "r"), properties: plain(props) });
                const mine = diagnostics.filter((d) => d.policy === policy.name);
                const unknown = mine.some((d) => /can't run policy .* during preview/.test(d.message));
                return {
                    violations: unknown ? [] : mine.map((d) => strip(policy.description, d.message)),
                    notApplicable: notApplicable.includes(policy.name),
                    unknown,
                };
            } finally {
                if (configured) {
                    await pack().configure({});
                }
            }
        },
        async stack(policy, resources: StackResource[]): Promise<string[]> {
            const found = await pack().analyzeStack(resources.map((r) => ({
                type: r.type, name: r.name, urn: urnOf(r.type, r.name), properties: plain(r.props),
                propertyDependencies: Object.fromEntries(Object.entries(r.deps ?? {}).map(([prop, names]) =>
                    [prop, names.map((n) => urnOf(resources.find((x) => x.name === n)!.type, n))])),
            })));
            return found.filter((d) => d.policy === policy.name).map((d) => strip(policy.description, d.message));
        },
    };
}

describe("the policy pack as published, installed alone", function () {
    this.timeout(300_000);
    let dir: string;
    let pack: PolicyPackServer;

    before(async () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "china-edge-pack-"));
        const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", tmp], { cwd: POLICY_DIR, encoding: "utf8" }).trim().split("\n").pop()!;
        execFileSync("tar", ["-xzf", path.join(tmp, tarball), "-C", tmp]);
        dir = path.join(tmp, "package");
        execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
        pack = await PolicyPackServer.start(dir);
    });
    after(() => {
        pack?.stop();
        if (dir) {
            fs.rmSync(path.dirname(dir), { recursive: true, force: true });
        }
    });

    it("runs on what it installed itself: its own SDK, TypeScript and Node types, nothing from outside its folder", async () => {
        for (const own of ["@pulumi/pulumi", "@pulumi/policy", "typescript", "@types/node"]) {
            assert.ok(fs.existsSync(path.join(dir, "node_modules", own, "package.json")), own);
        }
        const sources = execFileSync("find", [dir, "-name", "*.ts", "-not", "-path", "*/node_modules/*"], { encoding: "utf8" }).trim().split("\n");
        for (const file of sources) {
            for (const [, spec] of fs.readFileSync(file, "utf8").matchAll(/from "([^"]+)"/g)) {
                if (builtinModules.includes(spec)) {
                    continue;
                } else if (spec.startsWith(".")) {
                    assert.ok(path.resolve(path.dirname(file), spec).startsWith(dir + path.sep), `${file} imports ${spec}, outside the pack`);
                } else {
                    assert.ok(fs.existsSync(path.join(dir, "node_modules", spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0])),
                        `${file} imports ${spec}, which the pack's package.json does not bring`);
                }
            }
        }
        const info = await pack.info();
        assert.equal(info.name, "china-edge");
        assert.deepEqual(info.policies.filter((p) => p.level === "mandatory").map((p) => p.name), ["no-burstable-instances", "no-public-ssh", "minimum-disk-size"]);
    });

    ruleCases(packJudge(() => pack));
    tableCases(packJudge(() => pack));
});
