// What a proxy serves (its config, scripts and certificates), as one bundle its host applies in place with
// apply/china-edge-apply.py: checked first, swapped in, reloaded, rolled back on failure. The bundle is stored in the
// stack's private bucket and a Cloud Assistant command per instance has the host fetch and apply it, so a change of
// what a proxy serves never touches the instance itself, and no bundle is too large for a command.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

export interface BundleFile {
    path: string;
    content: string;
    /** Octal file mode, e.g. "0644"; private keys "0600". */
    mode: string;
    /** The file's group, for a file a service's unprivileged workers read; omitted: root's. */
    group?: string;
}

/** The files of a proxy and the commands its service is checked, reloaded, started and asked with. */
export interface ProxyBundle {
    /** The instance, for the apply tool's messages. */
    name: string;
    files: BundleFile[];
    /** Validates the config at its live paths (run with the new files mounted over them). */
    check: string[];
    reload: string[];
    start: string[];
    /** Exits 0 while the service runs. */
    active: string[];
    /** When the service counts as in service after a start or reload; omitted: once it runs. */
    ready?: ReadyCheck;
    /** Shell lines run before anything else, e.g. a self-signed certificate made once; a failure changes nothing. */
    prepare?: string[];
    /** Shell lines run once the bundle is in place (or already was), e.g. the renewer. */
    after?: string[];
}

/** A health probe that must pass `passes` times in a row, `intervalSeconds` apart, within `timeoutSeconds`. */
export interface ReadyCheck {
    command: string[];
    passes: number;
    intervalSeconds: number;
    timeoutSeconds: number;
}

/** The service commands of a systemd unit, and its config check. */
export function systemdCommands(service: string, check: string[]): Pick<ProxyBundle, "check" | "reload" | "start" | "active"> {
    return {
        check,
        reload: ["systemctl", "reload", service],
        start: ["sh", "-c", `systemctl enable ${service} && systemctl restart ${service}`],
        active: ["systemctl", "is-active", "--quiet", service],
    };
}

/** Where cloud-init puts the apply tool on every proxy host. */
export const APPLY_TOOL = "/usr/local/sbin/china-edge-apply";
export const APPLY_TOOL_SOURCE = fs.readFileSync(path.join(__dirname, "apply", "china-edge-apply.py"), "utf8");

/** Seconds a delivery may take on one instance, first boot's package installation included. */
export const APPLY_TIMEOUT_SECONDS = 900;

/** Python's base64.b85encode alphabet (RFC 1924's): a quoted heredoc carries every one of its characters as is. */
const B85 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";

/** `data` as Python's base64.b85encode writes it (no padding): 5 characters per 4 bytes, where base64 takes 5⅓. */
export function b85encode(data: Buffer): string {
    const padding = (4 - (data.length % 4)) % 4;
    const padded = Buffer.concat([data, Buffer.alloc(padding)]);
    let out = "";
    for (let i = 0; i < padded.length; i += 4) {
        let word = padded.readUInt32BE(i);
        const digits: string[] = [];
        for (let j = 0; j < 5; j++) {
            digits.unshift(B85[word % 85]);
            word = Math.floor(word / 85);
        }
        out += digits.join("");
    }
    return out.slice(0, out.length - padding);
}

/** The bytes of `text` as base64.b85decode reads them; throws on a character outside the alphabet. */
export function b85decode(text: string): Buffer {
    const padding = (5 - (text.length % 5)) % 5;
    const padded = text + "~".repeat(padding);
    const out = Buffer.alloc((padded.length / 5) * 4);
    for (let i = 0; i < padded.length; i += 5) {
        let word = 0;
        for (const c of padded.slice(i, i + 5)) {
            const digit = B85.indexOf(c);
            if (digit < 0) {
                throw new Error(`not base85: ${JSON.stringify(c)}`);
            }
            word = word * 85 + digit;
        }
        out.writeUInt32BE(word, (i / 5) * 4);
    }
    return out.subarray(0, out.length - padding);
}

const BUNDLE_PREFIX = "br85:";

/** What the apply tool needs on every host to read a bundle: libbrotlidec (curl's libcurl4 pulls it in too). */
export const BUNDLE_PACKAGES = ["libbrotli1"];

/**
 * The bundle as the apply tool reads it: brotli (about 15 % smaller than gzip on configs), then base85 after "br85:"
 * (small to store and fetch, and plain text for the bucket object).
 */
export function encodeBundle(bundle: ProxyBundle): string {
    const json = JSON.stringify(bundle);
    const packed = zlib.brotliCompressSync(json, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(json) },
    });
    return BUNDLE_PREFIX + b85encode(packed);
}

/** The bundle an encoded one holds (the plan's artifacts and the lab read it back). */
export function decodeBundle(encoded: string): ProxyBundle {
    return JSON.parse(zlib.brotliDecompressSync(b85decode(encoded.slice(BUNDLE_PREFIX.length))).toString()) as ProxyBundle;
}

/** Where a host reads its bundle: an object of its stack's private bucket, over the region's internal endpoint. */
export interface BundleObject {
    bucket: string;
    key: string;
    /** The bucket's region, which OSS's V4 signature names. */
    region: string;
    /** The region's internal endpoint, e.g. oss-cn-shanghai-internal.aliyuncs.com. */
    endpoint: string;
}

/** The SHA-256 (hex) of an encoded bundle: the command names it, the apply tool checks what it fetched against it. */
export function bundleDigest(encoded: string): string {
    return crypto.createHash("sha256").update(encoded).digest("hex");
}

/**
 * The shell script Cloud Assistant runs on the instance: it waits for first boot's setup to finish, then has the apply
 * tool fetch the bundle (`encoded`, stored at `object`) with the host's RAM role, check its digest and apply it. The
 * script is the same few hundred bytes whatever the bundle holds: no bundle meets Cloud Assistant's limit on a command.
 */
export function renderApplyCommand(name: string, object: BundleObject, encoded: string): string {
    return [
        "#!/bin/sh",
        `# Rendered by china-edge: applies what ${name} serves in place, fetched from the stack's bucket.`,
        "set -eu",
        "cloud-init status --wait >/dev/null || true",
        [APPLY_TOOL, "--fetch", `oss://${object.bucket}/${object.key}`, "--region", object.region, "--endpoint", object.endpoint,
            "--sha256", bundleDigest(encoded)].map(shellQuote).join(" "),
        "",
    ].join("\n");
}

const shellQuote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);

/** Where a rendered apply command fetches its bundle from, and the digest it checks. */
export function commandObject(script: string): { location: string; sha256: string } {
    const found = / --fetch (\S+) .* --sha256 ([0-9a-f]{64})$/m.exec(script);
    if (!found) {
        throw new Error("not an apply command rendered by china-edge");
    }
    return { location: found[1], sha256: found[2] };
}
