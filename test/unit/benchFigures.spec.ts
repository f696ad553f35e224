// The benchmark's readings of /proc: a process tree's memory and CPU time, what the figures per WebSocket and per
// thousand requests are made of.
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import { selfCpuMs, treeCpuMs, treeRssKb } from "../../harness/bench/memory";

describe("the benchmark's process readings", () => {
    it("counts the CPU time and memory of a process and its children", async () => {
        // A shell whose child spins for about 300 ms of CPU, then sleeps so that both can be read.
        const parent = spawn("sh", ["-c", `${process.execPath} -e 'const end = Date.now() + 300; while (Date.now() < end) {} setTimeout(() => {}, 5000)'; sleep 5`]);
        try {
            await new Promise((r) => setTimeout(r, 800));
            const cpu = treeCpuMs(parent.pid!);
            assert.ok(cpu >= 200 && cpu < 5000, `the child's spin shows in its parent's tree: ${cpu} ms`);
            assert.ok(treeRssKb(parent.pid!) > 10_000, "a node child holds more than 10 MB");
            assert.equal(treeCpuMs(2 ** 22 + 1), 0, "a process that does not exist reads as none");
        } finally {
            parent.kill("SIGKILL");
        }
    });

    it("counts this process's CPU time with that of the children it waited for (wrk)", () => {
        const before = selfCpuMs();
        spawnSync(process.execPath, ["-e", "const end = Date.now() + 300; while (Date.now() < end) {}"]);
        const spent = selfCpuMs() - before;
        assert.ok(spent >= 200 && spent < 5000, `a finished child's 300 ms spin: ${spent} ms`);
    });
});
