// A real Prometheus (Debian's package) run by the lab over the files the stacks export: their scrape jobs pointed at
// the lab's addresses and their alert rules, so a test can watch the alerts fire on what the proxies really serve.
// HTTP API: https://prometheus.io/docs/prometheus/latest/querying/api/
import * as fs from "fs";
import * as path from "path";
import { ALERT_RULES_FILE } from "../../components/render/shared/alertRules";
import { httpGet } from "./metrics";
import { Supervisor } from "./processes";

export interface PrometheusAlert {
    labels: Record<string, string>;
    state: "pending" | "firing";
}

export interface PrometheusTarget {
    labels: Record<string, string>;
    health: "up" | "down" | "unknown";
}

export class LabPrometheus {
    private constructor(private readonly processes: Supervisor, readonly name: string, private readonly port: number) {}

    /** Starts Prometheus on 127.0.0.1:`port` with `scrape` (prometheus.yml) and `rules` beside it, under `dir`. */
    static async start(processes: Supervisor, dir: string, port: number, files: { scrape: string; rules: string }): Promise<LabPrometheus> {
        fs.mkdirSync(dir, { recursive: true });
        const config = path.join(dir, "prometheus.yml");
        fs.writeFileSync(config, files.scrape);
        fs.writeFileSync(path.join(dir, ALERT_RULES_FILE), files.rules);
        const name = "prometheus";
        await processes.start({
            name,
            command: ["prometheus", `--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, "data")}`,
                `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
            ready: async () => (await httpGet("127.0.0.1", port, "/-/ready").catch(() => ({ status: 0 }))).status === 200,
        });
        return new LabPrometheus(processes, name, port);
    }

    private async api<T>(pathname: string): Promise<T> {
        const r = await httpGet("127.0.0.1", this.port, pathname);
        if (r.status !== 200) {
            throw new Error(`Prometheus ${pathname}: HTTP ${r.status}: ${r.body}`);
        }
        return (JSON.parse(r.body) as { data: T }).data;
    }

    async alerts(): Promise<PrometheusAlert[]> {
        return (await this.api<{ alerts: PrometheusAlert[] }>("/api/v1/alerts")).alerts;
    }

    async targets(): Promise<PrometheusTarget[]> {
        return (await this.api<{ activeTargets: PrometheusTarget[] }>("/api/v1/targets")).activeTargets;
    }

    stop(): Promise<void> {
        return this.processes.stop(this.name);
    }
}
