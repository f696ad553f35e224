// The files each instance receives, taken from what the program handed the engine: its user data (first boot) and
// the bundle stored for it, which its apply command fetches (what it serves); for a scaling group, what each of its
// instances receives. What is written is exactly what the instance would get.
// Private keys are replaced by a marker, so the plan output never holds a secret.
import * as fs from "fs";
import * as path from "path";
import { PlannedResource, isSecret } from "./mockEngine";
import { ProxyBundle, decodeBundle } from "../../components/render/shared/bundle";
import { PROXY_CONFIG_FILES } from "../../components/render/shared/paths";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";
import { ALERT_RULES_FILE } from "../../components/render/shared/alertRules";
import { unpackUserData } from "../../components/render/shared/cloudInit";

const INSTANCE = ECS_INSTANCE;
const COMMAND = "alicloud:ecs/command:Command";
const BUCKET_OBJECT = "alicloud:oss/bucketObject:BucketObject";
const SCALING_CONFIGURATION = "alicloud:ess/scalingConfiguration:ScalingConfiguration";
const SCALING_GROUP = "alicloud:ess/scalingGroup:ScalingGroup";
const PRIVATE_KEY = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g;
const REDACTED_KEY = "[secret: private key omitted from the plan]";

function redact(text: string): string {
    return text.replace(PRIVATE_KEY, REDACTED_KEY);
}

/** An input's value, a secret's included. */
const plain = (raw: unknown): unknown => (isSecret(raw) ? (raw as { value: unknown }).value : raw);

/** A base64 input (possibly a secret) as text, or undefined. */
function decoded(raw: unknown): string | undefined {
    const value = plain(raw);
    return typeof value === "string" ? Buffer.from(value, "base64").toString() : undefined;
}

/** The cloud-config text of an instance's userData input (sent gzip-compressed), or undefined. */
export function instanceUserData(resource: PlannedResource): string | undefined {
    const value = plain(resource.rawInputs.userData);
    return typeof value === "string" ? unpackUserData(Buffer.from(value, "base64")) : undefined;
}

/** The shell script of the Cloud Assistant command that delivers what an instance serves, or undefined. */
export function instanceApplyCommand(resources: PlannedResource[], instance: PlannedResource): string | undefined {
    const command = resources.find((r) => r.type === COMMAND && r.parent === instance.urn);
    return command && decoded(command.rawInputs.commandContent);
}

/** The bundle stored for an instance (its apply command fetches it), as stored, or undefined. */
export function instanceBundleText(resources: PlannedResource[], instance: PlannedResource): string | undefined {
    const object = resources.find((r) => r.type === BUCKET_OBJECT && r.parent === instance.urn);
    const content = plain(object?.rawInputs.content);
    return typeof content === "string" ? content : undefined;
}

/** The bundle stored for an instance, or undefined. */
export function instanceBundle(resources: PlannedResource[], instance: PlannedResource): ProxyBundle | undefined {
    const text = instanceBundleText(resources, instance);
    return text === undefined ? undefined : decodeBundle(text);
}

/** The files an instance serves (its bundle's), or none. */
export function instanceFiles(resources: PlannedResource[], instance: PlannedResource): { path: string; content: string }[] {
    return instanceBundle(resources, instance)?.files ?? [];
}

/** A scaling group's bundle: stored once under the group, for every instance it launches. */
export function groupBundle(resources: PlannedResource[], group: PlannedResource): ProxyBundle | undefined {
    const content = plain(resources.find((r) => r.type === BUCKET_OBJECT && r.parent === group.urn)?.rawInputs.content);
    return typeof content === "string" ? decodeBundle(content) : undefined;
}

/** What gets a user data and a bundle: each instance, and each scaling group (its configuration's user data). */
function hosts(resources: PlannedResource[]): { name: string; userData?: string; files: { path: string; content: string }[] }[] {
    const groups = resources.filter((g) => g.type === SCALING_GROUP).map((g) => {
        const configuration = resources.find((c) => c.type === SCALING_CONFIGURATION && c.parent === g.urn);
        return { name: g.name, userData: configuration && instanceUserData(configuration), files: groupBundle(resources, g)?.files ?? [] };
    });
    const instances = resources.filter((x) => x.type === INSTANCE).map((r) => ({ name: r.name, userData: instanceUserData(r), files: instanceFiles(resources, r) }));
    return [...instances, ...groups];
}

/** Writes <dir>/<instance or scaling group>/user-data.yaml and its proxy config files; returns the paths written. */
export function writeInstanceArtifacts(resources: PlannedResource[], dir: string): string[] {
    const written: string[] = [];
    for (const r of hosts(resources)) {
        const userData = r.userData;
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
        for (const f of r.files.filter((x) => PROXY_CONFIG_FILES.includes(x.path))) {
            write(path.basename(f.path), f.content);
        }
    }
    return written;
}

/** Writes <dir>/prometheus/prometheus.yml and its rule file from the stack's `prometheus` output; returns the paths. */
export function writePrometheusArtifacts(outputs: Record<string, unknown>, dir: string): string[] {
    const files = outputs.prometheus as { scrape: string; rules: string } | undefined;
    if (!files) {
        return [];
    }
    const folder = path.join(dir, "prometheus");
    fs.mkdirSync(folder, { recursive: true });
    return [["prometheus.yml", files.scrape], [ALERT_RULES_FILE, files.rules]].map(([name, text]) => {
        const file = path.join(folder, name);
        fs.writeFileSync(file, text);
        return file;
    });
}
