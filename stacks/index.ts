// The program `pulumi up` runs: one project, the stack's role (cn or us) picks the program.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config";
import { PeerStackError } from "./cn";
import { runStack } from "./program";

export = async () => {
    try {
        return await runStack();
    } catch (err) {
        if (err instanceof ConfigError || err instanceof PeerStackError) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
};
