// Reads Pulumi.yaml and a stack file the way the Pulumi CLI does for a program: the project's declared defaults
// under the stack's own values, every value handed over as a string (lists and objects as JSON).
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** A problem with the plan's input files or arguments: exit code 2. */
export class PlanInputError extends Error {}

interface DeclaredKey {
    type?: string;
    default?: unknown;
}

export interface Project {
    dir: string;
    name: string;
    declared: Record<string, DeclaredKey>;
}

function readYaml(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new PlanInputError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    try {
        return YAML.parse(text) ?? {};
    } catch (err) {
        throw new PlanInputError(`${file}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
}

export function loadProject(dir: string): Project {
    const doc = readYaml(path.join(dir, "Pulumi.yaml")) as { name?: string; config?: Record<string, DeclaredKey> };
    if (!doc.name) {
        throw new PlanInputError(`${path.join(dir, "Pulumi.yaml")}: has no project name`);
    }
    return { dir, name: doc.name, declared: doc.config ?? {} };
}

export function stackFile(project: Project, stack: string): string {
    return path.join(project.dir, `Pulumi.${stack}.yaml`);
}

function asConfigString(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v);
}

/** A stack file holds encrypted values, which only the Pulumi CLI can decrypt. */
export class EncryptedConfigError extends PlanInputError {}

/** The config a program of this project sees for a stack file: "namespace:key" → string. */
export function loadStackConfig(project: Project, file: string): Record<string, string> {
    const doc = readYaml(file);
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
        throw new PlanInputError(`${file}: expected a mapping with a "config" key`);
    }
    const values = (doc as { config?: unknown }).config ?? {};
    if (typeof values !== "object" || values === null || Array.isArray(values)) {
        throw new PlanInputError(`${file}: "config" must be a mapping of "namespace:key" to values`);
    }

    const config: Record<string, string> = {};
    for (const [key, declared] of Object.entries(project.declared)) {
        if (declared.default !== undefined) {
            config[`${project.name}:${key}`] = asConfigString(declared.default);
        }
    }
    for (const [key, value] of Object.entries(values)) {
        if (!key.includes(":")) {
            throw new PlanInputError(`${file}: config key "${key}" has no namespace; expected "${project.name}:${key}"`);
        }
        if (typeof value === "object" && value !== null && "secure" in value) {
            throw new EncryptedConfigError(`${file}: ${key} is encrypted ("secure"), which the offline plan cannot read; ` +
                `plan with a copy that holds a test value instead (--config FILE)`);
        }
        config[key] = asConfigString(value);
    }
    return config;
}

/** A stack's config with overrides ("key" without namespace → value; undefined removes the key). */
export function withOverrides(project: Project, config: Record<string, string>, overrides: Record<string, unknown>): Record<string, string> {
    const result = { ...config };
    for (const [key, value] of Object.entries(overrides)) {
        const full = `${project.name}:${key}`;
        if (value === undefined) {
            delete result[full];
        } else {
            result[full] = asConfigString(value);
        }
    }
    return result;
}
