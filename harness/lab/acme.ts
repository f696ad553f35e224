// A real ACME CA in the lab: Debian's pebble, with pebble-challtestsrv as the DNS it checks DNS-01 answers against.
// lego (the renewer's client) writes its TXT records there through lego's `exec` DNS provider, where a host would use
// Alibaba Cloud DNS (`alidns`) with its RAM role. Everything listens on loopback, on ports of the lab's slot.
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { PeerSource, RENEW_DAYS_BEFORE, RENEW_TOOL_SOURCE, RenewSettings, storeSource } from "../../components/render/shared/renew";
import { Bucket, StandIn } from "./objectStore";
import { SHARE_PATH } from "../../components/render/shared/endpoints";
import { CertificateAuthority } from "./certs";
import { runHostTool, writeApplyTool } from "./inPlace";
import { Supervisor } from "./processes";

/** The tools the lab's ACME needs (Debian's pebble and lego). */
export const ACME_TOOLS = ["pebble", "pebble-challtestsrv", "lego"];

interface LabAcme {
    /** The directory URL lego orders from. */
    server: string;
    /** lego's flags and environment for the lab's DNS and CA (instead of alidns and its RAM role). */
    lego: string[];
    env: Record<string, string>;
    /** The root pebble issues under (a new one every start), PEM. */
    root(): Promise<string>;
}

function fetchText(url: string, ca: string): Promise<string> {
    return new Promise((resolve, reject) => {
        https.get(url, { ca }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => { body += c.toString(); });
            res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))));
        }).on("error", reject);
    });
}

async function startAcme(processes: Supervisor, dir: string, slot: number, ca: CertificateAuthority): Promise<LabAcme> {
    const base = 21_000 + slot * 10;
    const [directory, management, dns, dnsManagement] = [base, base + 1, base + 2, base + 3];
    const sub = path.join(dir, "acme-ca");
    fs.mkdirSync(sub, { recursive: true });
    const leaf = ca.issue("pebble", ["localhost"]);
    const config = path.join(sub, "pebble.json");
    fs.writeFileSync(config, JSON.stringify({
        pebble: {
            listenAddress: `127.0.0.1:${directory}`, managementListenAddress: `127.0.0.1:${management}`,
            certificate: leaf.certFile, privateKey: leaf.keyFile, httpPort: 5002, tlsPort: 5001, ocspResponderURL: "",
            externalAccountBindingRequired: false,
        },
    }));
    await processes.start({
        name: "acme-dns",
        command: ["pebble-challtestsrv", "-dns01", `127.0.0.1:${dns}`, "-http01", "", "-https01", "", "-tlsalpn01", "",
            "-management", `127.0.0.1:${dnsManagement}`],
        ready: (output) => output().includes("Starting management server"),
    });
    // Without the sleeps and refused nonces pebble adds to exercise clients: the lab tests the renewal, not lego.
    await processes.start({
        name: "acme-ca",
        command: ["env", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "pebble", "-config", config, "-dnsserver", `127.0.0.1:${dns}`],
        ready: (output) => output().includes("Listening on"),
    });
    const hook = path.join(sub, "dns-hook.sh");
    fs.writeFileSync(hook, [
        "#!/bin/sh",
        "# lego's exec DNS provider: present|cleanup FQDN VALUE, into pebble-challtestsrv.",
        `case "$1" in`,
        `present) curl -sf -X POST -d "{\\"host\\":\\"$2\\",\\"value\\":\\"$3\\"}" http://127.0.0.1:${dnsManagement}/set-txt ;;`,
        `cleanup) curl -sf -X POST -d "{\\"host\\":\\"$2\\"}" http://127.0.0.1:${dnsManagement}/clear-txt ;;`,
        "esac",
        "",
    ].join("\n"), { mode: 0o755 });
    const caPem = fs.readFileSync(ca.caFile, "utf8");
    return {
        server: `https://localhost:${directory}/dir`,
        lego: ["--dns.disable-cp", "--dns.resolvers", `127.0.0.1:${dns}`],
        env: {
            LEGO_CA_CERTIFICATES: ca.caFile, EXEC_PATH: hook,
            // The exec provider waits a minute between names by default.
            EXEC_SEQUENCE_INTERVAL: "1", EXEC_POLLING_INTERVAL: "1", EXEC_PROPAGATION_TIMEOUT: "30",
        },
        root: () => fetchText(`https://localhost:${management}/roots/0`, caPem),
    };
}

export interface RenewRun {
    code: number;
    output: string;
    /** What the renewer wrote for monitoring. */
    status: { ok: boolean; detail: string; notAfter: string | null; domains: string[] };
}

/** Runs the hosts' renewer with `settings` (written under `dir`), against the lab's apply tool, in `namespace` if given. */
async function runRenewer(dir: string, applyTool: string, settings: RenewSettings, force: boolean, namespace?: string,
    env: Record<string, string> = {}): Promise<RenewRun> {
    fs.mkdirSync(dir, { recursive: true });
    const renewer = path.join(dir, "china-edge-renew");
    fs.writeFileSync(renewer, RENEW_TOOL_SOURCE, { mode: 0o755 });
    const file = path.join(dir, "renew.json");
    fs.writeFileSync(file, JSON.stringify(settings, null, 2));
    const run = await runHostTool(renewer, [file, ...(force ? ["--force"] : [])],
        { CHINA_EDGE_APPLY: applyTool, CHINA_EDGE_STATE: path.join(dir, "apply-state"), ...env }, "", namespace);
    const statusFile = path.join(settings.state, "status.json");
    const status = fs.existsSync(statusFile) ? JSON.parse(fs.readFileSync(statusFile, "utf8")) : { ok: false, detail: "no status", notAfter: null, domains: [] };
    return { ...run, status };
}

/**
 * A lab proxy as its renewer drives it: its service (the apply tool's commands), where its certificate goes, and the
 * network namespace its copy runs in (it reaches the first host's share port from there).
 */
export interface LabRenewedHost {
    name: string;
    service: Pick<RenewSettings, "check" | "reload" | "active">;
    files: RenewSettings["files"];
    namespace?: string;
}

/** The lab's renewers: the first host's orders, the others' copy it from the first host's share port. */
export interface LabRenewer {
    /** The first host's renewer, run now (`force`: renew whatever the expiry). */
    renew(force?: boolean): Promise<RenewRun>;
    /** The renewer of host `index` (1…), copying the first host's certificate (or from `address`, "host:port"). */
    copy(index: number, address?: string): Promise<RenewRun>;
    /**
     * The renewer of host `index` as a scaling group's host runs it: the fleet's certificate in `store` (a bucket
     * stand-in and the metadata service of the role that may use it, both here, where it runs), ordered from the lab's
     * CA when due.
     */
    fromStore(index: number, store: LabCertificateStore, force?: boolean): Promise<RenewRun>;
    /** pebble's root, PEM. */
    root: string;
    firstOrder: RenewRun;
}

/** Where the lab's scaling group keeps its certificate: a bucket stand-in, read with a stand-in metadata service's credentials. */
export interface LabCertificateStore {
    bucket: Bucket;
    name: string;
    region: string;
    metadata: StandIn;
}

/** Where the lab keeps the renewer of the host `name`; its status is lego/status.json there. */
export function labRenewerDir(dir: string, name: string): string {
    return path.join(dir, `renewer-${name}`);
}

/**
 * Starts the lab's ACME CA and has the hosts' renewer order `domains` for the first of `hosts`, as its own renewer
 * would, then the others copy it from `share` (the first host's share port, "address:port", its certificate for
 * `serverName`) presenting `client`; throws with the renewer's output when the order or a copy fails.
 */
export async function orderLabCertificate(processes: Supervisor, dir: string, slot: number, ca: CertificateAuthority,
    hosts: LabRenewedHost[], domains: string[], share: { address: string; serverName: string; client: Pick<PeerSource, "clientCertificate" | "clientKey"> }): Promise<LabRenewer> {
    const server = await startAcme(processes, dir, slot, ca);
    const applyTool = writeApplyTool(dir);
    const renewer = (i: number) => labRenewerDir(dir, hosts[i].name);
    const settings = (i: number, source: RenewSettings["source"]): RenewSettings => ({
        name: hosts[i].name, domains, source, state: path.join(renewer(i), "lego"), days: RENEW_DAYS_BEFORE,
        files: hosts[i].files, metrics: path.join(renewer(i), "metrics", "china-edge-certificate.prom"),
        ...hosts[i].service, start: hosts[i].service.reload,
    });
    const order = settings(0, { kind: "acme", server: server.server, email: `ops@${domains[0]}`, dns: "exec", lego: server.lego, env: server.env });
    const renew = (force = false) => runRenewer(renewer(0), applyTool, order, force);
    const copy = (i: number, address = share.address) => runRenewer(renewer(i), applyTool, settings(i, {
        kind: "peer", address, serverName: share.serverName, path: SHARE_PATH, ca: ca.caFile, ...share.client,
    }), false, hosts[i].namespace);
    const firstOrder = await renew();
    if (firstOrder.code !== 0) {
        throw new Error(`${hosts[0].name}'s renewer could not order the lab's certificate:\n${firstOrder.output}`);
    }
    for (let i = 1; i < hosts.length; i++) {
        const copied = await copy(i);
        if (copied.code !== 0) {
            throw new Error(`${hosts[i].name}'s renewer could not copy the first host's certificate:\n${copied.output}`);
        }
    }
    const fromStore = (i: number, store: LabCertificateStore, force = false) => runRenewer(renewer(i), applyTool, settings(i, {
        ...storeSource({ email: `ops@${domains[0]}`, server: server.server }, "lab-role", { bucket: store.name, region: store.region, endpoint: "oss-lab-internal" }),
        acme: { server: server.server, email: `ops@${domains[0]}`, dns: "exec", lego: server.lego, env: server.env },
    }), force, undefined, { CHINA_EDGE_METADATA: store.metadata.url, CHINA_EDGE_OSS_ENDPOINT: store.bucket.url });
    return { renew, copy, fromStore, root: await server.root(), firstOrder };
}
