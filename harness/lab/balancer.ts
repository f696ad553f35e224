// A stand-in of the NLB in front of the edges: TCP to each edge's HTTPS port, each edge checked as the NLB checks it
// (GET /healthz on its stats port), out after `unhealthyThreshold` failures and back after `healthyThreshold`
// passes; a connection already open stays where it is (the NLB's connection draining), new ones go to the edges in
// service. HAProxy in TCP mode plays it; an edge not yet launched is listed already, down until it passes (as the NLB
// checks a server Auto Scaling has just attached).
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { Endpoint } from "./client";
import { Supervisor, tcpOpen } from "./processes";
import { showStat } from "./haproxyStats";
import { HEALTH_PATH } from "../../components/render/shared/endpoints";

export interface BalancedEdge {
    name: string;
    address: string;
    httpsPort: number;
    statsPort: number;
}

export interface BalancerCheck {
    intervalSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
}

/** A free TCP port on `address`. */
function freePort(address: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, address, () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export function renderBalancerConfig(listen: { address: string; port: number }, edges: BalancedEdge[], check: BalancerCheck, socket: string): string {
    return [
        "global",
        "    maxconn 9000",
        `    stats socket ${socket} mode 600 level admin`,
        "defaults",
        "    mode tcp",
        "    timeout connect 3s",
        "    timeout client 1h",
        "    timeout server 1h",
        "    timeout check 2s",
        "frontend fe_balancer",
        `    bind ${listen.address}:${listen.port}`,
        "    default_backend be_edges",
        "backend be_edges",
        "    balance roundrobin",
        "    option httpchk",
        `    http-check send meth GET uri ${HEALTH_PATH}`,
        `    default-server check inter ${check.intervalSeconds}s fall ${check.unhealthyThreshold} rise ${check.healthyThreshold}`,
        ...edges.map((e) => `    server ${e.name} ${e.address}:${e.httpsPort} port ${e.statsPort}`),
        "",
    ].join("\n");
}

export interface Balancer {
    /** Where clients reach the edges through it, for `host`. */
    endpoint(host: string, ca: string): Endpoint;
    /** The edge `name`'s state at the stand-in: "UP" while it gets new connections, "DOWN" once its checks have failed, "UP 1/2" in between. */
    status(name: string): Promise<string>;
    stop(): Promise<void>;
}

/** Starts the stand-in (a lab process named `name`, in this namespace, where the lab's clients are) on a free port of `address`. */
export async function startBalancer(processes: Supervisor, dir: string, name: string, address: string, edges: BalancedEdge[], check: BalancerCheck): Promise<Balancer> {
    const port = await freePort(address);
    const cfg = path.join(dir, `${name}.cfg`);
    const socket = path.join(dir, `${name}.sock`);
    fs.writeFileSync(cfg, renderBalancerConfig({ address, port }, edges, check, socket));
    await processes.start({
        name, command: ["haproxy", "-W", "-db", "-f", cfg],
        ready: () => tcpOpen(address, port),
    });
    return {
        endpoint: (host, ca) => ({ host, address, port, ca }),
        status: async (edge) => (await showStat(socket)).find((r) => r.pxname === "be_edges" && r.svname === edge)?.status ?? "absent",
        stop: () => processes.stop(name),
    };
}
