// A #cloud-config document: the subset of cloud-init's schema the proxies use, rendered as YAML, kept under
// Alibaba Cloud's user data limit.
import * as zlib from "zlib";
import * as YAML from "yaml";
import { USER_DATA_LIMIT_BYTES } from "china-edge-policy/kernel/limits";

export interface CloudFile {
    path: string;
    content: string;
    permissions?: string;
    owner?: string;
    /** Written after the packages are installed (for files a package would otherwise own or overwrite). */
    defer?: boolean;
}

export interface CloudConfig {
    packages: string[];
    files: CloudFile[];
    /** Commands run once, in order, at the end of the first boot; a string runs through sh. */
    runcmd: (string | string[])[];
}

/** The top-level keys this renderer emits; cloud-init ignores unknown keys silently, so tests check them. */
export const CLOUD_CONFIG_KEYS = ["package_update", "packages", "write_files", "runcmd"] as const;

/** Files this size or larger are the ones compressed when the document does not fit. */
const COMPRESSIBLE_BYTES = 1024;

export class UserDataTooLarge extends Error {}

function document(config: CloudConfig, compressed: Set<string>): string {
    const doc = {
        package_update: true,
        packages: config.packages,
        write_files: config.files.map((f) => ({
            path: f.path,
            ...(compressed.has(f.path)
                ? { encoding: "gz+b64", content: zlib.gzipSync(f.content, { level: 9 }).toString("base64") }
                : { content: f.content }),
            ...(f.permissions ? { permissions: f.permissions } : {}),
            ...(f.owner ? { owner: f.owner } : {}),
            ...(f.defer ? { defer: true } : {}),
        })),
        runcmd: config.runcmd,
    };
    return "#cloud-config\n" + YAML.stringify(doc, { lineWidth: 0, blockQuote: "literal" });
}

/**
 * The user data of `config`, in plain text when it fits the limit; otherwise its largest files are written
 * gzip-compressed (cloud-init's gz+b64 encoding) until it fits. Throws UserDataTooLarge, naming every file and
 * its size, when even that does not fit: nothing is created from a document the instance could not receive.
 */
export function renderUserData(config: CloudConfig, limit = USER_DATA_LIMIT_BYTES): string {
    const compressed = new Set<string>();
    let text = document(config, compressed);
    const candidates = config.files
        .filter((f) => Buffer.byteLength(f.content) >= COMPRESSIBLE_BYTES)
        .sort((a, b) => Buffer.byteLength(b.content) - Buffer.byteLength(a.content));
    for (const file of candidates) {
        if (Buffer.byteLength(text) <= limit) {
            break;
        }
        compressed.add(file.path);
        text = document(config, compressed);
    }
    const size = Buffer.byteLength(text);
    if (size > limit) {
        const files = config.files.map((f) => `${f.path} ${Buffer.byteLength(f.content)} B`).join(", ");
        throw new UserDataTooLarge(`the rendered user data is ${size} bytes even with its large files compressed; ` +
            `Alibaba Cloud accepts at most ${limit} bytes before base64 (files: ${files}). ` +
            "Shorten the host and mirror lists, or use a shorter certificate chain.");
    }
    return text;
}

/** The files of a user data document, decompressed: what the instance writes. */
export function userDataFiles(text: string): { path: string; content: string }[] {
    const doc = YAML.parse(text) as { write_files?: { path: string; content: string; encoding?: string }[] };
    return (doc.write_files ?? []).map((f) => ({
        path: f.path,
        content: f.encoding === "gz+b64" ? zlib.gunzipSync(Buffer.from(f.content, "base64")).toString() : f.content,
    }));
}
