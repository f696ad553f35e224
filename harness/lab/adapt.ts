// The rendered production configs made runnable on this machine by substituting only addresses, ports, paths and
// the figures derived from the host's file limit (recomputed with the same sizing functions). Every substitution must
// find its directive: a renderer change the lab does not know about stops the lab instead of passing silently.
import * as path from "path";
import { ReadyCheck } from "../../components/render/bundle";
import { haproxySizing, nginxSizing } from "../../components/render/tuning";
import { Line, Section, parseHaproxy, printHaproxy } from "../../components/render/haproxyConf";

/** A rendered config the lab's substitutions no longer fit. */
export class AdaptError extends Error {}

interface Rule {
    /** What the rule substitutes, for the error message. */
    what: string;
    pattern: RegExp;
    replace: (match: string, ...groups: string[]) => string;
    /** Rules for directives that only some renderings have (user, ca-file). */
    optional?: boolean;
}

function applyRules(file: string, text: string, rules: Rule[]): string {
    let result = text;
    for (const rule of rules) {
        let matched = false;
        result = result.replace(rule.pattern, (...args: string[]) => {
            matched = true;
            return rule.replace(args[0], ...args.slice(1, -2));
        });
        if (!matched && !rule.optional) {
            throw new AdaptError(`${file}: the rendered config has no ${rule.what} for the lab to substitute; ` +
                `update harness/lab/adapt.ts with the renderer`);
        }
    }
    return result;
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
    /** The link's CA, and this origin proxy's link certificate and key. */
    link: { caFile: string; certFile: string; keyFile: string };
    /** Directory for the pid file, logs and the ACME root. */
    dir: string;
    fileLimit: number;
    /** Keep the rendered `user` (the lab runs as root); otherwise it is dropped. */
    keepUser: boolean;
    /** Where the lab wrote the conversion module (a `<name>.lua` file). */
    conversionModule: string;
}

/** The substitutions every rendered nginx.conf needs: sizing, paths, certificates and listeners. */
function nginxRules(file: string, lab: Omit<LabOriginProxy, "trustedCidr" | "link" | "conversionModule" | "sitePem">): Rule[] {
    const sizing = nginxSizing(lab.fileLimit);
    return [
        { what: "`user`", pattern: /^user \S+;\n/m, replace: (m) => (lab.keepUser ? m : ""), optional: true },
        { what: "`worker_rlimit_nofile`", pattern: /^worker_rlimit_nofile \d+;/m, replace: () => `worker_rlimit_nofile ${sizing.workerRlimitNofile};` },
        { what: "`worker_connections`", pattern: /^(\s+)worker_connections \d+;/m, replace: (_m, ws) => `${ws}worker_connections ${sizing.workerConnections};` },
        { what: "`pid`", pattern: /^pid \S+;/m, replace: () => `pid ${lab.dir}/nginx.pid;` },
        { what: "`error_log`", pattern: /^error_log \S+/m, replace: () => `error_log ${lab.dir}/error.log` },
        { what: "`access_log`", pattern: /^(\s+)access_log \S+/m, replace: (_m, ws) => `${ws}access_log ${lab.dir}/access.log` },
        { what: "`ssl_certificate`", pattern: /^(\s+)ssl_certificate \S+;/m, replace: (_m, ws) => `${ws}ssl_certificate ${lab.certFile};` },
        { what: "`ssl_certificate_key`", pattern: /^(\s+)ssl_certificate_key \S+;/m, replace: (_m, ws) => `${ws}ssl_certificate_key ${lab.keyFile};` },
        {
            what: "`proxy_ssl_trusted_certificate`", pattern: /^(\s+)proxy_ssl_trusted_certificate (\S+);/gm,
            replace: (_m, ws, bundle) => `${ws}proxy_ssl_trusted_certificate ${lab.originCaFile ?? bundle};`,
        },
        { what: "`listen`", pattern: /^(\s+)listen (?:\S+:)?(\d+)\b/gm, replace: (_m, ws, port) => `${ws}listen ${mapPort(file, lab.listen, port)}` },
        { what: "upstream `server`", pattern: /^(\s+)server \S+ (max_fails)/gm, replace: (_m, ws, rest) => `${ws}server ${lab.upstream} ${rest}` },
    ];
}

export function adaptOriginNginx(text: string, lab: LabOriginProxy): string {
    const file = "nginx.conf";
    return applyRules(file, text, [
        // The link's own certificate lines first: the general rules below take the first (the site's) of each.
        { what: "link `ssl_certificate`", pattern: /^(\s+)ssl_certificate \S*link\.crt;/gm, replace: (_m, ws) => `${ws}ssl_certificate ${lab.link.certFile};`, optional: true },
        { what: "link `ssl_certificate_key`", pattern: /^(\s+)ssl_certificate_key \S*link\.key;/gm, replace: (_m, ws) => `${ws}ssl_certificate_key ${lab.link.keyFile};`, optional: true },
        { what: "`ssl_client_certificate`", pattern: /^(\s+)ssl_client_certificate \S+;/gm, replace: (_m, ws) => `${ws}ssl_client_certificate ${lab.link.caFile};`, optional: true },
        ...nginxRules(file, lab),
        // Production trusts one range per server block (the edges' VPC); the lab trusts its edge network instead.
        { what: "`set_real_ip_from`", pattern: /^(\s+)set_real_ip_from \S+;/gm, replace: (_m, ws) => `${ws}set_real_ip_from ${lab.trustedCidr};` },
        { what: "shared certificate `alias`", pattern: /^(\s+)alias \S+\.pem;/m, replace: (_m, ws) => `${ws}alias ${lab.sitePem};`, optional: true },
        { what: "ACME `root`", pattern: /^(\s+)root \S+;/m, replace: (_m, ws) => `${ws}root ${lab.dir}/acme;`, optional: true },
        // The scrapers' VPC range: the lab's scraper is this machine, in another namespace.
        { what: "status `allow`", pattern: /^(\s+)allow \d+\.\d+\.\d+\.\d+\/\d+;/gm, replace: (_m, ws) => `${ws}allow all;`, optional: true },
        { what: "`lua_package_path`", pattern: /^(\s+)lua_package_path \S+;/m, replace: (_m, ws) => `${ws}lua_package_path '${path.dirname(lab.conversionModule)}/?.lua;;';` },
    ]);
}

export interface LabRedirector extends Omit<LabOriginProxy, "trustedCidr" | "link" | "conversionModule" | "sitePem"> {
    /** The lab's GeoIP2 database. */
    geoipDatabase: string;
}

export function adaptRedirectorNginx(text: string, lab: LabRedirector): string {
    const file = "redirector nginx.conf";
    return applyRules(file, text, [
        ...nginxRules(file, lab),
        { what: "`geoip2` database", pattern: /^(\s+)geoip2 \S+ \{/m, replace: (_m, ws) => `${ws}geoip2 ${lab.geoipDatabase} {` },
    ]);
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
 * A rendered readiness probe (curl) made runnable here: the host's address and port in its `--resolve` entry and its
 * URL replaced by where the lab serves that port.
 */
export function adaptReady(ready: ReadyCheck, listen: PortMap): ReadyCheck {
    const file = `readiness probe ${ready.command.join(" ")}`;
    const split = (hostPort: string) => {
        const i = hostPort.lastIndexOf(":");
        return { address: hostPort.slice(0, i), port: hostPort.slice(i + 1) };
    };
    let substituted = 0;
    const command = ready.command.map((arg) => {
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
 * The edge's haproxy.cfg read back into its structure and changed by section, keyword and argument: sizing, the
 * admin socket, every bind and server address, the certificate and CA files; then printed by the renderer's printer.
 */
export function adaptEdgeHaproxy(text: string, lab: LabEdge): string {
    const file = "haproxy.cfg";
    const sizing = haproxySizing(lab.fileLimit, Object.keys(lab.servers).length);
    const conf = parseHaproxy(text);
    const sections = conf.filter((n): n is Section => n.kind === "section");
    const found = { socket: 0, bind: 0, serverMaxconn: 0, server: 0 };
    for (const s of sections) {
        if (!lab.keepUser) {
            s.body = s.body.filter((e) => !(e.kind === "line" && (e.keyword === "user" || e.keyword === "group")));
        }
        for (const l of s.body.filter((e): e is Line => e.kind === "line")) {
            if (l.keyword === "maxconn") {
                l.args = [String(s.type === "global" ? sizing.maxconn : sizing.frontendMaxconn)];
            } else if (l.keyword === "stats" && l.args[0] === "socket") {
                l.args[1] = `${lab.dir}/admin.sock`;
                found.socket++;
            } else if (l.keyword === "bind") {
                l.args[0] = mapPort(file, lab.listen, l.args[0].slice(l.args[0].lastIndexOf(":") + 1));
                setAfter(l, "crt", l.args.includes("strict-sni") ? lab.siteCertificate : lab.linkCertificate);
                found.bind++;
            } else if (l.keyword === "default-server") {
                found.serverMaxconn += setAfter(l, "maxconn", String(sizing.serverMaxconn)) ? 1 : 0;
            } else if (l.keyword === "server") {
                const [name, address] = l.args;
                const ports = lab.servers[name];
                if (!ports) {
                    throw new AdaptError(`${file}: server ${name} is not among the lab's origin proxies (${Object.keys(lab.servers).join(", ")})`);
                }
                l.args[1] = mapPort(`${file} server ${name}`, ports, address.slice(address.lastIndexOf(":") + 1));
                setAfter(l, "crt", lab.linkCertificate);
                found.server++;
            } else if (l.keyword === "http-request" && l.args[0] === "return") {
                setAfter(l, "file", lab.siteCertificate);
            }
            setAfter(l, "ca-file", lab.caFile);
        }
    }
    for (const [what, count] of Object.entries(found)) {
        if (count === 0) {
            throw new AdaptError(`${file}: the rendered config has no ${what} for the lab to substitute; update harness/lab/adapt.ts with the renderer`);
        }
    }
    return printHaproxy(conf);
}
