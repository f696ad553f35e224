// How a proxy leaves its load balancer without dropping anyone (leave/china-edge-leave.py): its settings, the tool
// on every edge, and the service that waits for a spot instance's reclamation notice.
import * as fs from "fs";
import * as path from "path";
import { CloudFile } from "./cloudInit";
import { NLB_HEALTH_CHECK } from "./endpoints";
import { HAPROXY_PATHS } from "./paths";

/** What china-edge-leave reads: where the proxy's health is failed, how long each step waits, and its service's commands. */
export interface LeaveSettings {
    name: string;
    /** HAProxy's admin socket, and the map whose "leaving" entry fails /healthz. */
    socket: string;
    map: string;
    /** The frontend the balancer's checks reach, whose connections do not count as clients'. */
    statsFrontend: string;
    /** Seconds for the balancer's checks to mark the proxy down once it answers "leaving". */
    leaveSeconds: number;
    /** Seconds without a new connection that show the balancer sends none (waited for after leaveSeconds, at most as long again). */
    quietSeconds: number;
    /** Seconds the soft-stopped proxy has to finish the requests under way before what is open is closed. */
    finishSeconds: number;
    softStop: string[];
    hardStop: string[];
    active: string[];
}

export const LEAVE_TOOL = "/usr/local/sbin/china-edge-leave";
export const LEAVE_TOOL_SOURCE = fs.readFileSync(path.join(__dirname, "leave", "china-edge-leave.py"), "utf8");
export const LEAVE_SETTINGS = "/etc/china-edge/leave.json";

/** The unit that waits for the reclamation notice; a spot instance's bundle starts it. */
export const SPOT_WATCH_SERVICE = "china-edge-spot-watch";

/** Seconds a leaving edge gives its requests under way: the edges' longest ordinary answer, not a WebSocket. */
export const FINISH_SECONDS = 15;

/** The NLB marks a proxy down after unhealthyThreshold failed checks, intervalSeconds apart; one interval more. */
export const NLB_LEAVE_SECONDS = NLB_HEALTH_CHECK.intervalSeconds * (NLB_HEALTH_CHECK.unhealthyThreshold + 1);

/** HAProxy under systemd (Debian's unit, master-worker): SIGUSR1 to the master soft-stops it. */
const HAPROXY_SOFT_STOP = "systemctl kill --signal=SIGUSR1 --kill-whom=main haproxy";

/** What both roles' leaving share: HAProxy's socket and map answer the NLB's checks (the edge's stats frontend, the origin proxy host's link exporter). */
function leaveSettings(name: string): Omit<LeaveSettings, "softStop" | "hardStop" | "active"> {
    return {
        name,
        socket: HAPROXY_PATHS.adminSocket,
        map: HAPROXY_PATHS.leavingMap,
        statsFrontend: "fe_stats",
        leaveSeconds: NLB_LEAVE_SECONDS,
        quietSeconds: NLB_HEALTH_CHECK.intervalSeconds,
        finishSeconds: FINISH_SECONDS,
    };
}

/** An edge's settings: its HAProxy soft-stopped, then stopped. */
export function edgeLeaveSettings(name: string): LeaveSettings {
    return {
        ...leaveSettings(name),
        softStop: HAPROXY_SOFT_STOP.split(" "),
        hardStop: ["systemctl", "stop", "haproxy"],
        active: ["systemctl", "is-active", "--quiet", "haproxy"],
    };
}

/**
 * An origin proxy host's settings: HAProxy (the link's end) soft-stopped, which tells the edges' HTTP/2 connections
 * to go away, and nginx (what passthrough edges reach) shut down gracefully (SIGQUIT to its master); waited for while
 * either runs. Only the link's connections count toward quiet: nginx's own do not pass HAProxy.
 */
export function originLeaveSettings(name: string): LeaveSettings {
    return {
        ...leaveSettings(name),
        softStop: ["sh", "-c", `${HAPROXY_SOFT_STOP}; systemctl kill --signal=SIGQUIT --kill-whom=main nginx`],
        hardStop: ["systemctl", "stop", "haproxy", "nginx"],
        // Exit 0 while at least one of them is active.
        active: ["systemctl", "is-active", "--quiet", "haproxy", "nginx"],
    };
}

/** Seconds china-edge-leave takes at most. */
export function leaveTimeoutSeconds(settings: Pick<LeaveSettings, "leaveSeconds" | "finishSeconds">): number {
    return 2 * settings.leaveSeconds + settings.finishSeconds + 30;
}

/** The tool and the spot watch's unit, on every edge (the unit runs only where a bundle starts it). */
export const LEAVE_FILES: CloudFile[] = [
    { path: LEAVE_TOOL, content: LEAVE_TOOL_SOURCE, permissions: "0755" },
    {
        path: `/etc/systemd/system/${SPOT_WATCH_SERVICE}.service`,
        content: `# Rendered by china-edge: a spot instance leaves its balancer once its reclamation notice is out
[Unit]
Description=china-edge: leave the balancer on a spot reclamation notice
After=haproxy.service

[Service]
ExecStart=${LEAVE_TOOL} --watch-spot ${LEAVE_SETTINGS}
Restart=on-failure
RestartSec=5s
`,
    },
];

/** The shell line a spot instance's bundle ends with: the watch started (again, with the settings just applied). */
export const START_SPOT_WATCH = `systemctl restart ${SPOT_WATCH_SERVICE}`;

/** The script Auto Scaling's scale-in hook runs on an instance before it goes. */
export function renderLeaveCommand(): string {
    return ["#!/bin/sh", "# Rendered by china-edge: leaves the balancer without dropping anyone, then the scale-in goes on.", "set -eu",
        `${LEAVE_TOOL} ${LEAVE_SETTINGS}`, ""].join("\n");
}
