// Config changes delivered to the lab's running proxies exactly as to the hosts: a bundle of their new files stored in
// a stand-in of the stack's bucket and fetched by the apply tool the hosts run (components/render/shared/apply/
// china-edge-apply.py) with a stand-in metadata service's role credentials, one proxy after another, stopping at the
// first that fails (as the stack's command runs do). Only the service commands differ: the lab's nginx and HAProxy
// are not systemd units.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as crypto from "crypto";
import { APPLY_TOOL, APPLY_TOOL_SOURCE, ProxyBundle, ReadyCheck, encodeBundle, renderApplyCommand } from "../../components/render/shared/bundle";
import { Bucket, StandIn, bucketStandIn, metadataService } from "./objectStore";
import { LabEdge, LabOriginProxy, PortMap, adaptEdgeHaproxy, adaptLinkHaproxy, adaptOriginNginx, adaptReady, leavingMap, originReadyFiles, unavailableAnswerFile } from "./adapt";
import { Supervisor } from "./processes";
import { RenderedInstance, RenderedProxies } from "./rendered";
import { UNAVAILABLE_ANSWER } from "../../components/render/originProxy/linkHaproxy";

export interface ApplyRun {
    name: string;
    code: number;
    output: string;
}

/** A lab proxy's new files, and how its service is checked, reloaded and asked whether it runs. */
export type LabDelivery = Pick<ProxyBundle, "name" | "files" | "check" | "reload" | "active" | "ready">;

/** A command in the lab proxy's network namespace (nginx -t binds its listeners' addresses), or here. */
const inNamespace = (namespace: string | undefined, command: string[]) => (namespace ? ["ip", "netns", "exec", namespace, ...command] : command);

/** The lab's nginx (`-p sub/ -c conf`), as the apply tool drives it. */
function nginxService(sub: string, conf: string, namespace?: string): Pick<ProxyBundle, "check" | "reload" | "active"> {
    const nginx = ["nginx", "-p", `${sub}/`, "-c", conf, "-e", path.join(sub, "startup-error.log")];
    return {
        check: inNamespace(namespace, [...nginx, "-t", "-q"]),
        reload: [...nginx, "-s", "reload"],
        active: ["sh", "-c", `kill -0 "$(cat ${path.join(sub, "nginx.pid")})"`],
    };
}

/** The lab's HAProxy in master-worker mode: SIGUSR2 to the master reloads it, the old workers keeping their connections. */
function haproxyService(cfg: string, masterPid: number, namespace?: string): Pick<ProxyBundle, "check" | "reload" | "active"> {
    return {
        check: inNamespace(namespace, ["haproxy", "-c", "-q", "-f", cfg]),
        reload: ["kill", "-USR2", String(masterPid)],
        active: ["kill", "-0", String(masterPid)],
    };
}

/** The lab's name of the HAProxy that ends the link in front of the origin proxy `name`'s nginx. */
export function linkProcess(name: string): string {
    return `${name}-link`;
}

/** Several services of one host driven as one, in order: each command of each, the next only when it passed. */
function together(...services: Pick<ProxyBundle, "check" | "reload" | "active">[]): Pick<ProxyBundle, "check" | "reload" | "active"> {
    const all = (key: "check" | "reload" | "active") => ["sh", "-c", services.map((s) => shellJoin(s[key])).join(" && ")];
    return { check: all("check"), reload: all("reload"), active: all("active") };
}

const shellJoin = (argv: string[]) => argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");

/** One of the hosts' Python tools run here (in `namespace` if given): its exit code and everything it printed. */
export function runHostTool(tool: string, args: string[], env: Record<string, string>, input = "", namespace?: string): Promise<{ code: number; output: string }> {
    return runOnHost(["python3", tool, ...args], env, input, namespace);
}

/** `argv` run as a host would run it, in `namespace` when given; its exit code and its output, stderr included. */
export function runOnHost(argv: string[], env: Record<string, string>, input = "", namespace?: string): Promise<{ code: number; output: string }> {
    return new Promise((resolve, reject) => {
        const [command, ...rest] = inNamespace(namespace, argv);
        const child = spawn(command, rest, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (c: Buffer) => { output += c.toString(); });
        child.stderr.on("data", (c: Buffer) => { output += c.toString(); });
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, output }));
        child.stdin.end(input);
    });
}

/** The stand-ins a host fetches its bundle with: the metadata service of its role and the stack's bucket. */
interface LabStore {
    metadata: StandIn;
    bucket: Bucket;
}

const LAB_BUCKET = { name: "china-edge-lab-bundles", region: "lab-region-1", endpoint: "oss-lab-region-1-internal.aliyuncs.com" };

async function labStore(): Promise<LabStore> {
    const credentials = { accessKeyId: "STS.lab", accessKeySecret: crypto.randomBytes(12).toString("hex"), securityToken: crypto.randomBytes(12).toString("hex") };
    return { metadata: await metadataService("china-edge-lab-proxies", credentials), bucket: await bucketStandIn(LAB_BUCKET.name, LAB_BUCKET.region, credentials) };
}

/** Runs `use` with fresh stand-ins of the metadata service and the bucket, closed after. */
async function withLabStore<T>(use: (store: LabStore) => Promise<T>): Promise<T> {
    const store = await labStore();
    try {
        return await use(store);
    } finally {
        await store.metadata.close();
        await store.bucket.close();
    }
}

/** The bundle stored, then the host's command line run: the apply tool fetches it with the role's credentials. */
async function runTool(tool: string, bundle: ProxyBundle, state: string, store: LabStore): Promise<ApplyRun> {
    const encoded = encodeBundle(bundle);
    const object = { bucket: LAB_BUCKET.name, key: `bundles/${bundle.name}.br85`, region: LAB_BUCKET.region, endpoint: LAB_BUCKET.endpoint };
    store.bucket.objects.set(object.key, encoded);
    const line = renderApplyCommand(bundle.name, object, encoded).split("\n").find((l) => l.startsWith(`${APPLY_TOOL} `))!;
    const env = { CHINA_EDGE_STATE: state, CHINA_EDGE_METADATA: store.metadata.url, CHINA_EDGE_OSS_ENDPOINT: store.bucket.url };
    return { name: bundle.name, ...await runHostTool(tool, line.slice(APPLY_TOOL.length + 1).split(" "), env) };
}

/** The hosts' apply tool, written under `dir`; returns its path. */
export function writeApplyTool(dir: string): string {
    const tool = path.join(dir, "china-edge-apply");
    fs.writeFileSync(tool, APPLY_TOOL_SOURCE, { mode: 0o755 });
    return tool;
}

/** The lab gives up on a proxy that is not ready sooner than a host does. */
const LAB_READY_TIMEOUT_SECONDS = 10;

/**
 * A proxy's rendered readiness probe, run where the lab serves it (in its namespace), for at most `timeoutSeconds`
 * (a new host's first probe may come before it listens, and the next one interval later).
 */
function labReady(ready: ReadyCheck | undefined, listen: PortMap, namespace?: string, files: Record<string, string> = {},
    timeoutSeconds = LAB_READY_TIMEOUT_SECONDS): Pick<ProxyBundle, "ready"> {
    if (!ready) {
        return {};
    }
    const adapted = adaptReady(ready, listen, files);
    return { ready: { ...adapted, command: inNamespace(namespace, adapted.command), timeoutSeconds } };
}

/** Applies each delivery in turn with the hosts' apply tool (written under `dir`); stops at the first failure. */
export async function applyInTurn(dir: string, deliveries: LabDelivery[]): Promise<ApplyRun[]> {
    const tool = writeApplyTool(dir);
    return withLabStore(async (store) => {
        const runs: ApplyRun[] = [];
        for (const d of deliveries) {
            // The lab's services are never stopped by a delivery: `start` is the reload.
            const run = await runTool(tool, { ...d, start: d.reload }, path.join(dir, "state", d.name), store);
            runs.push(run);
            if (run.code !== 0) {
                break;
            }
        }
        return runs;
    });
}

/** Where the lab runs each proxy and how it adapts its config, as the lab started them. */
export interface LabPlaces {
    dir: string;
    origin(i: number, sub: string): LabOriginProxy;
    edge(i: number, sub: string): LabEdge;
    /** The master process of a lab HAProxy. */
    pid(name: string): number;
    namespaces: { us?: string; edge?: string };
}

/** New certificates for a delivery (the names changed): the origin proxies' pair, the edges' PEM (certificate and key). */
export interface LabCertificates {
    origin?: { certificate: string; key: string };
    edge?: string;
}

/** A running lab proxy: what the lab substitutes in its config, its config file, how its service is driven. */
interface RunningProxy<L> {
    lab: L;
    config: string;
    service: Pick<ProxyBundle, "check" | "reload" | "active">;
}

/** The lab's origin proxy `name`, the `i`th: its nginx and, in front of it, the HAProxy ending the link (`linkConfig`). */
export function runningOrigin(places: LabPlaces, name: string, i: number): RunningProxy<LabOriginProxy> & { linkConfig: string } {
    const sub = path.join(places.dir, name);
    const config = path.join(sub, "nginx.conf");
    const linkConfig = path.join(sub, "haproxy.cfg");
    const nginx = nginxService(sub, config, places.namespaces.us);
    const service = fs.existsSync(linkConfig) ? together(nginx, haproxyService(linkConfig, places.pid(linkProcess(name)), places.namespaces.us)) : nginx;
    return { lab: places.origin(i, sub), config, linkConfig, service };
}

/** The lab's edge `name`, the `i`th. */
export function runningEdge(places: LabPlaces, name: string, i: number): RunningProxy<LabEdge> {
    const sub = path.join(places.dir, name);
    const config = path.join(sub, "haproxy.cfg");
    return { lab: places.edge(i, sub), config, service: haproxyService(config, places.pid(name), places.namespaces.edge) };
}

/**
 * The deliveries of `next` (the stacks rendered again) to the lab's running proxies, origin proxies first, each with
 * `certificates` and its config passed through `mutate`.
 */
export function labDeliveries(next: RenderedProxies, places: LabPlaces, certificates: LabCertificates,
    mutate: (name: string, config: string) => string): LabDelivery[] {
    return [
        ...next.originProxies.map((proxy, i) => {
            const { lab, config, linkConfig, service } = runningOrigin(places, proxy.name, i);
            return {
                name: proxy.name,
                files: [
                    ...(certificates.origin ? [
                        { path: lab.certFile, content: certificates.origin.certificate, mode: "0644" },
                        { path: lab.keyFile, content: certificates.origin.key, mode: "0600" },
                    ] : []),
                    { path: lab.conversionModule, content: proxy.conversionModule ?? "", mode: "0644" },
                    { path: config, content: mutate(proxy.name, adaptOriginNginx(proxy.config, lab)), mode: "0644" },
                    ...(proxy.linkConfig ? [{ path: linkConfig, content: adaptLinkHaproxy(proxy.linkConfig, lab), mode: "0644" }] : []),
                ],
                ...service,
                ...labReady(proxy.ready, lab.listen, places.namespaces.us, originReadyFiles(lab)),
            };
        }),
        ...next.edges.map((edge, i) => {
            const { lab, config, service } = runningEdge(places, edge.name, i);
            return {
                name: edge.name,
                files: [
                    ...(certificates.edge ? [{ path: lab.siteCertificate, content: certificates.edge, mode: "0600" }] : []),
                    { path: config, content: mutate(edge.name, adaptEdgeHaproxy(edge.config, lab)), mode: "0644" },
                ],
                ...service,
                ...labReady(edge.ready, lab.listen, places.namespaces.edge),
            };
        }),
    ];
}

/** A process that waits for `started` (the host's bundle applied) before it runs `command`, as a service enabled at first boot. */
function waitingService(processes: Supervisor, name: string, namespace: string | undefined, started: string, command: string[]): Promise<unknown> {
    return processes.start({ name, namespace, command: ["sh", "-c", `while [ ! -e '${started}' ]; do sleep 0.05; done; exec ${shellJoin(command)}`], ready: () => true });
}

/** A host a scaling group launched in the lab: its name, how its launch went, and the seconds from its boot to ready. */
export interface LaunchedHost extends ApplyRun {
    seconds: number;
}

/**
 * A new edge as a scaling group's launch brings one up: a "host" that boots with nothing to serve (a process that
 * waits to be started, supervised as the lab's others), then the launch command's apply tool line, which fetches the
 * group's bundle (`config`, adapted to this host, and its readiness probe) from the bucket stand-in with the role's
 * credentials, checks it, starts the edge and waits until it is ready as its balancer sees it.
 */
export async function launchEdge(places: LabPlaces, processes: Supervisor, name: string, i: number, config: string, ready: ReadyCheck | undefined,
    sitePem: string): Promise<LaunchedHost> {
    const sub = path.join(places.dir, name);
    fs.mkdirSync(sub, { recursive: true, mode: 0o755 });
    const lab = places.edge(i, sub);
    const cfg = path.join(sub, "haproxy.cfg");
    const started = path.join(sub, "started");
    fs.copyFileSync(sitePem, lab.siteCertificate);
    fs.writeFileSync(leavingMap(lab), "");
    const boot = Date.now();
    await waitingService(processes, name, places.namespaces.edge, started, ["haproxy", "-W", "-db", "-f", cfg]);
    const pid = processes.pid(name)!;
    const bundle: ProxyBundle = {
        name,
        files: [{ path: cfg, content: adaptEdgeHaproxy(config, lab), mode: "0644" }],
        check: inNamespace(places.namespaces.edge, ["haproxy", "-c", "-q", "-f", cfg]),
        reload: ["kill", "-USR2", String(pid)],
        start: ["touch", started],
        active: ["sh", "-c", `test -e '${started}' && kill -0 ${pid}`],
        ...labReady(ready, lab.listen, places.namespaces.edge, {}, ready ? ready.intervalSeconds * (ready.passes + 1) + LAB_READY_TIMEOUT_SECONDS : undefined),
    };
    const run = await withLabStore((store) => runTool(writeApplyTool(places.dir), bundle, path.join(places.dir, "state", name), store));
    return { ...run, seconds: (Date.now() - boot) / 1000 };
}


/**
 * A new origin proxy as a scaling group's launch brings one up, as launchEdge brings an edge: nginx and the link's
 * HAProxy wait for the group's bundle (`group`'s configs, adapted to this host), which the apply tool fetches from the
 * bucket stand-in, checks, starts, and waits for until the host is ready; `site` is the public names' pair it serves.
 */
export async function launchOriginProxy(places: LabPlaces, processes: Supervisor, name: string, i: number,
    group: Pick<RenderedInstance, "config" | "conversionModule" | "linkConfig" | "ready">, site: { certFile: string; keyFile: string }): Promise<LaunchedHost> {
    const sub = path.join(places.dir, name);
    fs.mkdirSync(path.join(sub, "acme"), { recursive: true, mode: 0o755 });
    const lab = places.origin(i, sub);
    fs.copyFileSync(site.certFile, lab.certFile);
    fs.copyFileSync(site.keyFile, lab.keyFile);
    fs.writeFileSync(unavailableAnswerFile(lab), UNAVAILABLE_ANSWER);
    fs.writeFileSync(leavingMap(lab), "");
    const [conf, cfg, started] = [path.join(sub, "nginx.conf"), path.join(sub, "haproxy.cfg"), path.join(sub, "started")];
    const boot = Date.now();
    const namespace = places.namespaces.us;
    await waitingService(processes, name, namespace, started, ["nginx", "-p", `${sub}/`, "-c", conf, "-e", path.join(sub, "startup-error.log"), "-g", "daemon off;"]);
    await waitingService(processes, linkProcess(name), namespace, started, ["haproxy", "-W", "-db", "-f", cfg]);
    const pids = [processes.pid(name)!, processes.pid(linkProcess(name))!];
    const bundle: ProxyBundle = {
        name,
        files: [
            { path: lab.conversionModule, content: group.conversionModule ?? "", mode: "0644" },
            { path: conf, content: adaptOriginNginx(group.config, lab), mode: "0644" },
            { path: cfg, content: adaptLinkHaproxy(group.linkConfig ?? "", lab), mode: "0644" },
        ],
        ...together(nginxService(sub, conf, namespace), haproxyService(cfg, pids[1], namespace)),
        start: ["touch", started],
        active: ["sh", "-c", `test -e '${started}' && kill -0 ${pids.join(" ")}`],
        ...labReady(group.ready, lab.listen, namespace, originReadyFiles(lab),
            group.ready ? group.ready.intervalSeconds * (group.ready.passes + 1) + LAB_READY_TIMEOUT_SECONDS : undefined),
    };
    const run = await withLabStore((store) => runTool(writeApplyTool(places.dir), bundle, path.join(places.dir, "state", name), store));
    return { ...run, seconds: (Date.now() - boot) / 1000 };
}
