// What must hold before an operation starts, each failure said in terms of what to do.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Operation } from "./runner";
import { StackName } from "./orchestrate";
import { checkStackFile, runStackProgram } from "../plan/planStack";
import { DnsApi, WrittenRecord, ZoneRecord, dnsConflicts, writtenRecords } from "./dnsConflicts";
import { EncryptedConfigError, loadProject, loadStackConfig, stackFile } from "../plan/stackFiles";
import { AccountNeeds, RegistryNeed } from "./account";

export class PreflightError extends Error {}

export interface PreflightContext {
    root: string;
    env: NodeJS.ProcessEnv;
    /** Whether a command is on PATH. */
    onPath: (command: string) => boolean;
    home?: string;
}

/** Where state goes unless PULUMI_BACKEND_URL says otherwise: a file backend inside the project. */
export function defaultBackend(root: string): string {
    return `file://${path.join(root, ".pulumi-state")}`;
}

const CREDENTIALS = "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or ALICLOUD_ACCESS_KEY and " +
    "ALICLOUD_SECRET_KEY), or a profile of `aliyun configure` named by ALIBABA_CLOUD_PROFILE";

function hasCredentials(env: NodeJS.ProcessEnv, home: string): boolean {
    if ((env.ALIBABA_CLOUD_ACCESS_KEY_ID && env.ALIBABA_CLOUD_ACCESS_KEY_SECRET) || (env.ALICLOUD_ACCESS_KEY && env.ALICLOUD_SECRET_KEY)) {
        return true;
    }
    const profile = env.ALIBABA_CLOUD_PROFILE ?? env.ALICLOUD_PROFILE;
    return Boolean(profile) && fs.existsSync(path.join(home, ".aliyun", "config.json"));
}

/**
 * Checks the CLI, the state backend and its passphrase, the cloud credentials and each stack's config, in that
 * order; returns the environment the Pulumi CLI runs with. Throws a PreflightError saying what to do.
 */
export function preflight(operation: Operation, stacks: StackName[], ctx: PreflightContext): Record<string, string> {
    if (!ctx.onPath("pulumi")) {
        throw new PreflightError("the Pulumi CLI is not on PATH. Install it (`curl -fsSL https://get.pulumi.com | sh`, " +
            "or see https://www.pulumi.com/docs/install/), open a new shell, and run this again. " +
            "Without an account or the CLI, `npm run plan -- --stack cn` previews offline.");
    }
    const backend = ctx.env.PULUMI_BACKEND_URL || defaultBackend(ctx.root);
    const cloud = /^https?:\/\//.test(backend);
    if (!cloud && !ctx.env.PULUMI_CONFIG_PASSPHRASE && !ctx.env.PULUMI_CONFIG_PASSPHRASE_FILE) {
        throw new PreflightError(`the state backend ${backend} encrypts secrets with a passphrase: set PULUMI_CONFIG_PASSPHRASE ` +
            "(or PULUMI_CONFIG_PASSPHRASE_FILE) to the stack's passphrase, the same on every run.");
    }
    if (!hasCredentials(ctx.env, ctx.home ?? os.homedir())) {
        throw new PreflightError(`no Alibaba Cloud credentials: set ${CREDENTIALS}. The ${operation} reads the account even when it changes nothing.`);
    }
    for (const stack of stacks) {
        try {
            checkStackFile(ctx.root, stack);
        } catch (err) {
            throw new PreflightError((err as Error).message);
        }
    }
    if (backend.startsWith("file://")) {
        fs.mkdirSync(backend.slice("file://".length), { recursive: true });
    }
    return { PULUMI_BACKEND_URL: backend };
}

/**
 * What the files of `stacks` ask of the account: with cn, cross-border transfer, and DCDN unless it is off; Auto
 * Scaling's role for each stack with maxReplicas.
 */
export function accountNeeds(root: string, stacks: StackName[]): AccountNeeds {
    const project = loadProject(root);
    const configs = Object.fromEntries(stacks.map((stack) => [stack, loadStackConfig(project, stackFile(project, stack))]));
    const cn = configs.cn;
    return {
        crossBorder: cn !== undefined,
        dcdn: cn !== undefined && cn[`${project.name}:dcdn`] !== "false",
        autoScaling: stacks.filter((stack) => Number(configs[stack][`${project.name}:maxReplicas`] ?? 0) > 0),
    };
}

/** The registries the stacks' files ask for that hosts log in to (none when registryEdition is enterprise or none). */
export function registryNeeds(root: string, stacks: StackName[]): RegistryNeed[] {
    const project = loadProject(root);
    return stacks.flatMap((stack) => {
        const config = loadStackConfig(project, stackFile(project, stack));
        const key = (name: string) => config[`${project.name}:${name}`];
        if ((key("registryEdition") ?? "personal") !== "personal") {
            return [];
        }
        const instanceId = key("registryPersonalInstanceId") || undefined;
        return [{ stack, region: String(key("region")), ...(instanceId ? { instanceId: String(instanceId) } : {}) }];
    });
}

/**
 * The records the cn stack's file writes into zones that exist, from its program run offline (the us stack from its
 * own file); undefined when a file holds encrypted values, which only the Pulumi CLI can read.
 */
export async function cnWrittenRecords(root: string): Promise<WrittenRecord[] | undefined> {
    const project = loadProject(root);
    let config;
    try {
        config = loadStackConfig(project, stackFile(project, "cn"));
    } catch (err) {
        if (err instanceof EncryptedConfigError) {
            return undefined;
        }
        throw err;
    }
    return writtenRecords((await runStackProgram(project, "cn", config)).resources);
}

/** Each record of the zones the cn stack writes into that would stop or spoil its records; empty when none. */
export async function cnDnsProblems(api: DnsApi, written: WrittenRecord[]): Promise<string[]> {
    const zones: Record<string, ZoneRecord[] | undefined> = {};
    for (const zone of new Set(written.map((w) => w.zone))) {
        zones[zone] = await api.records(zone);
    }
    return dnsConflicts(written, zones);
}
