// The DCDN calls no provider resource covers (components/cloud/dcdnApi.ts), as resources of the program: a Pulumi
// dynamic provider (https://www.pulumi.com/docs/iac/concepts/resources/dynamic-providers/) whose code the engine
// serializes with the program and runs in its own process, with the credentials of the deploying environment.
import * as pulumi from "@pulumi/pulumi";
import { dcdnClient } from "../cloud/dcdnApi";
import { apiError } from "../cloud/openApi";

/**
 * What one call does: the ownership content of a domain, DCDN's check of it, the account's WebSocket switch, or a
 * name's functions read back until DCDN has applied each (`expect`: by function, the arguments it must hold).
 */
export type DcdnStep =
    | { action: "verify-content"; domain: string }
    | { action: "verify-owner"; domain: string; attempts: number; intervalSeconds: number }
    | { action: "websocket"; on: boolean }
    | { action: "check-functions"; domain: string; expect: Record<string, Record<string, string>>; attempts: number; intervalSeconds: number };

const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

/** Reads a name's functions until DCDN reports each applied; returns every argument DCDN holds, or throws what it holds. */
async function checkFunctions(step: Extract<DcdnStep, { action: "check-functions" }>, env: NodeJS.ProcessEnv): Promise<string> {
    const api = dcdnClient(env);
    const names = Object.keys(step.expect);
    for (let i = 1; ; i++) {
        const held = await api.domainFunctions(step.domain, names);
        const said = (f: string) => held[f] ? `${f}: status ${held[f].status}, ${JSON.stringify(held[f].args)}` : `${f}: none`;
        const wrong = names.filter((f) => held[f]?.status === "success" && Object.entries(step.expect[f]).some(([k, v]) => held[f].args[k] !== v));
        if (wrong.length > 0) {
            throw new Error(`DCDN holds ${step.domain}'s ${wrong.map(said).join("; ")}, not ${wrong.map((f) => `${f} ${JSON.stringify(step.expect[f])}`).join("; ")}`);
        }
        const pending = names.filter((f) => held[f]?.status !== "success");
        if (pending.length === 0) {
            return JSON.stringify(Object.fromEntries(names.map((f) => [f, held[f].args])));
        }
        if (pending.some((f) => !held[f] || held[f].status === "failed") || i >= step.attempts) {
            throw new Error(`DCDN did not apply ${step.domain}'s ${pending.map(said).join("; ")}${i >= step.attempts ? ` (after ${i} reads)` : ""}`);
        }
        pulumi.log.info(`dcdn: ${step.domain}: ${pending.map(said).join("; ")}; read again in ${step.intervalSeconds} s (${i}/${step.attempts})`);
        await sleep(step.intervalSeconds);
    }
}

/** Runs a step against DCDN's API (or the stand-in CHINA_EDGE_DCDN_ENDPOINT names) and returns its answer. */
export async function runDcdnStep(step: DcdnStep, env: NodeJS.ProcessEnv = process.env): Promise<string> {
    const api = dcdnClient(env);
    if (step.action === "verify-content") {
        return api.verifyContent(step.domain);
    }
    if (step.action === "websocket") {
        await api.setWebsocket(step.on);
        return `websocket ${step.on ? "on" : "off"}`;
    }
    if (step.action === "check-functions") {
        return checkFunctions(step, env);
    }
    for (let i = 1; ; i++) {
        try {
            return await api.verifyOwner(step.domain);
        } catch (err) {
            if (i >= step.attempts) {
                throw new Error(`DCDN did not verify ${step.domain} after ${i} attempts: ${apiError(err)}`);
            }
            pulumi.log.info(`dcdn: ${step.domain} not verified yet (${apiError(err)}); again in ${step.intervalSeconds} s (${i}/${step.attempts})`);
            await sleep(step.intervalSeconds);
        }
    }
}

type Inputs = { step: DcdnStep; trigger?: string };

/** Runs the step when created, and again when its step or trigger changes; deleting undoes nothing. */
export const dcdnStepProvider: pulumi.dynamic.ResourceProvider<Inputs, Inputs & { answer: string }> = {
    async create(inputs) {
        const answer = await runDcdnStep(inputs.step);
        const step = inputs.step;
        return { id: `${step.action}:${"domain" in step ? step.domain : "account"}`, outs: { ...inputs, answer } };
    },
    async diff(_id, olds, news) {
        const changes = JSON.stringify([olds.step, olds.trigger]) !== JSON.stringify([news.step, news.trigger]);
        return { changes };
    },
    async update(_id, _olds, news) {
        return { outs: { ...news, answer: await runDcdnStep(news.step) } };
    },
};

export interface DcdnCallArgs {
    step: pulumi.Input<DcdnStep>;
    /** A value whose change runs the step again (the content the check is for). */
    trigger?: pulumi.Input<string>;
}

const MODULE = "china-edge";
const TYPE = "DcdnCall";
/** The type token of a DcdnCall, as the SDK makes it for a dynamic resource of this module and type. */
export const DCDN_CALL = `pulumi-nodejs:dynamic/${MODULE}:${TYPE}`;

/** One DCDN call run where `pulumi up` runs, again whenever its step or trigger changes; `answer` is what it returned. */
export class DcdnCall extends pulumi.dynamic.Resource {
    declare readonly answer: pulumi.Output<string>;

    constructor(name: string, args: DcdnCallArgs, opts?: pulumi.CustomResourceOptions) {
        super(dcdnStepProvider, name, { ...args, answer: undefined }, opts, MODULE, TYPE);
    }
}
