// wrk (HTTP/1.1 load, Debian's wrk 4.1) against a name that must be the TLS SNI: wrk takes SNI from the URL's host,
// so it runs in a private mount namespace whose /etc/hosts maps that name to the address under test.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface LoadFigures {
    rps: number;
    p50_ms: number;
    p99_ms: number;
    /** Requests that failed (socket errors and non-2xx/3xx). */
    errors: number;
    /** wrk's own lines about them, for a message. */
    errorLines: string;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(text: string): number {
    const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
    if (!m) {
        throw new Error(`wrk: unreadable duration ${JSON.stringify(text)}`);
    }
    return Number(m[1]) * UNIT_MS[m[2]];
}

/** The figures of `wrk --latency` output. */
export function parseWrk(output: string): LoadFigures {
    const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
    const p50 = /^\s+50%\s+(\S+)/m.exec(output);
    const p99 = /^\s+99%\s+(\S+)/m.exec(output);
    if (!rps || !p50 || !p99) {
        throw new Error(`wrk printed no figures:\n${output}`);
    }
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
    const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
    const errors = (socketErrors ? socketErrors.slice(1).reduce((n, x) => n + Number(x), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
    const errorLines = [socketErrors?.[0], non2xx?.[0]].filter(Boolean).join("; ");
    return { rps: Math.round(Number(rps[1])), p50_ms: round(duration(p50[1])), p99_ms: round(duration(p99[1])), errors, errorLines };
}

function round(ms: number): number {
    return Math.round(ms * 100) / 100;
}

export interface WrkRun {
    url: string;
    /** Address the URL's host resolves to for this run. */
    address: string;
    /** Network namespace to run in; undefined: this one. */
    namespace?: string;
    connections: number;
    seconds: number;
    /** A new connection (and TLS handshake) for every request. */
    newConnections: boolean;
}

/** wrk's command line for `run`, with its own /etc/hosts naming the URL's host; `done` removes that file. */
function wrkCommand(run: WrkRun): { args: string[]; done: () => void } {
    const host = new URL(run.url).hostname;
    const hosts = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "china-edge-wrk-")), "hosts");
    fs.writeFileSync(hosts, `${run.address} ${host}\n127.0.0.1 localhost\n`);
    const wrk = ["wrk", "-t", "2", "-c", String(run.connections), "-d", `${run.seconds}s`, "--latency",
        ...(run.newConnections ? ["-H", "Connection: close"] : []), run.url];
    const inner = run.namespace ? ["ip", "netns", "exec", run.namespace, ...wrk] : wrk;
    return {
        args: ["-m", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', hosts, ...inner],
        done: () => fs.rmSync(path.dirname(hosts), { recursive: true, force: true }),
    };
}

function figures(status: number | null, stdout: string, stderr: string): LoadFigures {
    if (status !== 0) {
        throw new Error(`wrk failed (${status}): ${stderr || stdout}`);
    }
    return parseWrk(stdout);
}

export function runWrk(run: WrkRun): LoadFigures {
    const command = wrkCommand(run);
    const r = spawnSync("unshare", command.args, { encoding: "utf8", timeout: (run.seconds + 30) * 1000 });
    command.done();
    return figures(r.status, r.stdout, r.stderr);
}

/** The same load running in the background while the caller does something else; resolves when wrk ends. */
export function startWrk(run: WrkRun): Promise<LoadFigures> {
    const command = wrkCommand(run);
    return new Promise((resolve, reject) => {
        const child = spawn("unshare", command.args, { stdio: ["ignore", "pipe", "pipe"] });
        let [stdout, stderr] = ["", ""];
        child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
        child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
        child.on("error", reject);
        child.on("close", (status) => {
            command.done();
            try {
                resolve(figures(status, stdout, stderr));
            } catch (err) {
                reject(err);
            }
        });
    });
}
