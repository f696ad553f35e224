// The lab's processes: each in its own process group (nginx's workers die with their master), optionally inside a
// network namespace, output to <dir>/<name>.log, started only once ready and stopped with everything it forked.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

export interface ProcessSpec {
    name: string;
    command: string[];
    /** Network namespace to run in (`ip netns exec`); undefined: this one. */
    namespace?: string;
    /** Polled until true once started; `output` is what the process has written since this start. */
    ready: (output: () => string, pid: number) => boolean | Promise<boolean>;
}

/** A process that exited or never became ready; carries the end of its log. */
export class ProcessFailed extends Error {}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 50 ms until it holds; `failure` (when it returns a text) ends the wait early. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, failure?: () => string | undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const failed = failure?.();
        if (failed) {
            throw new ProcessFailed(failed);
        }
        if (await Promise.resolve(condition()).catch(() => false)) {
            return;
        }
        if (Date.now() > deadline) {
            throw new ProcessFailed(`${what}: not ready after ${timeoutMs / 1000} s`);
        }
        await sleep(50);
    }
}

interface Running {
    spec: ProcessSpec;
    child: ChildProcess;
    exit?: string;
    /** stop() was asked for. */
    stopping?: boolean;
}

export class Supervisor {
    private readonly running = new Map<string, Running>();
    private readonly specs = new Map<string, ProcessSpec>();

    /** `onGroups` hears every change of the set of process groups (the lab records them for crash cleanup). */
    constructor(readonly dir: string, private readonly onGroups: (groups: number[]) => void = () => undefined) {}

    /** Hears every process that exits without stop() having been asked for. */
    onUnexpectedExit?: (name: string, how: string, log: string) => void;

    logFile(name: string): string {
        return path.join(this.dir, `${name}.log`);
    }

    logTail(name: string, lines = 15): string {
        try {
            return fs.readFileSync(this.logFile(name), "utf8").trimEnd().split("\n").slice(-lines).join("\n");
        } catch {
            return "";
        }
    }

    async start(spec: ProcessSpec): Promise<void> {
        this.specs.set(spec.name, spec);
        const log = fs.openSync(this.logFile(spec.name), "a");
        const offset = fs.fstatSync(log).size;
        const output = () => fs.readFileSync(this.logFile(spec.name)).subarray(offset).toString();
        const argv = spec.namespace ? ["ip", "netns", "exec", spec.namespace, ...spec.command] : spec.command;
        const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["ignore", log, log] });
        fs.closeSync(log);
        const entry: Running = { spec, child };
        this.running.set(spec.name, entry);
        child.on("exit", (code, signal) => {
            entry.exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
            this.groupsChanged();
            if (!entry.stopping) {
                this.onUnexpectedExit?.(spec.name, entry.exit, this.logFile(spec.name));
            }
        });
        this.groupsChanged();
        await waitFor(() => spec.ready(output, child.pid ?? -1), READY_TIMEOUT_MS, spec.name, () => entry.exit &&
            `${spec.name} ${entry.exit} before it was ready (${argv.join(" ")}); ${this.logFile(spec.name)}:\n${this.logTail(spec.name)}`);
    }

    isRunning(name: string): boolean {
        const entry = this.running.get(name);
        return entry !== undefined && entry.exit === undefined;
    }

    /** Why a process the lab started is no longer running, or undefined while it runs. */
    exitOf(name: string): string | undefined {
        return this.running.get(name)?.exit;
    }

    names(): string[] {
        return [...this.running.keys()];
    }

    pid(name: string): number | undefined {
        return this.running.get(name)?.child.pid;
    }

    /** Signals the whole process group and waits for the leader to exit (SIGKILL after a grace period). */
    async stop(name: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
        const entry = this.running.get(name);
        if (!entry || entry.exit !== undefined || entry.child.pid === undefined) {
            return;
        }
        entry.stopping = true;
        const exited = new Promise<void>((resolve) => entry.child.once("exit", () => resolve()));
        killGroup(entry.child.pid, signal);
        const timer = setTimeout(() => killGroup(entry.child.pid!, "SIGKILL"), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
        killGroup(entry.child.pid, "SIGKILL"); // anything of the group still around (orphaned workers)
    }

    /** Starts a stopped process again with the spec it first ran with. */
    async restart(name: string): Promise<void> {
        const spec = this.specs.get(name);
        if (!spec) {
            throw new Error(`no lab process named ${name}`);
        }
        await this.stop(name);
        await this.start(spec);
    }

    async stopAll(): Promise<void> {
        await Promise.all([...this.running.keys()].reverse().map((n) => this.stop(n)));
    }

    private groupsChanged(): void {
        this.onGroups([...this.running.values()].filter((r) => r.exit === undefined && r.child.pid).map((r) => r.child.pid!));
    }
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pid, signal);
    } catch {
        // already gone
    }
}

/** Whether something accepts a TCP connection at `host`:`port` now, from this namespace or from `namespace`. */
export function tcpOpen(host: string, port: number, namespace?: string): Promise<boolean> {
    if (namespace) {
        const r = spawnSync("ip", ["netns", "exec", namespace, "bash", "-c", `exec 3<>/dev/tcp/${host}/${port}`], { timeout: 3_000 });
        return Promise.resolve(r.status === 0);
    }
    return new Promise((resolve) => {
        const s = net.connect({ host, port });
        s.once("connect", () => { s.destroy(); resolve(true); });
        s.once("error", () => resolve(false));
    });
}
