// The files each instance receives, taken from the user data the program handed the engine: what is written is
// exactly what would boot. Private keys are replaced by a marker, so the plan output never holds a secret.
import * as fs from "fs";
import * as path from "path";
import { PlannedResource, isSecret } from "./mockEngine";
import { userDataFiles } from "../../components/render/cloudInit";
import { PROXY_CONFIG_FILES } from "../../components/render/paths";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";

const INSTANCE = ECS_INSTANCE;
const PRIVATE_KEY = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g;
const REDACTED_KEY = "[secret: private key omitted from the plan]";

function redact(text: string): string {
    return text.replace(PRIVATE_KEY, REDACTED_KEY);
}

/** The cloud-config text of an instance's userData input (base64, possibly a secret), or undefined. */
export function instanceUserData(resource: PlannedResource): string | undefined {
    const raw = resource.rawInputs.userData;
    const value = isSecret(raw) ? (raw as { value: unknown }).value : raw;
    return typeof value === "string" ? Buffer.from(value, "base64").toString() : undefined;
}

/** Writes <dir>/<instance>/user-data.yaml and its proxy config files; returns the paths written. */
export function writeInstanceArtifacts(resources: PlannedResource[], dir: string): string[] {
    const written: string[] = [];
    for (const r of resources.filter((x) => x.type === INSTANCE)) {
        const userData = instanceUserData(r);
        if (userData === undefined) {
            continue;
        }
        const folder = path.join(dir, r.name);
        fs.mkdirSync(folder, { recursive: true });
        const write = (name: string, text: string) => {
            const file = path.join(folder, name);
            fs.writeFileSync(file, redact(text));
            written.push(file);
        };
        write("user-data.yaml", userData);
        for (const f of userDataFiles(userData).filter((x) => PROXY_CONFIG_FILES.includes(x.path))) {
            write(path.basename(f.path), f.content);
        }
    }
    return written;
}
