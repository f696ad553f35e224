// Resident memory of a process and all its descendants (nginx's master and workers), from /proc.
import * as fs from "fs";

function children(pid: number): number[] {
    const found: number[] = [];
    for (const task of safeList(`/proc/${pid}/task`)) {
        const text = safeRead(`/proc/${pid}/task/${task}/children`);
        found.push(...text.split(/\s+/).filter(Boolean).map(Number));
    }
    return found;
}

function safeList(dir: string): string[] {
    try {
        return fs.readdirSync(dir);
    } catch {
        return [];
    }
}

function safeRead(file: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return "";
    }
}

function rssKb(pid: number): number {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(safeRead(`/proc/${pid}/status`));
    return m ? Number(m[1]) : 0;
}

/** RSS in kB of `pid` and every process below it. */
export function treeRssKb(pid: number): number {
    return rssKb(pid) + children(pid).reduce((sum, c) => sum + treeRssKb(c), 0);
}
