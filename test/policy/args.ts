// Policy arguments shaped as the current SDK's server builds them: stackTags, a throwing notApplicable,
// props behind the unknown-checking proxy, and config with the schema's defaults filled in as the CLI does.
import { strict as assert } from "assert";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

// Exported at runtime but stripped from the SDK's typings.
const { unknownCheckingProxy, UnknownValueError } = require("@pulumi/policy") as {
    unknownCheckingProxy<T>(v: T): T;
    UnknownValueError: new (...args: any[]) => Error;
};

/** The engine's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

class NotApplicable extends Error {}

function configFor(policy: { configSchema?: { properties: Record<string, any> } }, given: Record<string, unknown>) {
    const defaults = Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).map(([k, s]) => [k, s.default]));
    return { ...defaults, ...given };
}

export type Outcome = { violations: string[]; notApplicable: boolean; unknown: boolean };

export async function runResourcePolicy(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>,
    config: Record<string, unknown> = {}): Promise<Outcome> {
    const violations: string[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    const outcome: Outcome = { violations, notApplicable: false, unknown: false };
    for (const validate of validations) {
        try {
            await validate({
                type, props: unknownCheckingProxy(props), urn: `urn:pulumi:test::china-edge::${type}::r`, name: "r",
                opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
                stackTags: new Map(),
                isType: () => false, asType: () => undefined,
                getConfig: <T>() => configFor(policy, config) as T,
                notApplicable: (reason?: string) => { throw new NotApplicable(reason); },
            } as any, (message: string) => { violations.push(message); });
        } catch (err) {
            if (err instanceof NotApplicable) {
                outcome.notApplicable = true;
            } else if (err instanceof UnknownValueError) {
                outcome.unknown = true;
            } else {
                throw err;
            }
        }
    }
    return outcome;
}

/** How a case is judged: by calling the policy in-process, or by a running pack over gRPC. */
export interface Judge {
    resource(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, config?: Record<string, unknown>): Promise<Outcome>;
    stack(policy: StackValidationPolicy, resources: StackResource[]): Promise<string[]>;
}

export const inProcess: Judge = { resource: runResourcePolicy, stack: runStackPolicy };

/** The assertions of the rule cases, judged by `judge`. */
export function assertionsOf(judge: Judge) {
    return {
        /** Asserts exactly one violation whose message holds `expected`. */
        async assertViolation(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, expected: string | RegExp,
            config: Record<string, unknown> = {}): Promise<void> {
            const { violations } = await judge.resource(policy, type, props, config);
            assert.equal(violations.length, 1, `${policy.name} on ${type} ${JSON.stringify(props)}: ${JSON.stringify(violations)}`);
            assert.match(violations[0], typeof expected === "string" ? new RegExp(expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : expected);
        },
        async assertPasses(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>,
            config: Record<string, unknown> = {}): Promise<void> {
            const outcome = await judge.resource(policy, type, props, config);
            assert.deepEqual(outcome, { violations: [], notApplicable: false, unknown: false }, `${policy.name} on ${type} ${JSON.stringify(props)}`);
        },
    };
}

export interface StackResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
    /** Input name → names of resources in the same list. */
    deps?: Record<string, string[]>;
}

export async function runStackPolicy(policy: StackValidationPolicy, resources: StackResource[]): Promise<string[]> {
    const built: PolicyResource[] = resources.map((r) => ({
        type: r.type, name: r.name, urn: `urn:pulumi:test::china-edge::${r.type}::${r.name}`, props: unknownCheckingProxy(r.props),
        opts: {} as any, dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined,
    }) as unknown as PolicyResource);
    resources.forEach((r, i) => {
        for (const [prop, names] of Object.entries(r.deps ?? {})) {
            built[i].propertyDependencies[prop] = names.map((n) => built.find((b) => b.name === n)!);
        }
    });
    const violations: string[] = [];
    await policy.validateStack({
        resources: built, stackTags: new Map(), getConfig: <T>() => ({}) as T,
        notApplicable: (reason?: string) => { throw new NotApplicable(reason); },
    } as any, (message: string) => { violations.push(message); });
    return violations;
}
