// What a proxy serves (its config, scripts and certificates), as one bundle its host applies in place with
// apply/china-edge-apply.py: checked first, swapped in, reloaded, rolled back on failure. Cloud Assistant delivers it
// (an ECS Command per instance), so a change of what a proxy serves never touches the instance itself.
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

/** Cloud Assistant's limit on a command's content, after base64 (CreateCommand's CommandContent). */
export const COMMAND_CONTENT_LIMIT_BYTES = 18 * 1024;

/** Seconds a delivery may take on one instance, first boot's package installation included. */
export const APPLY_TIMEOUT_SECONDS = 900;

export class CommandTooLarge extends Error {}

const BUNDLE_MARK = "CHINA_EDGE_BUNDLE";

export function encodeBundle(bundle: ProxyBundle): string {
    return zlib.gzipSync(JSON.stringify(bundle), { level: 9 }).toString("base64");
}

function decodeBundle(encoded: string): ProxyBundle {
    return JSON.parse(zlib.gunzipSync(Buffer.from(encoded, "base64")).toString()) as ProxyBundle;
}

/**
 * The shell script Cloud Assistant runs on the instance: it waits for first boot's setup to finish, runs `prepare`
 * (shell lines, e.g. a self-signed certificate made once), hands the bundle to the apply tool, then runs `after`.
 * Throws CommandTooLarge when its base64 would exceed Cloud Assistant's limit.
 */
export function renderApplyCommand(bundle: ProxyBundle, prepare: string[] = [], after: string[] = []): string {
    const lines = bundle.files.map((f) => `${f.path} ${Buffer.byteLength(f.content)} B`).join(", ");
    const script = [
        "#!/bin/sh",
        `# Rendered by china-edge: applies what ${bundle.name} serves (${bundle.files.length} files) in place.`,
        "set -eu",
        "cloud-init status --wait >/dev/null || true",
        ...prepare,
        `${APPLY_TOOL} <<'${BUNDLE_MARK}'`,
        encodeBundle(bundle),
        BUNDLE_MARK,
        ...after,
        "",
    ].join("\n");
    const size = Buffer.byteLength(Buffer.from(script).toString("base64"));
    if (size > COMMAND_CONTENT_LIMIT_BYTES) {
        throw new CommandTooLarge(`what ${bundle.name} serves takes ${size} bytes as a Cloud Assistant command even compressed; ` +
            `Cloud Assistant accepts at most ${COMMAND_CONTENT_LIMIT_BYTES} (files: ${lines}). ` +
            "Shorten the host and mirror lists, or use a shorter certificate chain.");
    }
    return script;
}

/** The bundle a rendered apply command carries (the plan's artifacts and the lab read it back). */
export function commandBundle(script: string): ProxyBundle {
    const found = new RegExp(`<<'${BUNDLE_MARK}'\\n([A-Za-z0-9+/=]+)\\n${BUNDLE_MARK}\\n`).exec(script);
    if (!found) {
        throw new Error("not an apply command rendered by china-edge");
    }
    return decodeBundle(found[1]);
}
