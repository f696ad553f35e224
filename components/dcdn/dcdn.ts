import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import { TlsMaterial } from "china-edge-policy/kernel/tls";
import { DcdnCall } from "./steps";
import { RUN_RENEWER_NOW } from "../render/shared/renew";

/** How long DCDN keeps static files when the origin does not say, seconds. */
export const STATIC_TTL_SECONDS = 86_400;

export interface DcdnArgs {
    /** The accelerated names, each its own DCDN domain. */
    publicHosts: string[];
    /** DCDN's source: the edge, by the EIP's address or the NLB's name. */
    source: pulumi.Input<string>;
    sourceType: "ipaddr" | "domain";
    scope: "domestic" | "overseas" | "global";
    /** Paths and file extensions cached; everything else is dynamic, fetched over DCDN's backbone. */
    staticPaths: string[];
    staticTypes: string[];
    /**
     * The certificate DCDN serves: the one configured, uploaded; or the edges' ACME certificate, which the host that
     * orders it (`instanceId`) hands to DCDN after each renewal, or, with no such host (a scaling group's edges), each
     * edge's renewer on its next hourly run once DCDN has the names. (SetDcdnDomainSSLCertificate documents `upload` and
     * `cas` only: https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/developer-reference/api-dcdn-2018-01-15-setdcdndomainsslcertificate)
     */
    certificate: { kind: "upload"; tls: TlsMaterial } | { kind: "renewed"; instanceId?: pulumi.Input<string> };
    /** WebSockets through DCDN: the account's switch, then each name's `websocket` function (billed apart; no HTTP/2 on those names). */
    websocket: boolean;
    /** What every domain waits for: the proof of ownership, when the stack gives it. */
    ownership?: pulumi.Resource;
}

type Functions = Record<string, Record<string, string>>;

/** The features set on every accelerated name, by DCDN function name and argument. */
export function dcdnFunctions(host: string, args: Pick<DcdnArgs, "staticPaths" | "staticTypes" | "websocket">): Functions {
    const functions: Functions = {
        // The edge passes TLS through by SNI: without it the connection is closed before any certificate.
        https_origin_sni: { enabled: "on", https_origin_sni: host },
        set_req_host_header: { domain_name: host },
        https_force: { enable: "on", https_rewrite: "301" },
        dynamic: {
            enable: "on",
            dynamic_route_origin: "https",
            ...(args.staticTypes.length > 0 ? { static_route_type: args.staticTypes.map((t) => `.${t}`).join(",") } : {}),
            ...(args.staticPaths.length > 0 ? { static_route_path: args.staticPaths.join(",") } : {}),
        },
    };
    if (args.websocket) {
        // The name's own switch (https://www.alibabacloud.com/help/en/dcdn/configure-websocket); heartbeat (60 s) and
        // back-to-origin protocol keep DCDN's defaults.
        functions.websocket = { enabled: "on" };
    }
    if (args.staticTypes.length > 0) {
        functions.filetype_based_ttl_set = { ttl: String(STATIC_TTL_SECONDS), file_type: args.staticTypes.join(","), weight: "1" };
    }
    return functions;
}

/**
 * How long a new or changed accelerated name may take to come online: the provider waits for `online` (create and
 * update) for 30 minutes by default (resource_alicloud_dcdn_domain.go), and a new name goes through DCDN's review
 * first (AddDcdnDomain's reference), which can take longer.
 */
export const DOMAIN_REVIEW_TIMEOUTS = { create: "3h", update: "1h" };

/**
 * The arguments read back after a deploy, by function: every function must be applied; these must hold as set
 * (WebSockets on, dynamic content back to the origin over HTTPS: the back-to-origin protocol WebSockets take, as they
 * are dynamic content only).
 */
function checkedArguments(functions: Functions): Record<string, Record<string, string>> {
    const kept: Record<string, string[]> = { websocket: ["enabled"], dynamic: ["enable", "dynamic_route_origin"] };
    return Object.fromEntries(Object.entries(functions).map(([f, args]) =>
        [f, Object.fromEntries(Object.entries(args).filter(([k]) => (kept[f] ?? []).includes(k)))]));
}

/** What the renewer changes on a DCDN domain when it hands over a certificate. */
const RENEWED_FIELDS = ["sslProtocol", "certType", "certName", "certId", "certRegion", "sslPub", "sslPri"] as const;

/** DCDN in front of the edge: TLS at DCDN's nodes, HTTPS back to the edge on 443 with the public name as SNI. */
export class Dcdn extends pulumi.ComponentResource {
    /** The CNAME DCDN gives each accelerated name. */
    readonly cnames: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: DcdnArgs, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:dcdn:Dcdn", name, {}, opts);
        const uploaded = args.certificate.kind === "upload";
        const certificate = args.certificate.kind === "upload"
            ? { sslProtocol: "on", certType: "upload", sslPub: args.certificate.tls.certificate, sslPri: pulumi.secret(args.certificate.tls.privateKey) }
            : { sslProtocol: "off" };
        this.cnames = {};
        const domains: alicloud.dcdn.Domain[] = [];
        // The account-level switch comes first: a name's websocket function is refused without it.
        const accountWebsocket = args.websocket
            ? new DcdnCall(`${name}-websocket-account`, { step: { action: "websocket", on: true } }, { parent: this })
            : undefined;
        for (const host of args.publicHosts) {
            const label = host.replace(/\./g, "-");
            const domain = new alicloud.dcdn.Domain(`${name}-${label}`, {
                domainName: host,
                scope: args.scope,
                sources: [{ content: args.source, type: args.sourceType, port: 443, priority: "20", weight: "10" }],
                ...certificate,
                status: "online",
            }, {
                parent: this, dependsOn: args.ownership ? [args.ownership] : [], customTimeouts: DOMAIN_REVIEW_TIMEOUTS,
                // The renewer sets the certificate from then on: the stack leaves it as the renewer left it.
                ignoreChanges: uploaded ? [] : [...RENEWED_FIELDS],
            });
            domains.push(domain);
            const functions = dcdnFunctions(host, args);
            const configs = Object.entries(functions).map(([functionName, functionArgs]) =>
                new alicloud.dcdn.DomainConfig(`${name}-${label}-${functionName.replace(/_/g, "-")}`, {
                    domainName: domain.domainName,
                    functionName,
                    functionArgs: Object.entries(functionArgs).map(([argName, argValue]) => ({ argName, argValue })),
                }, { parent: domain, dependsOn: functionName === "websocket" && accountWebsocket ? [accountWebsocket] : [] }));
            // DCDN applies a function after accepting it (status configuring, then success or failed): the deploy reads
            // each back and fails with what DCDN holds unless it applied it with the arguments that carry the traffic.
            new DcdnCall(`${name}-${label}-check`, {
                step: { action: "check-functions", domain: host, expect: checkedArguments(functions), attempts: 30, intervalSeconds: 10 },
                trigger: JSON.stringify(functions),
            }, { parent: domain, dependsOn: configs });
            this.cnames[host] = domain.cname;
        }
        if (args.certificate.kind === "renewed" && args.certificate.instanceId !== undefined) {
            // The renewer ran at the edge's delivery, before DCDN had these names: once they are online it runs again
            // and hands them the certificate, and the deploy fails with DCDN's own message if DCDN refuses it.
            const push = new alicloud.ecs.Command(`${name}-certificate`, {
                name: `china-edge-${pulumi.getStack()}-${name}-certificate`,
                description: "china-edge: the edge's certificate handed to DCDN",
                type: "RunShellScript",
                commandContent: Buffer.from(RUN_RENEWER_NOW).toString("base64"),
                timeout: 600,
            }, { parent: this });
            new alicloud.ecs.EcsInvocation(`${name}-certificate`, {
                commandId: push.id,
                instanceIds: [args.certificate.instanceId],
            }, { parent: push, dependsOn: domains, customTimeouts: { create: "12m" } });
        }
        this.registerOutputs({ cnames: this.cnames });
    }
}
