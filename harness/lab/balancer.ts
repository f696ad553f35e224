// A stand-in of an NLB in front of a role's proxies: TCP on each of its ports to the same role port of each proxy,
// each proxy checked as the NLB checks it (GET /healthz on its health port), out after `unhealthyThreshold` failures
// and back after `healthyThreshold` passes; a connection already open stays where it is (the NLB's connection
// draining), new ones go to the proxies in service. HAProxy in TCP mode plays it; a proxy not yet launched is listed
// already, down until it passes (as the NLB checks a server Auto Scaling has just attached).
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { Endpoint } from "./client";
import { Supervisor, tcpOpen } from "./processes";
import { showStat } from "./haproxyStats";
import { HEALTH_PATH } from "../../components/render/shared/endpoints";

export interface BalancedHost {
    name: string;
    address: string;
    /** Where the NLB checks it. */
    healthPort: number;
}

/** One of the stand-in's ports: where it listens, and the proxies' port it forwards to. */
export interface BalancerPort {
    listen: number;
    target: number;
}

export interface BalancerCheck {
    intervalSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
}

/** The stand-ins check as the NLB does, faster: out after 2 failures 1 s apart, in after 2 passes. */
export const STAND_IN_CHECK: BalancerCheck = { intervalSeconds: 1, healthyThreshold: 2, unhealthyThreshold: 2 };

/** A free TCP port on `address`. */
export function freePort(address: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, address, () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export function renderBalancerConfig(address: string, ports: BalancerPort[], hosts: BalancedHost[], check: BalancerCheck, socket: string): string {
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
        ...ports.flatMap((p) => [
            `frontend fe_${p.listen}`,
            `    bind ${address}:${p.listen}`,
            `    default_backend be_${p.target}`,
            `backend be_${p.target}`,
            "    balance roundrobin",
            "    option httpchk",
            `    http-check send meth GET uri ${HEALTH_PATH}`,
            `    default-server check inter ${check.intervalSeconds}s fall ${check.unhealthyThreshold} rise ${check.healthyThreshold}`,
            ...hosts.map((h) => `    server ${h.name} ${h.address}:${p.target} port ${h.healthPort}`),
        ]),
        "",
    ].join("\n");
}

export interface Balancer {
    /** Where clients reach the proxies through its first port, for `host`. */
    endpoint(host: string, ca: string): Endpoint;
    /** The proxy `name`'s state at the stand-in: "UP" while every port gives it new connections, "DOWN" once its checks have failed, "UP 1/2" in between. */
    status(name: string): Promise<string>;
    stop(): Promise<void>;
}

/** Starts the stand-in (a lab process named `name`, in `namespace` or this one) on `address`, listening on `ports`. */
export async function startBalancer(processes: Supervisor, dir: string, name: string, listen: { address: string; namespace?: string; ports: BalancerPort[] },
    hosts: BalancedHost[], check: BalancerCheck): Promise<Balancer> {
    const cfg = path.join(dir, `${name}.cfg`);
    const socket = path.join(dir, `${name}.sock`);
    fs.writeFileSync(cfg, renderBalancerConfig(listen.address, listen.ports, hosts, check, socket));
    await processes.start({
        name, namespace: listen.namespace, command: ["haproxy", "-W", "-db", "-f", cfg],
        ready: () => tcpOpen(listen.address, listen.ports[0].listen, listen.namespace),
    });
    return {
        endpoint: (host, ca) => ({ host, address: listen.address, port: listen.ports[0].listen, ca }),
        status: async (host) => {
            const rows = await showStat(socket);
            const states = listen.ports.map((p) => rows.find((r) => r.pxname === `be_${p.target}` && r.svname === host)?.status ?? "absent");
            return states.find((s) => s !== "UP") ?? "UP";
        },
        stop: () => processes.stop(name),
    };
}
