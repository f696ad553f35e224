// Each running lab holds a slot: a state file naming its owner, directory, process groups and whether it made
// network namespaces. A slot whose owner died (a crash, kill -9) is cleaned up by the next lab that looks at it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { killGroup } from "./processes";
import { removeNamespaces } from "./topology";

export const MAX_SLOTS = 50;
export const LABS_DIR = path.join(os.tmpdir(), "china-edge-lab");

export interface SlotState {
    owner: number;
    dir: string;
    groups: number[];
    netns: boolean;
}

export interface Slot {
    slot: number;
    dir: string;
    /** Records the current process groups and namespaces. */
    save(update: Partial<SlotState>): void;
    /** Kills what is recorded, removes the namespaces, the directory and the state file. */
    release(): void;
}

function stateFile(slot: number): string {
    return path.join(LABS_DIR, `slot-${slot}.json`);
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** A live owner holds the slot; a state file still being written (no owner yet, seconds old) counts as held. */
function held(slot: number, state: Partial<SlotState>): boolean {
    if (state.owner === undefined) {
        return Date.now() - fs.statSync(stateFile(slot)).mtimeMs < 5_000;
    }
    return alive(state.owner);
}

function cleanUp(slot: number, state: Partial<SlotState>): void {
    for (const group of state.groups ?? []) {
        killGroup(group, "SIGKILL");
    }
    if (state.netns) {
        removeNamespaces(slot);
    }
    if (state.dir) {
        fs.rmSync(state.dir, { recursive: true, force: true });
    }
    fs.rmSync(stateFile(slot), { force: true });
}

function readState(slot: number): Partial<SlotState> {
    try {
        return JSON.parse(fs.readFileSync(stateFile(slot), "utf8")) as Partial<SlotState>;
    } catch {
        return {};
    }
}

/** Cleans up every slot left by a dead lab, then takes the first free one; its directory is created empty. */
export function acquireSlot(): Slot {
    fs.mkdirSync(LABS_DIR, { recursive: true, mode: 0o755 });
    for (let slot = 0; slot < MAX_SLOTS; slot++) {
        const previous = readState(slot);
        if (fs.existsSync(stateFile(slot)) && !held(slot, previous)) {
            cleanUp(slot, previous);
        }
    }
    for (let slot = 0; slot < MAX_SLOTS; slot++) {
        let fd: number;
        try {
            fd = fs.openSync(stateFile(slot), "wx");
        } catch {
            continue; // held by a running lab
        }
        const dir = path.join(LABS_DIR, `slot-${slot}`);
        let state: SlotState = { owner: process.pid, dir, groups: [], netns: false };
        fs.writeSync(fd, JSON.stringify(state));
        fs.closeSync(fd);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        fs.chmodSync(dir, 0o755); // nginx workers run as www-data when the lab runs as root
        return {
            slot,
            dir,
            save(update) {
                state = { ...state, ...update };
                fs.writeFileSync(stateFile(slot), JSON.stringify(state));
            },
            release() {
                cleanUp(slot, state);
            },
        };
    }
    throw new Error(`all ${MAX_SLOTS} lab slots in ${LABS_DIR} are held by running labs`);
}
