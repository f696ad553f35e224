// The local lab: the proxies the stacks render, run for real on this machine. A sample origin (or the one named),
// the us stack's origin proxies (nginx), the cn stack's edges (HAProxy) and its redirector (nginx with GeoIP2), each
// config taken from the instance's user data with only addresses, ports, paths and file-limit figures substituted
// (adapt.ts).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { HostPair, isHostName } from "china-edge-policy/kernel/hosts";
import { mirrorHosts, relayedHosts } from "../../components/thirdParty/hosts";
import { CHAIN_HEADER } from "../../components/render/originProxy/originNginx";
import { EDGE_LINK_NAME, HEALTH_PATH, LINK_LOCAL, LINK_PORT, LINK_STATS_PORT, LINK_SERVER_NAME, SHARE_PORT, STATS_PORT } from "../../components/render/shared/endpoints";
import { FILE_LIMIT } from "../../components/render/shared/capacity";
import { GEOIP2_MODULE, NGINX_USER } from "../../components/render/shared/paths";
import { REDIRECTED_COUNTRY } from "../../components/render/redirector/redirectorNginx";
import { LabEdge, LabOriginProxy, adaptEdgeHaproxy, leavingMap, adaptLinkHaproxy, adaptOriginNginx, adaptRedirectorNginx, unavailableAnswerFile } from "./adapt";
import { UNAVAILABLE_ANSWER } from "../../components/render/originProxy/linkHaproxy";
import { ApplyRun, LabCertificates, LabPlaces, LaunchedHost, applyInTurn, labDeliveries, launchEdge, launchOriginProxy, linkProcess, runningEdge, runningOrigin } from "./inPlace";
import { Balancer, STAND_IN_CHECK, startBalancer } from "./balancer";
import { ACME_TOOLS, LabRenewedHost, LabRenewer, orderLabCertificate } from "./acme";
import { labReports } from "./report";
import { HostReport } from "../../components/render/shared/report";
import { makeCa } from "./certs";
import { Endpoint, request } from "./client";
import { Supervisor, tcpOpen, waitFor } from "./processes";
import { parseEndpoint } from "./relay";
import { RenderedInstance, StackOverrides, renderedProxies } from "./rendered";
import { Slot, acquireSlot } from "./slots";
import { geoipWriterAvailable, writeGeoipDatabase } from "./geoipDb";
import { LabMode, MAX_REPLICAS, Topology, addProxyAddress, createNamespaces, netnsAvailable, topology } from "./topology";

/** One-way delay of the lab's cross-border hop by default: about half the Shanghai ⇄ US East round trip. */
export const DEFAULT_DELAY_MS = 90;

/** Why the lab cannot start; the message says what to do. */
export class LabError extends Error {}

export interface LabOptions {
    /** The project's directory (Pulumi.yaml and the stack files). */
    root: string;
    /** Put this HOST:PORT behind the proxies instead of the sample origin (SNI and Host stay the origin's names). */
    origin?: string;
    /** CA file that verifies `origin`'s certificate (and the `upstreams`'); default: the system's bundle, as in production. */
    originCa?: string;
    /** Third-party host → "IP:PORT": the origin proxies relay the host from there (a stand-in, trusted with `originCa`). */
    upstreams?: Record<string, string>;
    /** One-way delay added between the edge and the origin proxies, ms; 0 connects them directly. */
    delayMs?: number;
    /** Default: netns when this process may create namespaces, else loopback. */
    mode?: LabMode;
    /** Stack config overrides, as `pulumi config set` would make them (e.g. more replicas). */
    overrides?: StackOverrides;
    /**
     * The public names' certificate from an ACME CA in the lab (pebble), ordered at start by the hosts' renewer on
     * the first edge, which must end TLS; the lab's own CA signs everything else.
     */
    acme?: boolean;
    /** Hears every lab process that exits without being asked to. */
    onUnexpectedExit?: (name: string, how: string, log: string) => void;
}

export interface Lab {
    mode: LabMode;
    topology: Topology;
    dir: string;
    /** What `npm run lab -- --json` prints. */
    ready: { url: string; connect: string; ca: string };
    hosts: HostPair[];
    caFile: string;
    /** The edges' instance names (cn-edge-1…) and the origin proxies' (us-origin-1…), as in the stacks. */
    edgeNames: string[];
    originProxyNames: string[];
    /** Whether the sample origin runs (false with --origin). */
    sampleOrigin: boolean;
    /** The edge `edge` (0-based) as a client reaches it, for `host` (default: the primary public name). */
    endpoint(host?: string, edge?: number): Endpoint;
    /** The cn stack's redirector of the old names, when the stack has one. */
    redirector?: LabRedirector;
    processes: Supervisor;
    /**
     * Renders both stacks again with `overrides` on top of the lab's own and delivers every proxy's new files in place
     * with the apply tool the hosts run: origin proxies, then edges, one at a time, stopping at the first that fails.
     * New public names get a certificate of the lab's CA covering them, delivered with the configs. `mutate` may
     * change a proxy's adapted config on its way (to deliver a broken one, say).
     */
    apply(overrides: StackOverrides, mutate?: (name: string, config: string) => string): Promise<ApplyRun[]>;
    /**
     * One more edge, as a scaling group's launch brings one up from `group` (the group's rendered bundle): a new host
     * at the next edge address that fetches it from a bucket stand-in with the apply tool and starts serving.
     */
    launchEdge(group: RenderedInstance): Promise<LaunchedHost & { index: number; address: string }>;
    /** With the us stack's scaling group: the stand-in of its internal NLB, which the edges reach the origin proxies through. */
    originBalancer?: Balancer;
    /** One more origin proxy, as the us stack's scaling group brings one up from `group` (see launchEdge); the stand-in lists it already. */
    launchOriginProxy(group: RenderedInstance): Promise<LaunchedHost & { index: number; address: string }>;
    /** Each proxy's report, made by the hosts' report tool (`npm run status`), origin proxies first. */
    report(): Promise<HostReport[]>;
    /** With `acme`: the renewer on the first edge, run now (`force`: renew whatever the expiry), and pebble's root. */
    acme?: LabRenewer;
    close(): Promise<void>;
}

/** The redirector as clients reach it, and source addresses the lab's GeoIP database places in each country. */
export interface LabRedirector {
    name: string;
    /** The redirector for `host` (default: the primary old name). */
    endpoint(host?: string): Endpoint;
    clients: { mainland: string; elsewhere: string; unknown: string };
}

const REQUIRED_TOOLS = ["haproxy", "nginx", "openssl"];

function missingTools(): string[] {
    return REQUIRED_TOOLS.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
}

/** The hard descriptor limit of this process, which every lab process inherits. */
function hardFileLimit(): number {
    const out = spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout.trim();
    return /^\d+$/.test(out) ? Math.min(Number(out), FILE_LIMIT) : FILE_LIMIT;
}

function checkOptions(options: LabOptions): void {
    if (options.origin !== undefined && !/^[^\s:]+:\d{1,5}$/.test(options.origin)) {
        throw new LabError(`--origin ${JSON.stringify(options.origin)}: expected HOST:PORT, e.g. staging.example.com:443`);
    }
    for (const [host, target] of Object.entries(options.upstreams ?? {})) {
        if (!isHostName(host) || !/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(target)) {
            throw new LabError(`--upstream ${JSON.stringify(`${host}=${target}`)}: expected HOST=IP:PORT, e.g. fonts.googleapis.com=127.0.0.1:8443`);
        }
    }
    if (options.originCa !== undefined) {
        if (options.origin === undefined && Object.keys(options.upstreams ?? {}).length === 0) {
            throw new LabError("--origin-ca is only used with --origin or --upstream");
        }
        if (!fs.existsSync(options.originCa) || !fs.readFileSync(options.originCa, "utf8").includes("-----BEGIN CERTIFICATE-----")) {
            throw new LabError(`--origin-ca ${JSON.stringify(options.originCa)}: expected a readable PEM file of CA certificates`);
        }
    }
    if (options.delayMs !== undefined && (!Number.isInteger(options.delayMs) || options.delayMs < 0 || options.delayMs > 2000)) {
        throw new LabError(`--delay ${JSON.stringify(String(options.delayMs))}: expected a whole number of milliseconds from 0 to 2000`);
    }
    const missing = missingTools();
    if (missing.length > 0) {
        throw new LabError(`the lab runs real proxies and needs ${missing.join(", ")}: run \`bash scripts/dev.sh lab\`, which installs them`);
    }
    const acmeMissing = options.acme ? ACME_TOOLS.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0) : [];
    if (acmeMissing.length > 0) {
        throw new LabError(`the lab's ACME CA needs ${acmeMissing.join(", ")}: run \`bash scripts/dev.sh lab\`, which installs them`);
    }
}

/** The Debian packages the redirector needs and this machine lacks: nginx's GeoIP2 module, the database writer. */
export function missingRedirectorPackages(): string[] {
    return [
        ...(fs.existsSync(GEOIP2_MODULE) ? [] : ["libnginx-mod-http-geoip2"]),
        ...(geoipWriterAvailable() ? [] : ["libmaxmind-db-writer-perl"]),
    ];
}

function checkRedirectorTools(): void {
    const missing = missingRedirectorPackages();
    if (missing.length > 0) {
        throw new LabError(`the cn stack has a redirector, which the lab runs with ${missing.join(" and ")}: ` +
            "run `bash scripts/dev.sh lab`, which installs them (or set china-edge:redirector false)");
    }
}

/** A unix socket in this namespace forwarding to `target`: how origin proxies in a namespace reach a user's origin. */
function bridge(socketPath: string, target: string): Promise<net.Server> {
    const { host, port } = parseEndpoint(target);
    const server = net.createServer((client) => {
        const upstream = net.connect({ host, port });
        client.pipe(upstream).pipe(client);
        const close = () => { client.destroy(); upstream.destroy(); };
        client.on("error", close);
        upstream.on("error", close);
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(socketPath, () => {
            fs.chmodSync(socketPath, 0o666); // nginx's workers run as www-data
            resolve(server);
        });
    });
}

/** HAProxy in master-worker mode, as systemd runs it: a reload (SIGUSR2) leaves the old workers their connections. */
function startHaproxy(processes: Supervisor, name: string, namespace: string | undefined, cfg: string, ready: () => Promise<boolean>): Promise<unknown> {
    return processes.start({ name, namespace, command: ["haproxy", "-W", "-db", "-f", cfg], ready });
}

function tsChild(script: string, args: string[]): string[] {
    return [process.execPath, "-r", require.resolve("ts-node/register/transpile-only"), path.join(__dirname, script), ...args];
}

/** nginx in the foreground with the config `conf`, its pid file, logs and temp files under `sub`. */
function startNginx(processes: Supervisor, name: string, namespace: string | undefined, sub: string, conf: string): Promise<unknown> {
    const pidFile = path.join(sub, "nginx.pid");
    return processes.start({
        name,
        namespace,
        command: ["nginx", "-p", `${sub}/`, "-c", conf, "-e", path.join(sub, "startup-error.log"), "-g", "daemon off;"],
        // nginx writes its pid file once it listens; a killed one leaves its file behind.
        ready: (_output, pid) => fs.existsSync(pidFile) && Number(fs.readFileSync(pidFile, "utf8")) === pid,
    });
}

export async function startLab(options: LabOptions): Promise<Lab> {
    checkOptions(options);
    const rendered = await renderedProxies(options.root, options.overrides, options.acme);
    if (rendered.redirectors.length > 0) {
        checkRedirectorTools();
    }
    if (rendered.edges.length > MAX_REPLICAS || rendered.originProxies.length > MAX_REPLICAS) {
        throw new LabError(`the lab runs at most ${MAX_REPLICAS} edges and ${MAX_REPLICAS} origin proxies`);
    }
    const mode = options.mode ?? (netnsAvailable() ? "netns" : "loopback");
    if (mode === "netns" && !netnsAvailable()) {
        throw new LabError("network namespaces are not available to this user (they need root and `ip netns`)");
    }
    const slot = acquireSlot();
    const processes = new Supervisor(slot.dir, (groups) => slot.save({ groups }));
    processes.onUnexpectedExit = options.onUnexpectedExit;
    const servers: net.Server[] = [];
    let closed = false;
    const close = async () => {
        if (closed) {
            return;
        }
        closed = true;
        await processes.stopAll();
        servers.forEach((s) => s.close());
        slot.release();
    };
    try {
        return await assemble(options, rendered, mode, slot, processes, servers, close);
    } catch (err) {
        await close();
        throw err;
    }
}

async function assemble(
    options: LabOptions, rendered: Awaited<ReturnType<typeof renderedProxies>>, mode: LabMode, slot: Slot,
    processes: Supervisor, servers: net.Server[], close: () => Promise<void>,
): Promise<Lab> {
    const t = topology(mode, slot.slot);
    if (mode === "netns") {
        slot.save({ netns: true });
        createNamespaces(slot.slot, {
            edges: rendered.edges.length, originProxies: rendered.originProxies.length, redirector: rendered.redirectors.length > 0,
        });
    }
    const dir = slot.dir;
    const root = process.getuid?.() === 0;
    const fileLimit = hardFileLimit();
    const delayMs = options.delayMs ?? DEFAULT_DELAY_MS;
    const originDomain = rendered.hosts[0].origin;
    const publicHosts = rendered.hosts.map((h) => h.public);

    const ca = makeCa(path.join(dir, "tls"), "china-edge lab CA");
    fs.chmodSync(ca.dir, 0o755);
    const publicLeaf = ca.issue("public", publicHosts);
    // The link: the origin proxies' certificate for the name the edges verify, the edges' client certificate.
    const linkLeaf = ca.issue("link", [LINK_SERVER_NAME]);
    const sitePem = ca.pem("public", publicLeaf);
    const edgeLinkPem = ca.pem("edge-link", ca.issue("edge-link", [EDGE_LINK_NAME]));
    const originLeaf = ca.issue("origin", [...new Set([...rendered.hosts.map((h) => h.origin), `*.${originDomain}`])]);

    const relayedNames = relayedHosts(rendered.thirdParty);
    const mirrors = mirrorHosts(rendered.thirdParty);
    const unknown = Object.keys(options.upstreams ?? {}).filter((h) => !relayedNames.includes(h) && !mirrors.includes(h));
    if (unknown.length > 0) {
        throw new LabError(`--upstream ${unknown.join(", ")}: neither relayed nor a mirror in the us stack's config (china-edge:thirdParty)`);
    }
    // Where the proxies reach each stand-in; in namespaces, what listens on this machine's loopback is reached
    // through a unix socket each.
    const reachVia: Record<string, string> = {};
    const relayAddresses: Record<string, string> = {};
    for (const [host, target] of Object.entries(options.upstreams ?? {})) {
        if (mode === "netns") {
            reachVia[host] = path.join(dir, `relay-${host}.sock`);
            servers.push(await bridge(reachVia[host], target));
        } else {
            reachVia[host] = target;
        }
        if (relayedNames.includes(host)) {
            relayAddresses[host] = mode === "netns" ? `unix:${reachVia[host]}:` : target;
        }
    }
    // One bundle trusts the sample origin (the lab's CA) and the stand-ins (--origin-ca) when both are behind the proxies.
    let originCaFile = options.origin ? options.originCa : ca.caFile;
    if (!options.origin && options.originCa) {
        originCaFile = path.join(dir, "tls", "origin-bundle.crt");
        fs.writeFileSync(originCaFile, fs.readFileSync(ca.caFile, "utf8") + fs.readFileSync(options.originCa, "utf8"));
    }

    let upstream = `${t.originAddress}:${t.ports.origin}`;
    if (options.origin) {
        upstream = options.origin;
        if (mode === "netns") {
            const socket = path.join(dir, "origin.sock");
            servers.push(await bridge(socket, options.origin));
            upstream = `unix:${socket}`;
        }
    } else {
        await processes.start({
            name: "origin",
            namespace: t.namespaces.origin,
            command: tsChild("sampleOrigin.ts", ["--listen", upstream, "--cert", originLeaf.certFile, "--key", originLeaf.keyFile, "--domain", originDomain]),
            ready: (output) => output().includes("ready"),
        });
    }

    const originLab = (i: number, sub: string): LabOriginProxy => {
        const address = t.originProxyAddress(i + 1);
        return {
            listen: {
                443: `${address}:${t.ports.https}`, 80: `${address}:${t.ports.http}`, [LINK_PORT]: `${address}:${t.ports.link}`,
                [STATS_PORT]: `${address}:${t.ports.stats}`, [SHARE_PORT]: `${address}:${t.ports.share}`,
                [LINK_LOCAL.port]: `${address}:${t.ports.linkPages}`, [LINK_LOCAL.websocketPort]: `${address}:${t.ports.linkWebsockets}`,
                [LINK_STATS_PORT]: `${address}:${t.ports.linkStats}`,
            },
            trustedCidr: t.edgeSourceCidr,
            upstream,
            originCaFile,
            relayAddresses,
            // Each its own, as on the hosts: an ACME certificate reaches the others only by their copy.
            certFile: path.join(sub, "site.crt"),
            keyFile: path.join(sub, "site.key"),
            sitePem: path.join(sub, "site.pem"),
            link: { caFile: ca.caFile, certFile: linkLeaf.certFile, keyFile: linkLeaf.keyFile },
            dir: sub,
            fileLimit,
            keepUser: root,
            conversionModule: path.join(sub, "conversion.lua"),
        };
    };
    for (const [i, proxy] of rendered.originProxies.entries()) {
        const sub = path.join(dir, proxy.name);
        fs.mkdirSync(path.join(sub, "acme"), { recursive: true, mode: 0o755 });
        const conf = path.join(sub, "nginx.conf");
        const lab = originLab(i, sub);
        fs.copyFileSync(publicLeaf.certFile, lab.certFile);
        fs.copyFileSync(publicLeaf.keyFile, lab.keyFile);
        fs.writeFileSync(lab.conversionModule, proxy.conversionModule ?? "");
        fs.writeFileSync(conf, adaptOriginNginx(proxy.config, lab));
        await startNginx(processes, proxy.name, t.namespaces.us, sub, conf);
        if (proxy.linkConfig) {
            // The link's end in front of nginx, as on the host.
            const cfg = path.join(sub, "haproxy.cfg");
            fs.writeFileSync(unavailableAnswerFile(lab), UNAVAILABLE_ANSWER);
            fs.writeFileSync(leavingMap(lab), "");
            fs.writeFileSync(cfg, adaptLinkHaproxy(proxy.linkConfig, lab));
            const [address, port] = lab.listen[LINK_PORT].split(":");
            await startHaproxy(processes, linkProcess(proxy.name), t.namespaces.us, cfg, () => tcpOpen(address, Number(port)));
        }
    }

    // What the edges name as their origin proxies: each origin proxy, or a scaling group's NLB (its address in each
    // zone), here one stand-in in front of the group's hosts and of the next one a scale-out launches.
    let originBalancer: Balancer | undefined;
    const group = rendered.originGroup;
    if (group) {
        const hosts = Array.from({ length: rendered.originProxies.length + 1 }, (_, i) => ({
            name: `${group.host.name}-${i + 1}`, address: t.originProxyAddress(i + 1), healthPort: t.ports.linkStats,
        }));
        originBalancer = await startBalancer(processes, dir, "origin-nlb", {
            address: t.originBalancerAddress, namespace: t.namespaces.us,
            ports: [t.ports.https, t.ports.link, t.ports.http].map((port) => ({ listen: port, target: port })),
        }, hosts, STAND_IN_CHECK);
        await waitFor(async () => (await Promise.all(rendered.originProxies.map((p) => originBalancer!.status(p.name)))).every((s) => s === "UP"),
            15_000, "the origin proxies in service at the stand-in of their NLB");
    }
    const targets = group ? group.balancer.map((name) => ({ name, address: t.originBalancerAddress }))
        : rendered.originProxies.map((p, i) => ({ name: p.name, address: t.originProxyAddress(i + 1) }));
    const relayed = (n: number) => `${t.relayAddress}:${t.relayPort(n)}`;
    const linkRelayed = (n: number) => `${t.relayAddress}:${t.linkRelayPort(n)}`;
    if (delayMs > 0) {
        const pairs = targets.flatMap((target, i) => [
            "--pair", `${relayed(i + 1)}=${target.address}:${t.ports.https}`,
            "--pair", `${linkRelayed(i + 1)}=${target.address}:${t.ports.link}`,
        ]);
        await processes.start({
            name: "relay",
            namespace: t.namespaces.edge,
            command: tsChild("relay.ts", ["--delay", String(delayMs), ...pairs]),
            ready: (output) => output().includes("ready"),
        });
    }

    const serverPorts = Object.fromEntries(targets.map((target, i) => [target.name, {
        443: delayMs > 0 ? relayed(i + 1) : `${target.address}:${t.ports.https}`,
        80: `${target.address}:${t.ports.http}`,
        [LINK_PORT]: delayMs > 0 ? linkRelayed(i + 1) : `${target.address}:${t.ports.link}`,
    }]));
    const edgeLab = (i: number, sub: string): LabEdge => {
        const address = t.edgeAddress(i + 1);
        return {
            listen: {
                443: `${address}:${t.ports.https}`, 80: `${address}:${t.ports.http}`, [STATS_PORT]: `${address}:${t.ports.stats}`,
                [SHARE_PORT]: `${address}:${t.ports.share}`,
            },
            servers: serverPorts,
            caFile: ca.caFile,
            // Each edge its own, as on the hosts: the ACME certificate reaches the others only by their copy.
            siteCertificate: path.join(sub, "site.pem"),
            linkCertificate: edgeLinkPem,
            dir: sub,
            fileLimit,
            keepUser: root,
        };
    };
    for (const [i, edge] of rendered.edges.entries()) {
        const sub = path.join(dir, edge.name);
        fs.mkdirSync(sub, { recursive: true, mode: 0o755 });
        const cfg = path.join(sub, "haproxy.cfg");
        fs.copyFileSync(sitePem, edgeLab(i, sub).siteCertificate);
        fs.writeFileSync(cfg, adaptEdgeHaproxy(edge.config, edgeLab(i, sub)));
        fs.writeFileSync(leavingMap(edgeLab(i, sub)), "");
        await startHaproxy(processes, edge.name, t.namespaces.edge, cfg, () => tcpOpen(t.edgeAddress(i + 1), t.ports.stats));
    }

    const places: LabPlaces = { dir, origin: originLab, edge: edgeLab, pid: (name: string) => processes.pid(name) ?? 0, namespaces: t.namespaces };
    let caPem = fs.readFileSync(ca.caFile, "utf8");
    let trustedFile = ca.caFile;
    let acme: Lab["acme"];
    if (options.acme) {
        // Where TLS ends for clients orders: the edges when they terminate, else the origin proxies.
        const edgesEnd = rendered.edges.length > 0 && / ssl crt /.test(rendered.edges[0].config);
        if (!edgesEnd && rendered.originGroup) {
            throw new LabError("the lab orders the origin proxies' ACME certificate for fixed origin proxies only (china-edge:maxReplicas 0 on us)");
        }
        const hosts: LabRenewedHost[] = edgesEnd
            ? rendered.edges.map((edge, i) => {
                const { lab, service } = runningEdge(places, edge.name, i);
                return { name: edge.name, files: { pem: lab.siteCertificate }, service };
            })
            : rendered.originProxies.map((proxy, i) => {
                const { lab, service } = runningOrigin(places, proxy.name, i);
                return { name: proxy.name, namespace: t.namespaces.us, files: { certificate: lab.certFile, key: lab.keyFile, pem: lab.sitePem, pemGroup: NGINX_USER }, service };
            });
        const share = edgesEnd
            ? { address: `${t.edgeAddress(1)}:${t.ports.share}`, serverName: EDGE_LINK_NAME, client: { clientCertificate: edgeLinkPem } }
            : { address: `${t.originProxyAddress(1)}:${t.ports.share}`, serverName: LINK_SERVER_NAME, client: { clientCertificate: linkLeaf.certFile, clientKey: linkLeaf.keyFile } };
        acme = await orderLabCertificate(processes, dir, slot.slot, ca, hosts, publicHosts, share)
            .catch((err: Error) => { throw new LabError(err.message); });
        caPem += acme.root;
        trustedFile = path.join(dir, "tls", "trusted.pem");
        fs.writeFileSync(trustedFile, caPem);
    }
    let redirector: LabRedirector | undefined;
    for (const instance of rendered.redirectors) {
        const sub = path.join(dir, instance.name);
        fs.mkdirSync(sub, { recursive: true, mode: 0o755 });
        const [, mainland, elsewhere, unknown] = t.redirectorClientAddresses;
        const database = path.join(sub, "country.mmdb");
        writeGeoipDatabase(database, { [mainland]: REDIRECTED_COUNTRY, [elsewhere]: "US" });
        const conf = path.join(sub, "nginx.conf");
        fs.writeFileSync(conf, adaptRedirectorNginx(instance.config, {
            listen: { 443: `${t.redirectorAddress}:${t.ports.https}`, 80: `${t.redirectorAddress}:${t.ports.http}` },
            upstream,
            originCaFile,
            relayAddresses,
            certFile: originLeaf.certFile,
            keyFile: originLeaf.keyFile,
            dir: sub,
            fileLimit,
            keepUser: root,
            geoipDatabase: database,
        }));
        await startNginx(processes, instance.name, t.namespaces.us, sub, conf);
        redirector = {
            name: instance.name,
            endpoint: (host = originDomain) => ({ host, address: t.redirectorAddress, port: t.ports.https, ca: caPem }),
            clients: { mainland, elsewhere, unknown },
        };
    }
    const endpoint = (host = publicHosts[0], edge = 0): Endpoint => ({ host, address: t.edgeAddress(edge + 1), port: t.ports.https, ca: caPem });
    // Every edge must carry a request across the whole chain before the lab says it is ready.
    for (const [i, edge] of rendered.edges.entries()) {
        await waitFor(async () => {
            const reply = await request(endpoint(publicHosts[0], i), HEALTH_PATH, { timeoutMs: 3_000 });
            return reply.status === 200 && reply.headers[CHAIN_HEADER.toLowerCase()] !== undefined;
        }, 30_000, `the chain through ${edge.name}`);
    }
    let covered = publicHosts;
    const apply = async (overrides: StackOverrides, mutate = (_name: string, config: string) => config): Promise<ApplyRun[]> => {
        const next = await renderedProxies(options.root, {
            us: { ...options.overrides?.us, ...overrides.us }, cn: { ...options.overrides?.cn, ...overrides.cn },
        }, options.acme);
        const same = (a: { name: string }[], b: { name: string }[]) => a.map((x) => x.name).join() === b.map((x) => x.name).join();
        if (!same(next.originProxies, rendered.originProxies) || !same(next.edges, rendered.edges)) {
            throw new LabError("a change of the number of proxies needs new hosts, not a delivery: start the lab again");
        }
        const names = next.hosts.map((h) => h.public);
        const certificates: LabCertificates = {};
        if (names.some((n) => !covered.includes(n))) {
            const leaf = ca.issue("public-next", names);
            const [certificate, key] = [fs.readFileSync(leaf.certFile, "utf8"), fs.readFileSync(leaf.keyFile, "utf8")];
            certificates.origin = { certificate, key };
            certificates.edge = certificate + key;
            covered = names;
        }
        return applyInTurn(dir, labDeliveries(next, places, certificates, mutate));
    };

    let launched = 0;
    const launch = async (group: RenderedInstance) => {
        const index = rendered.edges.length + launched++;
        if (index >= MAX_REPLICAS) {
            throw new LabError(`the lab runs at most ${MAX_REPLICAS} edges`);
        }
        const address = t.edgeAddress(index + 1);
        if (mode === "netns") {
            addProxyAddress(slot.slot, "edge", address);
        }
        const host = await launchEdge(places, processes, `${group.name}-${index + 1}`, index, group.config, group.ready, sitePem);
        return { ...host, index, address };
    };
    let launchedOrigins = 0;
    const launchOrigin = async (from: RenderedInstance) => {
        const index = rendered.originProxies.length + launchedOrigins++;
        if (!originBalancer || launchedOrigins > 1) {
            throw new LabError("the lab launches one origin proxy, into the us stack's scaling group (china-edge:maxReplicas on us)");
        }
        const address = t.originProxyAddress(index + 1);
        if (mode === "netns") {
            addProxyAddress(slot.slot, "originProxy", address);
        }
        const host = await launchOriginProxy(places, processes, `${from.name}-${index + 1}`, index, from, publicLeaf);
        return { ...host, index, address };
    };

    const port = t.ports.https === 443 ? "" : `:${t.ports.https}`;
    return {
        mode,
        topology: t,
        dir,
        ready: { url: `https://${publicHosts[0]}${port}/`, connect: `${t.edgeAddress(1)}:${t.ports.https}`, ca: trustedFile },
        hosts: rendered.hosts,
        caFile: ca.caFile,
        edgeNames: rendered.edges.map((e) => e.name),
        originProxyNames: rendered.originProxies.map((p) => p.name),
        sampleOrigin: !options.origin,
        endpoint,
        redirector,
        processes,
        apply,
        launchEdge: launch,
        originBalancer,
        launchOriginProxy: launchOrigin,
        report: () => labReports(rendered, places, { via: reachVia, ca: originCaFile }),
        acme,
        close,
    };
}
