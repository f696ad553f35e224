// The DCDN steps `pulumi up` runs where no provider resource exists (see harness/cloud/dcdnApi.ts):
//   dcdn verify-content DOMAIN                       prints the TXT value that proves ownership of DOMAIN
//   dcdn verify-owner DOMAIN [--attempts N] [--interval S]
//                                                    asks DCDN to check it, again until the record is seen
//   dcdn websocket on|off                            the account's WebSocket switch
// Exit 0 on success; 1 with the API's error; 2 on bad arguments.
import { parseArgs } from "util";
import { dcdnClient } from "../harness/cloud/dcdnApi";
import { apiError } from "../harness/cloud/openApi";

const USAGE = "usage: dcdn verify-content DOMAIN | verify-owner DOMAIN [--attempts N] [--interval S] | websocket on|off";

function fail(code: number, message: string): never {
    process.stderr.write(`dcdn: ${message}\n`);
    process.exit(code);
}

async function main(): Promise<void> {
    let parsed;
    try {
        parsed = parseArgs({ allowPositionals: true, options: { attempts: { type: "string", default: "30" }, interval: { type: "string", default: "20" } } });
    } catch (err) {
        fail(2, `${(err as Error).message}\n${USAGE}`);
    }
    const [action, target] = parsed.positionals;
    const attempts = Number(parsed.values.attempts);
    const interval = Number(parsed.values.interval);
    if (!Number.isInteger(attempts) || attempts < 1 || !(interval >= 0)) {
        fail(2, `--attempts takes a whole number from 1, --interval seconds from 0\n${USAGE}`);
    }
    const api = dcdnClient();
    try {
        if (action === "verify-content" && target) {
            process.stdout.write(await api.verifyContent(target));
        } else if (action === "verify-owner" && target) {
            for (let i = 1; ; i++) {
                try {
                    process.stdout.write(await api.verifyOwner(target));
                    return;
                } catch (err) {
                    if (i >= attempts) {
                        throw err;
                    }
                    process.stderr.write(`dcdn: ${target} not verified yet (${apiError(err)}); again in ${interval} s (${i}/${attempts})\n`);
                    await new Promise((r) => setTimeout(r, interval * 1000));
                }
            }
        } else if (action === "websocket" && (target === "on" || target === "off")) {
            await api.setWebsocket(target === "on");
            process.stdout.write(`websocket ${target}`);
        } else {
            fail(2, USAGE);
        }
    } catch (err) {
        fail(1, `${action} ${target}: ${apiError(err)}`);
    }
}

main();
