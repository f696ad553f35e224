import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";

/** How the program runs a DCDN step no provider resource covers: a command line, run from a directory. */
export interface DcdnSteps {
    dir: string;
    command(args: string[]): string;
}

/** One step run where `pulumi up` runs, again whenever a trigger changes; its stdout is its answer. */
export function dcdnStep(name: string, steps: DcdnSteps, args: string[], opts: pulumi.CustomResourceOptions & { triggers?: pulumi.Input<unknown>[] }): command.local.Command {
    const { triggers, ...options } = opts;
    return new command.local.Command(name, { create: steps.command(args), dir: steps.dir, ...(triggers ? { triggers } : {}) }, options);
}
