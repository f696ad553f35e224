// A #cloud-config document: the subset of cloud-init's schema the proxies use, rendered as YAML, and sent gzip-
// compressed (cloud-init reads gzip user data as it is: https://cloudinit.readthedocs.io/en/latest/explanation/format.html),
// kept under Alibaba Cloud's user data limit.
import { gzip, ungzip } from "pako";
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

export class UserDataTooLarge extends Error {}

function document(config: CloudConfig): string {
    const doc = {
        package_update: true,
        packages: config.packages,
        write_files: config.files.map((f) => ({
            path: f.path,
            content: f.content,
            ...(f.permissions ? { permissions: f.permissions } : {}),
            ...(f.owner ? { owner: f.owner } : {}),
            ...(f.defer ? { defer: true } : {}),
        })),
        runcmd: config.runcmd,
    };
    return "#cloud-config\n" + YAML.stringify(doc, { lineWidth: 0, blockQuote: "literal" });
}

/**
 * The user data of `config` as text (what the plan shows and cloud-init reads once decompressed). Throws
 * UserDataTooLarge, naming every file and its size, when what is sent (packUserData) would not fit: nothing is
 * created from a document the instance could not receive.
 */
export function renderUserData(config: CloudConfig, limit = USER_DATA_LIMIT_BYTES): string {
    const text = document(config);
    const size = packUserData(text).length;
    if (size > limit) {
        const files = config.files.map((f) => `${f.path} ${Buffer.byteLength(f.content)} B`).join(", ");
        throw new UserDataTooLarge(`the rendered user data is ${size} bytes gzip-compressed; ` +
            `Alibaba Cloud accepts at most ${limit} bytes before base64 (files: ${files}). ` +
            "Shorten the host and mirror lists, or use a shorter certificate chain.");
    }
    return text;
}

/**
 * User data as it is sent: gzip at level 9 by pako (pinned by the lockfile), so the same text makes the same bytes
 * on every machine and Node version; the instance is replaced when its user data changes.
 */
export function packUserData(text: string): Buffer {
    return Buffer.from(gzip(text, { level: 9 }));
}

/** The text of user data as sent, compressed or not. */
export function unpackUserData(data: Buffer): string {
    return data[0] === 0x1f && data[1] === 0x8b ? Buffer.from(ungzip(data)).toString() : data.toString();
}

/** The files of a user data document: what the instance writes. */
export function userDataFiles(text: string): { path: string; content: string }[] {
    const doc = YAML.parse(text) as { write_files?: { path: string; content: string }[] };
    return (doc.write_files ?? []).map((f) => ({ path: f.path, content: f.content }));
}
