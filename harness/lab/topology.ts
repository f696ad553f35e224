// Where the lab's pieces live. With network namespaces (root, `ip netns`), the edge, the origin proxies and the
// origin each get their own, joined by veth pairs like the real hops:
//   client (this namespace) 10.S.0.1 ── edge 10.S.0.10+ │ 10.S.1.1 ── origin proxies 10.S.1.10+ (their NLB's stand-in 10.S.1.9) │ 10.S.2.1 ── origin 10.S.2.10
//   client (this namespace) 10.S.3.1 ── redirector 10.S.3.10 (beside the origin proxies: outside the mainland too)
// Without them everything runs on loopback addresses 127.S.L.H, one /24 per hop. S comes from the lab's slot, so
// two labs never collide.
import { spawnSync } from "child_process";

export type LabMode = "netns" | "loopback";

export interface Topology {
    mode: LabMode;
    /** Namespace each role runs in; undefined: this one. */
    namespaces: { edge?: string; us?: string; origin?: string };
    /** The address clients connect from by default, and spare ones (for client-address tests). */
    clientAddresses: string[];
    /** The n-th edge's address (1-based). */
    edgeAddress(n: number): string;
    /** The n-th origin proxy's address. */
    originProxyAddress(n: number): string;
    /** Where a stand-in of the origin proxies' internal NLB listens (a scaling group's), beside them. */
    originBalancerAddress: string;
    /** The redirector's address, and the addresses clients reach it from (their countries come from the lab's database). */
    redirectorAddress: string;
    redirectorClientAddresses: string[];
    /** The address the delay relay listens on (in the edge's namespace), one port per origin proxy. */
    relayAddress: string;
    originAddress: string;
    /** The range the origin proxies see the edge's connections come from. */
    edgeSourceCidr: string;
    /** The ports of the edge, the origin proxies and the origin: production's when the lab may bind them. */
    ports: { https: number; http: number; stats: number; share: number; origin: number; link: number; linkPages: number; linkWebsockets: number; linkStats: number };
    /** Ports of the relay, one per origin proxy, and one per origin proxy's link listener. */
    relayPort(n: number): number;
    linkRelayPort(n: number): number;
}

const RELAY_BASE_PORT = 20_000;

function ports(): Topology["ports"] {
    const privileged = process.getuid?.() === 0;
    return privileged ? { https: 443, http: 80, stats: 8404, share: 8405, origin: 443, link: 8443, linkPages: 8444, linkWebsockets: 8445, linkStats: 8406 }
        : { https: 8443, http: 8080, stats: 8404, share: 8405, origin: 9443, link: 9444, linkPages: 9445, linkWebsockets: 9446, linkStats: 9447 };
}

export function namespaceNames(slot: number): { edge: string; us: string; origin: string } {
    return { edge: `celab${slot}-edge`, us: `celab${slot}-us`, origin: `celab${slot}-origin` };
}

/** The three veth pairs of a slot: [name in the first namespace, name in the second]. */
function links(slot: number): { client: [string, string]; border: [string, string]; origin: [string, string]; redirector: [string, string] } {
    return {
        client: [`ce${slot}c0`, `ce${slot}c1`],
        redirector: [`ce${slot}r0`, `ce${slot}r1`],
        border: [`ce${slot}b0`, `ce${slot}b1`],
        origin: [`ce${slot}o0`, `ce${slot}o1`],
    };
}

export const CLIENT_ADDRESS_COUNT = 5;
export const MAX_REPLICAS = 20;

export function topology(mode: LabMode, slot: number): Topology {
    const net = mode === "netns" ? `10.${200 + slot}` : `127.${100 + slot}`;
    return {
        mode,
        namespaces: mode === "netns" ? namespaceNames(slot) : {},
        clientAddresses: Array.from({ length: CLIENT_ADDRESS_COUNT }, (_, i) => `${net}.0.${i + 1}`),
        edgeAddress: (n) => `${net}.0.${9 + n}`,
        originProxyAddress: (n) => `${net}.1.${9 + n}`,
        originBalancerAddress: `${net}.1.9`,
        redirectorAddress: `${net}.3.10`,
        redirectorClientAddresses: Array.from({ length: CLIENT_ADDRESS_COUNT }, (_, i) => `${net}.3.${i + 1}`),
        relayAddress: `${net}.1.1`,
        originAddress: `${net}.2.10`,
        // On loopback every connection HAProxy opens comes from 127.0.0.1, the loopback's primary address.
        edgeSourceCidr: mode === "netns" ? `${net}.1.0/24` : "127.0.0.1/32",
        ports: ports(),
        relayPort: (n) => RELAY_BASE_PORT + n,
        linkRelayPort: (n) => RELAY_BASE_PORT + 100 + n,
    };
}

function ip(args: string[]): { ok: boolean; error: string } {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    return { ok: r.status === 0, error: (r.stderr ?? "").trim() || String(r.error ?? "") };
}

function must(args: string[]): void {
    const r = ip(args);
    if (!r.ok) {
        throw new Error(`ip ${args.join(" ")}: ${r.error}`);
    }
}

/** Whether this process may create network namespaces and veth pairs (tried, then undone). */
export function netnsAvailable(): boolean {
    if (process.getuid?.() !== 0) {
        return false;
    }
    const probe = `celab-probe-${process.pid}`;
    const ok = ip(["netns", "add", probe]).ok && ip(["-n", probe, "link", "add", "cep0", "type", "veth", "peer", "name", "cep1"]).ok;
    ip(["netns", "del", probe]);
    return ok;
}

/** Removes whatever a slot's namespaces and links left behind (a crashed run); quiet when there is nothing. */
export function removeNamespaces(slot: number): void {
    for (const ns of Object.values(namespaceNames(slot))) {
        ip(["netns", "del", ns]);
    }
    ip(["link", "del", links(slot).client[0]]);
    ip(["link", "del", links(slot).redirector[0]]);
}

/** Creates the slot's namespaces and links with the addresses of `topology(…)`. */
export function createNamespaces(slot: number, replicas: { edges: number; originProxies: number; redirector: boolean }): void {
    removeNamespaces(slot);
    const t = topology("netns", slot);
    const ns = namespaceNames(slot);
    const l = links(slot);
    const net = `10.${200 + slot}`;
    for (const name of Object.values(ns)) {
        must(["netns", "add", name]);
        must(["-n", name, "link", "set", "lo", "up"]);
    }
    const pair = (names: [string, string], a: string | undefined, b: string) => {
        must(["link", "add", names[0], "type", "veth", "peer", "name", names[1]]);
        if (a) {
            must(["link", "set", names[0], "netns", a]);
        }
        must(["link", "set", names[1], "netns", b]);
    };
    const addresses = (namespace: string | undefined, dev: string, list: string[]) => {
        const prefix = namespace ? ["-n", namespace] : [];
        for (const address of list) {
            must([...prefix, "addr", "add", `${address}/24`, "dev", dev]);
        }
        // The lab speaks IPv4 only. An IPv6 link-local address would change state (tentative, then preferred) after
        // the link is up, which a browser on this host takes for a network change and fails loads with.
        must([...prefix, "link", "set", dev, "addrgenmode", "none"]);
        must([...prefix, "link", "set", dev, "up"]);
    };
    pair(l.client, undefined, ns.edge);
    addresses(undefined, l.client[0], t.clientAddresses);
    addresses(ns.edge, l.client[1], Array.from({ length: replicas.edges }, (_, i) => t.edgeAddress(i + 1)));
    pair(l.border, ns.edge, ns.us);
    addresses(ns.edge, l.border[0], [`${net}.1.1`]);
    addresses(ns.us, l.border[1], [t.originBalancerAddress, ...Array.from({ length: replicas.originProxies }, (_, i) => t.originProxyAddress(i + 1))]);
    pair(l.origin, ns.us, ns.origin);
    addresses(ns.us, l.origin[0], [`${net}.2.1`]);
    addresses(ns.origin, l.origin[1], [t.originAddress]);
    if (replicas.redirector) {
        pair(l.redirector, undefined, ns.us);
        addresses(undefined, l.redirector[0], t.redirectorClientAddresses);
        addresses(ns.us, l.redirector[1], [t.redirectorAddress]);
    }
}

/** Gives a role's namespace one more proxy address (a host a scaling group launches), as createNamespaces gives the first ones. */
export function addProxyAddress(slot: number, role: "edge" | "originProxy", address: string): void {
    const [namespace, dev] = role === "edge" ? [namespaceNames(slot).edge, links(slot).client[1]] : [namespaceNames(slot).us, links(slot).border[1]];
    must(["-n", namespace, "addr", "add", `${address}/24`, "dev", dev]);
}
