import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, StackConfig, isCnConfig, parseStackConfig, projectConfig } from "./config";
import { usProgram } from "./us";
import { cnProgram } from "./cn";

// In the SDK's runtime but not in its typings: whether the engine handed a key's value as a secret.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** Validates the config before anything is created, then runs the program of the stack's role. */
export async function runStack(): Promise<Record<string, unknown>> {
    const raw = projectConfig(pulumi.runtime.allConfig());
    const secretKeys = Object.keys(raw).filter((key) => isConfigSecret(`${NAMESPACE}:${key}`));
    const config: StackConfig = parseStackConfig(raw, pulumi.getStack(), secretKeys);
    return isCnConfig(config) ? cnProgram(config) : { ...await usProgram(config) };
}
