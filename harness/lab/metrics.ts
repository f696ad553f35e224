// Reading what the proxies expose for monitoring: Prometheus text, as HAProxy's exporter and Debian's node exporter
// serve it, and node exporter itself run here over a textfile directory (as the hosts run it over the renewer's).
import { spawn, spawnSync } from "child_process";
import * as http from "http";
import { NODE_EXPORTER_PORT } from "../../components/render/shared/endpoints";
import { Supervisor, waitFor } from "./processes";

/** GET http://address:port/path: the status and body. */
export function httpGet(address: string, port: number, pathname: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        http.get({ host: address, port, path: pathname, agent: false, timeout: 5_000 }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => { body += c.toString(); });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
    });
}

/**
 * GET http://address:port/path from inside the lab's network namespace `namespace` (the origin proxies' addresses are
 * reached only from there), or from here without one: the status and body.
 */
export function httpGetIn(namespace: string | undefined, address: string, port: number, pathname: string): { status: number; body: string } {
    const curl = ["curl", "-s", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}", `http://${address}:${port}${pathname}`];
    const r = spawnSync(namespace ? "ip" : curl[0], namespace ? ["netns", "exec", namespace, ...curl] : curl.slice(1), { encoding: "utf8" });
    const cut = r.stdout.lastIndexOf("\n");
    return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
}

/** The value of the Prometheus sample `name` whose labels include every one given; undefined when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
    for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) {
            continue;
        }
        const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
        if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
            return Number(m[3]);
        }
    }
    return undefined;
}

/** What Debian's prometheus-node-exporter serves when it reads `textfileDir` (started on a loopback port, then stopped). */
export async function scrapeNodeExporter(textfileDir: string): Promise<string> {
    const port = 19_100 + (process.pid % 500);
    const exporter = spawn("prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${port}`, `--collector.textfile.directory=${textfileDir}`], { stdio: "ignore" });
    try {
        let text = "";
        await waitFor(async () => (text = (await httpGet("127.0.0.1", port, "/metrics").catch(() => ({ body: "" }))).body) !== "", 10_000, "node exporter");
        return text;
    } finally {
        exporter.kill();
    }
}

/** Debian's node exporter as a lab process on `address`'s node exporter port, inside `namespace`, as each host runs it. */
export async function startNodeExporter(processes: Supervisor, name: string, namespace: string | undefined, address: string): Promise<void> {
    await processes.start({
        name,
        namespace,
        command: ["prometheus-node-exporter", `--web.listen-address=${address}:${NODE_EXPORTER_PORT}`],
        ready: () => httpGetIn(namespace, address, NODE_EXPORTER_PORT, "/metrics").status === 200,
    });
}
