// Resident memory and CPU time of a process and all its descendants (nginx's master and workers), from /proc.
import { execFileSync } from "child_process";
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

/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

function cpuMs(pid: number): number {
    // Fields after the command (which may hold spaces): state is the 3rd; utime and stime the 14th and 15th.
    const fields = safeRead(`/proc/${pid}/stat`).replace(/^.*\) /s, "").split(" ");
    return fields.length > 13 ? ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND : 0;
}

/**
 * CPU time in ms of this process and of the children it has waited for (wrk, say): its own threads plus
 * /proc/self/stat's cutime and cstime.
 */
export function selfCpuMs(): number {
    const fields = safeRead("/proc/self/stat").replace(/^.*\) /s, "").split(" ");
    const waited = fields.length > 15 ? ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND : 0;
    const own = process.cpuUsage();
    return (own.user + own.system) / 1000 + waited;
}

/** CPU time (user and system) in ms of `pid` and every process below it, its threads included. */
export function treeCpuMs(pid: number): number {
    return cpuMs(pid) + children(pid).reduce((sum, c) => sum + treeCpuMs(c), 0);
}

/** RSS in kB of `pid` and every process below it. */
export function treeRssKb(pid: number): number {
    return rssKb(pid) + children(pid).reduce((sum, c) => sum + treeRssKb(c), 0);
}
