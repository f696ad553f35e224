// The rendered production configs made runnable on this machine: each is read back into the structure its renderer
// printed (haproxyConf.ts, nginxConf.ts), and only addresses, ports, paths and the figures derived from the host's
// file limit (recomputed with the same sizing functions) are changed, by directive and argument, before it is printed
// again. Every substitution must find its directive: a renderer change the lab does not know about stops the lab.
import * as path from "path";
import { ReadyCheck } from "../../components/render/shared/bundle";
import { haproxySizing, nginxSizing } from "../../components/render/shared/capacity";
import { NGINX_PATHS } from "../../components/render/shared/paths";
import { V } from "../../components/render/originProxy/nginxVariables";
import { Line, Section, parseHaproxy, printHaproxy } from "../../components/render/shared/haproxyConf";
import { LeaveSettings } from "../../components/render/shared/leave";
import { Block, Directive, Node as NginxNode, findBlocks, findDirectives, parseConf, printConf, q } from "../../components/render/shared/nginxConf";

/** A rendered config the lab's substitutions no longer fit. */
export class AdaptError extends Error {}

/** The rendered config lacks what the lab substitutes: the renderer changed, and adapt.ts must follow it. */
function missing(file: string, what: string): AdaptError {
    return new AdaptError(`${file}: the rendered config has no ${what} for the lab to substitute; update harness/lab/adapt.ts with the renderer`);
}

/** Where a production port of a proxy is served in the lab ("address:port"). */
export type PortMap = Record<number, string>;

function mapPort(file: string, ports: PortMap, port: string): string {
    const mapped = ports[Number(port)];
    if (mapped === undefined) {
        throw new AdaptError(`${file}: port ${port} has no place in the lab (known: ${Object.keys(ports).join(", ")})`);
    }
    return mapped;
}

export interface LabOriginProxy {
    /** Production listen port (443, 80) → lab "address:port". */
    listen: PortMap;
    /** The edge's range as the lab sees it (replaces the edge VPC's CIDR). */
    trustedCidr: string;
    /** Where every origin host is reached: "address:port" or "unix:/path". */
    upstream: string;
    /** CA bundle that verifies the origin; undefined keeps the rendered (system) bundle. */
    originCaFile?: string;
    certFile: string;
    keyFile: string;
    /** The certificate and key in one file, as the first origin proxy hands them to the others (ACME). */
    sitePem: string;
    /** The link's CA, and this origin proxy's link certificate and key (its name ending in .key: HAProxy finds it so). */
    link: { caFile: string; certFile: string; keyFile: string };
    /** Directory for the pid file, logs and the ACME root. */
    dir: string;
    fileLimit: number;
    /** Keep the rendered `user` (the lab runs as root); otherwise it is dropped. */
    keepUser: boolean;
    /** Where the lab wrote the conversion module (a `<name>.lua` file). */
    conversionModule: string;
    /** Relayed third-party host → where the lab's stand-in is reached ("address:port" or "unix:/path:"). */
    relayAddresses?: Record<string, string>;
}

/** A rendered nginx.conf read back into its structure, changed directive by directive, then printed again. */
class NginxEdit {
    readonly nodes: NginxNode[];
    constructor(readonly file: string, text: string) {
        this.nodes = parseConf(text);
    }

    /** Sets the arguments of every directive of this name (those `where` accepts); required ones must exist. */
    set(name: string, args: (d: Directive) => string[], options: { optional?: boolean; where?: (d: Directive, blocks: Block[]) => boolean } = {}): void {
        const found = findDirectives(this.nodes, name).filter((f) => (options.where ?? (() => true))(f.directive, f.blocks));
        if (found.length === 0 && !options.optional) {
            throw missing(this.file, `\`${name}\``);
        }
        for (const { directive } of found) {
            directive.args = args(directive);
        }
    }

    /** Removes every top-level directive of this name. */
    drop(name: string): void {
        this.nodes.splice(0, this.nodes.length, ...this.nodes.filter((n) => !(n.kind === "directive" && n.name === name)));
    }

    print(): string {
        return printConf(this.nodes);
    }
}

const first = (d: Directive) => String(d.args[0]);
const rest = (d: Directive) => d.args.slice(1).map(String);
/** The link's own certificate and key, at the paths the renderer gives them. */
const isLinkFile = (d: Directive) => first(d) === NGINX_PATHS.linkCertificate || first(d) === NGINX_PATHS.linkPrivateKey;

/** The substitutions every rendered nginx.conf needs: sizing, paths, certificates, listeners and upstream servers. */
function adaptNginx(edit: NginxEdit, lab: Omit<LabOriginProxy, "trustedCidr" | "link" | "conversionModule" | "sitePem">): void {
    const sizing = nginxSizing(lab.fileLimit);
    if (!lab.keepUser) {
        edit.drop("user");
    }
    edit.set("worker_rlimit_nofile", () => [String(sizing.workerRlimitNofile)]);
    edit.set("worker_connections", () => [String(sizing.workerConnections)]);
    edit.set("pid", () => [`${lab.dir}/nginx.pid`]);
    edit.set("error_log", (d) => [`${lab.dir}/error.log`, ...rest(d)]);
    edit.set("access_log", (d) => [`${lab.dir}/access.log`, ...rest(d)], { where: (d) => first(d) !== "off" });
    edit.set("ssl_certificate", () => [lab.certFile], { where: (d) => !isLinkFile(d) });
    edit.set("ssl_certificate_key", () => [lab.keyFile], { where: (d) => !isLinkFile(d) });
    edit.set("proxy_ssl_trusted_certificate", (d) => [lab.originCaFile ?? first(d)]);
    edit.set("listen", (d) => [mapPort(edit.file, lab.listen, first(d).slice(first(d).lastIndexOf(":") + 1)), ...rest(d)]);
    edit.set("server", (d) => [lab.upstream, ...rest(d)], { where: (_d, blocks) => blocks[blocks.length - 1]?.name === "upstream" });
}

export function adaptOriginNginx(text: string, lab: LabOriginProxy): string {
    const edit = new NginxEdit("nginx.conf", text);
    // The site's certificate first: the link's lines are told apart by their production file names.
    adaptNginx(edit, lab);
    edit.set("ssl_certificate", () => [lab.link.certFile], { optional: true, where: isLinkFile });
    edit.set("ssl_certificate_key", () => [lab.link.keyFile], { optional: true, where: isLinkFile });
    edit.set("ssl_client_certificate", () => [lab.link.caFile], { optional: true });
    // Production trusts the edges' VPC where PROXY protocol comes in, and the host's HAProxy on loopback where the link
    // comes in; in the lab both come from its edge network (in a namespace the origin proxies' own addresses are in it,
    // on loopback everything comes from 127.0.0.1).
    edit.set("set_real_ip_from", () => [lab.trustedCidr]);
    edit.set("alias", () => [lab.sitePem], { optional: true, where: (d) => first(d).endsWith(".pem") });
    edit.set("root", () => [`${lab.dir}/acme`], { optional: true });
    // The scrapers' VPC range: the lab's scraper is this machine, in another namespace.
    edit.set("allow", () => ["all"], { optional: true, where: (d) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(first(d)) });
    edit.set("lua_package_path", () => [q(`${path.dirname(lab.conversionModule)}/?.lua;;`)]);
    edit.set("proxy_cache_path", (d) => [`${lab.dir}/relay`, ...rest(d)], { optional: true });
    const relayed = lab.relayAddresses ?? {};
    for (const [host, address] of Object.entries(relayed)) {
        edit.set(host, () => [address], { where: (_d, blocks) => blocks[blocks.length - 1]?.args[1] === V.relayUpstream });
    }
    return edit.print();
}

export interface LabRedirector extends Omit<LabOriginProxy, "trustedCidr" | "link" | "conversionModule" | "sitePem"> {
    /** The lab's GeoIP2 database. */
    geoipDatabase: string;
}

export function adaptRedirectorNginx(text: string, lab: LabRedirector): string {
    const edit = new NginxEdit("redirector nginx.conf", text);
    adaptNginx(edit, lab);
    const geoip = findBlocks(edit.nodes, "geoip2");
    if (geoip.length === 0) {
        throw missing(edit.file, "`geoip2` database");
    }
    geoip.forEach((b) => { b.args = [lab.geoipDatabase]; });
    return edit.print();
}

export interface LabEdge {
    /** Production bind port (443, 80, stats) → lab "address:port". */
    listen: PortMap;
    /** A terminating edge's certificate files: the public names' (certificate and key in one PEM), and its link end's. */
    siteCertificate: string;
    linkCertificate: string;
    /** Origin proxy name (as in the stack) → production port → lab "address:port" HAProxy connects to. */
    servers: Record<string, PortMap>;
    /** The lab CA when the rendered config verifies the origin proxies' certificate. */
    caFile: string;
    /** Directory for the admin socket. */
    dir: string;
    fileLimit: number;
    keepUser: boolean;
}

/**
 * A rendered readiness probe (curl) made runnable here: the host's address and port in its `--resolve` entries and its
 * URLs replaced by where the lab serves that port, and the host's files it names by the lab's (`files`).
 */
export function adaptReady(ready: ReadyCheck, listen: PortMap, files: Record<string, string> = {}): ReadyCheck {
    const file = `readiness probe ${ready.command.join(" ")}`;
    const split = (hostPort: string) => {
        const i = hostPort.lastIndexOf(":");
        return { address: hostPort.slice(0, i), port: hostPort.slice(i + 1) };
    };
    let substituted = 0;
    const command = ready.command.map((arg) => {
        if (files[arg] !== undefined) {
            return files[arg];
        }
        const resolve = /^([a-z0-9.-]+):(\d+):[\d.]+$/.exec(arg);
        if (resolve) {
            substituted++;
            const lab = split(mapPort(file, listen, resolve[2]));
            return `${resolve[1]}:${lab.port}:${lab.address}`;
        }
        const url = /^(https?):\/\/([^/:]+)(?::(\d+))?(\/.*)$/.exec(arg);
        if (url) {
            substituted++;
            const [, scheme, host, port, rest] = url;
            const lab = mapPort(file, listen, port ?? (scheme === "https" ? "443" : "80"));
            return /^[\d.]+$/.test(host) ? `${scheme}://${lab}${rest}` : `${scheme}://${host}:${split(lab).port}${rest}`;
        }
        return arg;
    });
    if (substituted === 0) {
        throw new AdaptError(`${file}: no address for the lab to substitute; update harness/lab/adapt.ts with the renderer`);
    }
    return { ...ready, command };
}

/** The host's files an origin proxy's readiness probe names (the link's certificate), as the lab has them. */
export function originReadyFiles(lab: LabOriginProxy): Record<string, string> {
    return { [NGINX_PATHS.linkCa]: lab.link.caFile, [NGINX_PATHS.linkCertificate]: lab.link.certFile, [NGINX_PATHS.linkPrivateKey]: lab.link.keyFile };
}

/** Replaces the word after `key` in a line; false when the line has no such key. */
function setAfter(l: Line, key: string, value: string): boolean {
    const i = l.args.indexOf(key);
    if (i < 0 || i + 1 >= l.args.length) {
        return false;
    }
    l.args[i + 1] = value;
    return true;
}

/**
 * A rendered haproxy.cfg read back into its structure and changed line by line, then printed by the renderer's
 * printer: the user and group dropped unless kept, the admin socket moved to `socket`, and every other line handed to
 * `change`, which names what it substituted; each of `required` must be substituted somewhere.
 */
function adaptHaproxy(file: string, text: string, lab: { keepUser: boolean }, socket: string,
    change: (l: Line, s: Section) => string | undefined, required: string[]): string {
    const conf = parseHaproxy(text);
    const found = new Set<string>();
    for (const s of conf.filter((n): n is Section => n.kind === "section")) {
        if (!lab.keepUser) {
            s.body = s.body.filter((e) => !(e.kind === "line" && (e.keyword === "user" || e.keyword === "group")));
        }
        for (const l of s.body.filter((e): e is Line => e.kind === "line")) {
            if (l.keyword === "stats" && l.args[0] === "socket") {
                l.args[1] = socket;
                found.add("`stats socket`");
            } else {
                const what = change(l, s);
                if (what) {
                    found.add(what);
                }
            }
        }
    }
    const absent = ["`stats socket`", ...required].find((what) => !found.has(what));
    if (absent) {
        throw missing(file, absent);
    }
    return printHaproxy(conf);
}

/** The address:port argument at `i` of a line moved to where the lab serves its port. */
function moveTo(file: string, listen: PortMap, l: Line, i: number): void {
    l.args[i] = mapPort(file, listen, l.args[i].slice(l.args[i].lastIndexOf(":") + 1));
}

/**
 * The edge's haproxy.cfg changed by keyword and argument: sizing, the admin socket, every bind and server address,
 * the certificate and CA files.
 */
export function adaptEdgeHaproxy(text: string, lab: LabEdge): string {
    const file = "haproxy.cfg";
    const sizing = haproxySizing(lab.fileLimit, Object.keys(lab.servers).length);
    return adaptHaproxy(file, text, lab, edgeAdminSocket(lab), (l, s) => {
        let what: string | undefined;
        if (l.keyword === "maxconn") {
            l.args = [String(s.type === "global" ? sizing.maxconn : sizing.frontendMaxconn)];
        } else if (l.keyword === "bind") {
            moveTo(file, lab.listen, l, 0);
            setAfter(l, "crt", l.args.includes("strict-sni") ? lab.siteCertificate : lab.linkCertificate);
            what = "`bind`";
        } else if (l.keyword === "default-server") {
            what = setAfter(l, "maxconn", String(sizing.serverMaxconn)) ? "server `maxconn`" : undefined;
        } else if (l.keyword === "server") {
            const ports = lab.servers[l.args[0]];
            if (!ports) {
                throw new AdaptError(`${file}: server ${l.args[0]} is not among the lab's origin proxies (${Object.keys(lab.servers).join(", ")})`);
            }
            moveTo(`${file} server ${l.args[0]}`, ports, l, 1);
            setAfter(l, "crt", lab.linkCertificate);
            what = "`server`";
        } else if (l.keyword === "http-request" && l.args[0] === "return") {
            setAfter(l, "file", lab.siteCertificate);
            what = moveLeavingMap(l, lab);
        }
        setAfter(l, "ca-file", lab.caFile);
        return what;
    }, ["`bind`", "server `maxconn`", "`server`", "the leaving map"]);
}

/** A lab process a leaving host stops: its pid, and the signal that stops it gracefully (HAProxy's USR1, nginx's QUIT). */
export interface LeavingProcess {
    pid: number;
    soft: "USR1" | "QUIT";
}

/**
 * A proxy's leave settings made runnable here: the lab's admin socket and leaving map, its services (HAProxy in
 * master-worker mode, nginx; not systemd units) signalled by pid, and the stand-in balancer's timing. The admin socket
 * is the edge's, or on an origin proxy host the link HAProxy's.
 */
export function adaptLeaveSettings(settings: LeaveSettings, lab: Pick<LabEdge, "dir">, role: "edge" | "originProxy", processes: LeavingProcess[],
    timing: Pick<LeaveSettings, "leaveSeconds" | "quietSeconds" | "finishSeconds">): LeaveSettings {
    const all = (signal: (p: LeavingProcess) => string, join: string) => ["sh", "-c", processes.map((p) => `kill -${signal(p)} ${p.pid}`).join(join)];
    return {
        ...settings, ...timing, socket: role === "edge" ? edgeAdminSocket(lab) : linkAdminSocket(lab), map: leavingMap(lab),
        // Exit 0 while any of them runs.
        softStop: all((p) => p.soft, "; "), hardStop: all(() => "TERM", "; "), active: all(() => "0", " || "),
    };
}

/** A health answer's leaving map (`http-request return … map(FILE)`) moved to the lab's; what it substituted, if anything. */
function moveLeavingMap(l: Line, lab: Pick<LabEdge, "dir">): string | undefined {
    const leaving = l.args.findIndex((a) => a.startsWith("str(leaving),map("));
    if (leaving < 0) {
        return undefined;
    }
    l.args[leaving] = `str(leaving),map(${leavingMap(lab)})`;
    return "the leaving map";
}

/** The admin sockets of the lab's edge HAProxy and of an origin proxy host's link HAProxy. */
const edgeAdminSocket = (lab: Pick<LabEdge, "dir">) => path.join(lab.dir, "admin.sock");
const linkAdminSocket = (lab: Pick<LabEdge, "dir">) => path.join(lab.dir, "haproxy-admin.sock");

/** Where the lab keeps a proxy's leaving map (HAPROXY_PATHS.leavingMap), which must exist before HAProxy starts. */
export function leavingMap(lab: Pick<LabEdge, "dir">): string {
    return path.join(lab.dir, "leaving.map");
}

/** Where the lab keeps the answer an origin proxy's HAProxy gives when its nginx is down (HAPROXY_PATHS.unavailableAnswer). */
export function unavailableAnswerFile(lab: LabOriginProxy): string {
    return path.join(lab.dir, "unavailable.http");
}

/**
 * The origin proxy host's haproxy.cfg (the link's end) changed as the edge's is: sizing, the admin socket, the link
 * listener and its certificate files, the answer file, and nginx's loopback ports as the lab serves them.
 */
export function adaptLinkHaproxy(text: string, lab: LabOriginProxy): string {
    const file = "link haproxy.cfg";
    const { maxconn } = haproxySizing(lab.fileLimit, 1);
    return adaptHaproxy(file, text, lab, linkAdminSocket(lab), (l) => {
        if (l.keyword === "maxconn") {
            l.args = [String(maxconn)];
        } else if (l.keyword === "bind") {
            moveTo(file, lab.listen, l, 0);
            setAfter(l, "crt", lab.link.certFile);
            setAfter(l, "ca-file", lab.link.caFile);
            return "`bind`";
        } else if (l.keyword === "errorfile") {
            l.args[1] = unavailableAnswerFile(lab);
        } else if (l.keyword === "http-request" && l.args[0] === "return") {
            return moveLeavingMap(l, lab);
        } else if (l.keyword === "server") {
            moveTo(`${file} server ${l.args[0]}`, lab.listen, l, 1);
            setAfter(l, "maxconn", String(maxconn));
            return "`server`";
        }
        return undefined;
    }, ["`bind`", "`server`", "the leaving map"]);
}
