// The DCDN calls no provider resource covers (components/cloud/dcdnApi.ts), as resources of the program: a Pulumi
// dynamic provider (https://www.pulumi.com/docs/iac/concepts/resources/dynamic-providers/) whose code the engine
// serializes with the program and runs in its own process, with the credentials of the deploying environment.
import * as pulumi from "@pulumi/pulumi";
import { dcdnClient } from "../cloud/dcdnApi";
import { apiError } from "../cloud/openApi";

/** What one call does: the ownership content of a domain, DCDN's check of it, or the account's WebSocket switch. */
export type DcdnStep =
    | { action: "verify-content"; domain: string }
    | { action: "verify-owner"; domain: string; attempts: number; intervalSeconds: number }
    | { action: "websocket"; on: boolean };

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
    for (let i = 1; ; i++) {
        try {
            return await api.verifyOwner(step.domain);
        } catch (err) {
            if (i >= step.attempts) {
                throw new Error(`DCDN did not verify ${step.domain} after ${i} attempts: ${apiError(err)}`);
            }
            pulumi.log.info(`dcdn: ${step.domain} not verified yet (${apiError(err)}); again in ${step.intervalSeconds} s (${i}/${step.attempts})`);
            await new Promise((r) => setTimeout(r, step.intervalSeconds * 1000));
        }
    }
}

type Inputs = { step: DcdnStep; trigger?: string };

/** Runs the step when created, and again when its step or trigger changes; deleting undoes nothing. */
export const dcdnStepProvider: pulumi.dynamic.ResourceProvider<Inputs, Inputs & { answer: string }> = {
    async create(inputs) {
        const answer = await runDcdnStep(inputs.step);
        return { id: `${inputs.step.action}:${"domain" in inputs.step ? inputs.step.domain : "account"}`, outs: { ...inputs, answer } };
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
