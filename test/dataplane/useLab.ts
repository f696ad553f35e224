// Starts the lab once for a suite (skipped with a visible line when haproxy or nginx is missing) and stops it after.
import { Lab, LabOptions, missingRedirectorPackages, startLab } from "../../harness/lab/lab";
import { ROOT } from "../helpers";
import { requireTools } from "../render/tools";

/** `options` may be a function, called when the lab starts: what it names (a stand-in's port) may not exist before. */
export function useLab(given: Partial<LabOptions> | (() => Partial<LabOptions>) = {}): () => Lab {
    let lab: Lab | undefined;
    before(async function () {
        const options = typeof given === "function" ? given() : given;
        this.timeout(120_000);
        requireTools(this, "haproxy", "nginx", "openssl");
        const missing = missingRedirectorPackages();
        if (missing.length > 0) {
            console.log(`      the lab leaves out the redirector: ${missing.join(", ")} not installed (bash scripts/dev.sh installs them)`);
        }
        const cn = { ...(missing.length > 0 ? { redirector: false } : {}), ...options.overrides?.cn };
        lab = await startLab({ root: ROOT, ...options, overrides: { ...options.overrides, cn } });
    });
    after(async () => {
        await lab?.close();
    });
    return () => {
        if (!lab) {
            throw new Error("the lab did not start");
        }
        return lab;
    };
}
