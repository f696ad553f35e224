// The proxy configs exactly as the stacks' programs render them: both programs run under the mock engine (as the
// offline plan runs them) and each instance's config is read back out of the bundle its apply command carries.
import { HostPair } from "china-edge-policy/kernel/hosts";
import { ThirdParty } from "../../components/thirdParty/hosts";
import { HAPROXY_PATHS, NGINX_PATHS } from "../../components/render/shared/paths";
import { isCnConfig, parseStackConfig, projectConfig } from "../../stacks/config";
import { groupBundle, instanceBundle } from "../plan/artifacts";
import { ProxyBundle, ReadyCheck } from "../../components/render/shared/bundle";
import { ProgramRun } from "../plan/mockEngine";
import { runStackProgram } from "../plan/planStack";
import { loadProject, loadStackConfig, stackFile, withOverrides } from "../plan/stackFiles";
import { ECS_INSTANCE } from "china-edge-policy/kernel/tokens";

export interface RenderedInstance {
    /** The instance's name in the stack, e.g. us-origin-1. */
    name: string;
    config: string;
    /** The origin proxy's conversion module; undefined for the other proxies. */
    conversionModule?: string;
    /** The origin proxy host's haproxy.cfg, which ends the link in front of nginx; undefined for the other proxies. */
    linkConfig?: string;
    /** The health probe its delivery waits for, as rendered for the host. */
    ready?: ReadyCheck;
}

export interface RenderedProxies {
    /** The served names, public ⇄ origin, primary first. */
    hosts: HostPair[];
    /** Third-party hosts and their treatment. */
    thirdParty: ThirdParty[];
    /** cn's edges, each with its haproxy.cfg. */
    edges: RenderedInstance[];
    /** us's origin proxies, each with its nginx.conf; with a scaling group, its fewest hosts, each serving the group's bundle. */
    originProxies: RenderedInstance[];
    /** cn's redirector of the old names (none when it is off), with its nginx.conf. */
    redirectors: RenderedInstance[];
    /** With maxReplicas: what every edge of cn's scaling group serves (its role's bundle, stored once), named as the role. */
    edgeGroup?: RenderedInstance;
    /** With us's maxReplicas: what every origin proxy of its group serves, and the names the edges give its NLB's addresses. */
    originGroup?: { host: RenderedInstance; balancer: string[] };
}

/** Overrides of each stack's config (key without namespace → value), as `pulumi config set` would make them. */
export interface StackOverrides {
    us?: Record<string, unknown>;
    cn?: Record<string, unknown>;
}

/** What the instance `name` serves, read out of its bundle: `file` as its config, and on an origin proxy its Lua module and link haproxy.cfg. */
function renderedInstance(name: string, bundle: ProxyBundle | undefined, file: string): RenderedInstance | undefined {
    const files = bundle?.files ?? [];
    const found = files.find((f) => f.path === file);
    const script = files.find((f) => f.path === NGINX_PATHS.conversionModule);
    const link = file === NGINX_PATHS.config ? files.find((f) => f.path === HAPROXY_PATHS.config) : undefined;
    return found ? {
        name, config: found.content, ...(script ? { conversionModule: script.content } : {}), ...(link ? { linkConfig: link.content } : {}),
        ...(bundle?.ready ? { ready: bundle.ready } : {}),
    } : undefined;
}

function instanceConfigs(run: ProgramRun, file: string): RenderedInstance[] {
    return run.resources
        .filter((r) => r.type === ECS_INSTANCE)
        .flatMap((r) => renderedInstance(r.name, instanceBundle(run.resources, r), file) ?? [])
        .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** The stack's scaling group, named as its role, with what each of its hosts serves (`file` as its config), when it has one. */
function groupConfig(run: ProgramRun, role: string, file: string): { host: RenderedInstance; minSize: number } | undefined {
    const group = run.resources.find((r) => r.type === SCALING_GROUP);
    const host = group && renderedInstance(role, groupBundle(run.resources, group), file);
    return group && host ? { host, minSize: Number(group.inputs.minSize) } : undefined;
}

const SCALING_GROUP = "alicloud:ess/scalingGroup:ScalingGroup";

/**
 * Runs the us and cn programs with the stack files (plus overrides) and returns every proxy's rendered config; the
 * certificates where TLS ends are self-signed, or with `acme` from an ACME CA (the edges', or the origin proxies' when
 * the edges pass TLS through).
 */
export async function renderedProxies(root: string, overrides: StackOverrides = {}, acme = false): Promise<RenderedProxies> {
    const project = loadProject(root);
    // The lab brings its own certificates (its CA's, or its ACME CA's with --acme), whatever the stack file says, and
    // runs no DCDN.
    const cnConfig = withOverrides(project, loadStackConfig(project, stackFile(project, "cn")),
        { certificates: acme ? "acme" : "self-signed", dcdn: false, ...overrides.cn });
    const cnParsed = parseStackConfig(projectConfig(cnConfig), "cn");
    // With the edges passing TLS through, the origin proxies order: they hold the public names' certificate then.
    const usAcme = acme && isCnConfig(cnParsed) && cnParsed.edgeTls.kind === "passthrough" ? { certificates: "acme", acmeEmail: `ops@${cnParsed.site.publicDomain}` } : {};
    const usConfig = withOverrides(project, loadStackConfig(project, stackFile(project, "us")), { ...usAcme, ...overrides.us });
    const us = await runStackProgram(project, "us", usConfig);
    const cn = await runStackProgram(project, "cn", cnConfig, { usConfig });
    const parsed = parseStackConfig(projectConfig(usConfig), "us");
    const edgeGroup = groupConfig(cn, "cn-edge", HAPROXY_PATHS.config);
    const originGroup = groupConfig(us, "us-origin", NGINX_PATHS.config);
    return {
        hosts: parsed.site.hosts,
        thirdParty: parsed.site.thirdParty,
        edges: instanceConfigs(cn, HAPROXY_PATHS.config),
        originProxies: originGroup
            ? Array.from({ length: originGroup.minSize }, (_, i) => ({ ...originGroup.host, name: `${originGroup.host.name}-${i + 1}` }))
            : instanceConfigs(us, NGINX_PATHS.config),
        redirectors: instanceConfigs(cn, NGINX_PATHS.config),
        ...(edgeGroup ? { edgeGroup: edgeGroup.host } : {}),
        ...(originGroup ? { originGroup: { host: originGroup.host, balancer: (us.outputs.originProxies as { name: string }[]).map((o) => o.name) } } : {}),
    };
}
