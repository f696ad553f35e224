// Runs a stack program in-process under Pulumi's mock monitor and records every resource registration exactly
// as the engine would receive it: type, name, parent, provider and the serialized inputs.
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { specialSigKey, specialSecretSig, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";
import { offlineTransitRouterZones, offlineZones } from "./cloudFacts";
import { DCDN_CALL } from "../../components/dcdn/steps";
import { CLOUD_ASSISTANT_READY } from "../../components/proxy/cloudAssistantReady";

// Internal to the SDK (not in its typings): resolves once every outstanding registration has been answered.
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** One resource as the plan reports it. */
export interface PlannedResource {
    type: string;
    name: string;
    urn: string;
    parent?: string;
    provider?: string;
    custom: boolean;
    /** Inputs with secrets as "[secret]" and values unknown at preview as "[unknown]". */
    inputs: Record<string, unknown>;
    /** Inputs as serialized for the engine (secrets wrapped, unknowns as the sentinel): what analyzers get. */
    rawInputs: Record<string, unknown>;
    /** Input name → URNs of the resources it came from. */
    propertyDependencies: Record<string, string[]>;
    /** URNs the resource waits for beyond its inputs (dependsOn); absent when none. */
    dependsOn?: string[];
    /** How long the engine waits on its create, update and delete (customTimeouts); absent when the provider's own. */
    customTimeouts?: { create?: string; update?: string; delete?: string };
    /** Inputs whose changes an update leaves alone (ignoreChanges); absent when none. */
    ignoreChanges?: string[];
}

export interface ProgramRun {
    resources: PlannedResource[];
    /** The stack's outputs as plain values (what a StackReference reads). */
    outputs: Record<string, unknown>;
    /** The stack's outputs as registered with the engine: secrets still wrapped. */
    rawOutputs: Record<string, unknown>;
}

/** The program threw; `resources` holds what it had registered until then. */
export class ProgramFailed extends Error {
    constructor(readonly cause: unknown, readonly resources: PlannedResource[]) {
        super(cause instanceof Error ? cause.message : String(cause));
    }
}

export interface MockEngineOptions {
    project: string;
    stack: string;
    /** Config as the CLI hands it to a program: "namespace:key" → string (lists as JSON). */
    config: Record<string, string>;
    /** Keys ("namespace:key") whose values the program receives as secrets, as `pulumi config set --secret` makes them. */
    secretKeys?: string[];
    /** Outputs of the stacks the program references, by fully qualified stack name. */
    stackOutputs?: Record<string, Record<string, unknown>>;
}

/**
 * Outputs the cloud computes, which later resources consume; the plan shows them as "<name>.<output>" so that
 * the wiring stays readable. Anything not listed stays unknown, as in a real preview.
 */
const COMPUTED_OUTPUTS: Record<string, string[]> = {
    "alicloud:vpc/network:Network": ["routeTableId", "routerId"],
    "alicloud:cen/transitRouter:TransitRouter": ["transitRouterId"],
    "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable": ["transitRouterRouteTableId"],
    "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment": ["transitRouterAttachmentId"],
    "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment": ["transitRouterAttachmentId"],
    "alicloud:ecs/eipAddress:EipAddress": ["ipAddress"],
    [ECS_INSTANCE]: ["publicIp"],
    "alicloud:nlb/loadBalancer:LoadBalancer": ["dnsName"],
    "alicloud:vpc/natGateway:NatGateway": ["snatTableIds"],
    "alicloud:ram/role:Role": ["arn"],
    "alicloud:oss/bucket:Bucket": ["intranetEndpoint"],
    "alicloud:dcdn/domain:Domain": ["cname"],
    "alicloud:dns/alidnsDomain:AlidnsDomain": ["dnsServers"],
    "command:local:Command": ["stdout"],
    [DCDN_CALL]: ["answer"],
    [CLOUD_ASSISTANT_READY]: ["status"],
    "tls:index/privateKey:PrivateKey": ["privateKeyPem", "publicKeyPem"],
    "tls:index/selfSignedCert:SelfSignedCert": ["certPem"],
    "tls:index/certRequest:CertRequest": ["certRequestPem"],
    "tls:index/locallySignedCert:LocallySignedCert": ["certPem"],
    "random:index/randomString:RandomString": ["result"],
    "random:index/randomPassword:RandomPassword": ["result"],
};

/** Bytes of base64 in a P-256 PEM as the tls provider writes it: a key, a certificate with its names. */
const PEM_SIZES: Record<string, { label: string; bytes: number }> = {
    privateKeyPem: { label: "EC PRIVATE KEY", bytes: 164 },
    publicKeyPem: { label: "PUBLIC KEY", bytes: 124 },
    certPem: { label: "CERTIFICATE", bytes: 560 },
    certRequestPem: { label: "CERTIFICATE REQUEST", bytes: 400 },
};

/**
 * A PEM of resource `name`'s output `output` as large as a real one and as incompressible (hashes, not text), so the
 * plan measures what a deploy delivers; its first line names where it came from.
 */
export function mockPem(name: string, output: string): string {
    const { label, bytes } = PEM_SIZES[output];
    let body = "";
    for (let i = 0; body.length < bytes; i++) {
        body += createHash("sha256").update(`${name}.${output}.${i}`).digest("base64");
    }
    const lines = body.slice(0, bytes).match(/.{1,64}/g)!;
    return [`-----BEGIN ${label}-----`, `${name}.${output}`, ...lines, `-----END ${label}-----`, ""].join("\n");
}

/** What a lookup knows: its arguments, the region of its provider, and the zones the stack's config names. */
interface LookupContext {
    args: Record<string, unknown>;
    region: string;
    configuredZones: string[];
}

/** Lookups the programs make: what the cloud would pick at deploy time as a marker, or the table's answer. */
const LOOKUPS: Record<string, (c: LookupContext) => Record<string, unknown>> = {
    "alicloud:ecs/getImages:getImages": ({ args }) => {
        const id = `<image ${args.nameRegex ?? args.imageFamily}, newest at deploy>`;
        return { ids: [id], images: [{ id, imageId: id }] };
    },
    "alicloud:index/getZones:getZones": ({ args, region, configuredZones }) => offlineZones(region, args, configuredZones),
    "alicloud:index/getRegions:getRegions": ({ region }) => ({ ids: [region], regions: [{ id: region, regionId: region }] }),
    "alicloud:index/getAccount:getAccount": () => ({ id: "<account id at deploy>" }),
    "alicloud:cen/getTransitRouterAvailableResources:getTransitRouterAvailableResources":
        ({ region, configuredZones }) => offlineTransitRouterZones(region, configuredZones),
};

/** Every zone the stack's config names (the proxies' and the redirector's). */
function configuredZones(config: Record<string, string>): string[] {
    const list = (key: string): string[] => { try { return JSON.parse(config[key] ?? "[]"); } catch { return []; } };
    return [...list("china-edge:zones"), ...(config["china-edge:redirectorZone"] ? [config["china-edge:redirectorZone"]] : [])];
}

export function isSecret(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/** The request's customTimeouts, those set. */
function customTimeouts(req: any): Pick<PlannedResource, "customTimeouts"> {
    const t = req.getCustomtimeouts?.();
    const set = t ? Object.fromEntries(Object.entries({ create: t.getCreate(), update: t.getUpdate(), delete: t.getDelete() }).filter(([, v]) => v)) : {};
    return Object.keys(set).length > 0 ? { customTimeouts: set } : {};
}

/** Replaces secrets and unknowns by markers, recursively. */
export function displayValue(v: unknown): unknown {
    if (v === unknownValue) {
        return "[unknown]";
    }
    if (isSecret(v)) {
        return "[secret]";
    }
    if (Array.isArray(v)) {
        return v.map(displayValue);
    }
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, displayValue(x)]));
    }
    return v;
}

/** A dynamic resource's inputs carry its provider's serialized code (`__provider`): shown by its size, not its text. */
function withoutProviderCode(inputs: Record<string, unknown>): Record<string, unknown> {
    const { __provider: code, ...rest } = inputs;
    return typeof code === "string" ? { ...rest, __provider: `[dynamic provider, ${code.length} bytes]` } : inputs;
}

function dependencies(req: any): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    req.getPropertydependenciesMap?.().forEach((deps: any, prop: string) => { out[prop] = deps.getUrnsList(); });
    return out;
}

class RecordingMonitor extends MockMonitor {
    readonly recorded: PlannedResource[] = [];
    stackOutputs: Record<string, unknown> = {};

    constructor(readonly mocks: pulumi.runtime.Mocks) {
        super(mocks);
    }

    private record(req: any, properties: any, custom: boolean, urn: string): void {
        const rawInputs = (properties?.toJavaScript() ?? {}) as Record<string, unknown>;
        this.recorded.push({
            type: req.getType(),
            name: req.getName(),
            urn,
            parent: req.getParent() || undefined,
            provider: req.getProvider() || undefined,
            custom,
            inputs: displayValue(withoutProviderCode(rawInputs)) as Record<string, unknown>,
            rawInputs,
            propertyDependencies: dependencies(req),
            ...(req.getDependenciesList?.().length ? { dependsOn: req.getDependenciesList() } : {}),
            ...(req.getIgnorechangesList?.().length ? { ignoreChanges: req.getIgnorechangesList() } : {}),
            ...customTimeouts(req),
        });
    }

    async registerResource(req: any, callback: (err: any, resp: any) => void): Promise<void> {
        return super.registerResource(req, (err: any, resp: any) => {
            if (!err) {
                this.record(req, req.getObject(), req.getCustom(), resp.getUrn());
            }
            callback(err, resp);
        });
    }

    registerResourceOutputs(req: any, callback: (err: any, resp: any) => void): void {
        if (req.getUrn().includes("::pulumi:pulumi:Stack::")) {
            this.stackOutputs = (req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
        }
        super.registerResourceOutputs(req, callback);
    }

    async readResource(req: any, callback: (err: any, resp: any) => void): Promise<void> {
        return super.readResource(req, (err: any, resp: any) => {
            if (!err) {
                this.record(req, req.getProperties(), true, resp.getUrn());
            }
            callback(err, resp);
        });
    }
}

function mocks(options: MockEngineOptions): pulumi.runtime.Mocks {
    /** Provider id → its region, for lookups made through that provider. */
    const regions: Record<string, string> = {};
    return {
        newResource(args) {
            if (args.type === "pulumi:providers:alicloud") {
                regions[`${args.name}.id`] = args.inputs.region;
            }
            if (args.type === "pulumi:pulumi:StackReference") {
                const name = args.inputs.name as string;
                const outputs = options.stackOutputs?.[name];
                if (!outputs) {
                    throw new Error(`no plan of the referenced stack "${name}" is available`);
                }
                return { id: name, state: { name, outputs, secretOutputNames: [] } };
            }
            const computed = Object.fromEntries((COMPUTED_OUTPUTS[args.type] ?? []).map((o) => [o, PEM_SIZES[o] ? mockPem(args.name, o) : `${args.name}.${o}`]));
            return { id: `${args.name}.id`, state: { ...args.inputs, ...computed } };
        },
        call(args) {
            const lookup = LOOKUPS[args.token];
            if (lookup) {
                const region = regions[args.provider?.split("::").pop() ?? ""] ?? "";
                return lookup({ args: args.inputs, region, configuredZones: configuredZones(options.config) });
            }
            throw new Error(`the offline plan has no answer for the function ${args.token}`);
        },
    };
}

/**
 * Runs `program` as the root of a stack under the mock monitor, in preview mode, and returns what it registered
 * and its stack outputs. Runs are sequential: each replaces the process-wide Pulumi runtime state.
 */
export async function runProgram(options: MockEngineOptions, program: () => Promise<Record<string, unknown>>): Promise<ProgramRun> {
    const monitor = new RecordingMonitor(mocks(options));
    // setMocks sets the runtime's feature flags as a mock engine needs them; the recording monitor then replaces its monitor.
    await pulumi.runtime.setMocks(monitor.mocks, options.project, options.stack, true);
    setMockOptions(monitor, options.project, options.stack, true);
    pulumi.runtime.setAllConfig(options.config, options.secretKeys);
    // A resource whose inputs fail to serialize (an apply that throws) rejects a promise nobody awaits: the CLI's
    // runtime catches those, so the run does too rather than let the process crash.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => { unhandled.push(reason); };
    process.on("unhandledRejection", onUnhandled);
    let outputs;
    try {
        outputs = await pulumi.runtime.runInPulumiStack(program);
    } catch (err) {
        throw new ProgramFailed(err, monitor.recorded);
    } finally {
        await waitForRPCs();
        await new Promise((r) => setImmediate(r));
        process.off("unhandledRejection", onUnhandled);
    }
    if (unhandled.length > 0) {
        throw new ProgramFailed(unhandled[0], monitor.recorded);
    }
    return { resources: monitor.recorded, outputs: (outputs ?? {}) as Record<string, unknown>, rawOutputs: monitor.stackOutputs };
}
