// The hosts' report script (the tool components/render/shared/apply/china-edge-report.py with its settings, as Cloud
// Assistant runs it on a host) run against the lab's proxies, each in its namespace, with the lab's addresses,
// files and process checks in place of the hosts'.
import * as fs from "fs";
import * as path from "path";
import { HostReport, ReportSettings, parseReport, renderReportScript } from "../../components/render/shared/report";
import { LINK_STATS_PORT, METRICS_PATH, NGINX_STATUS_PATH, STATS_PORT } from "../../components/render/shared/endpoints";
import { PortMap, adaptReady, originReadyFiles } from "./adapt";
import { LabPlaces, runOnHost, runningEdge, runningOrigin } from "./inPlace";
import { RenderedInstance, RenderedProxies } from "./rendered";
import { labRenewerDir } from "./acme";
import { mirrorHosts, relayedHosts } from "../../components/thirdParty/hosts";

/** The renewer's status of the host `name`, when the lab ordered a certificate for it. */
function renewal(dir: string, name: string): Pick<ReportSettings, "renewal"> {
    const status = path.join(labRenewerDir(dir, name), "lego", "status.json");
    return fs.existsSync(status) ? { renewal: status } : {};
}

/** What every lab proxy reports: its name, its service's check, and its rendered health check made runnable here. */
function common(proxy: RenderedInstance, listen: PortMap, active: string[], files: Record<string, string> = {}): Pick<ReportSettings, "name" | "active" | "health"> {
    if (!proxy.ready) {
        throw new Error(`${proxy.name} has no health check to report with`);
    }
    return { name: proxy.name, active, health: adaptReady(proxy.ready, listen, files).command };
}

/** Where the lab's proxies reach third-party stand-ins (`--upstream`): host → "IP:PORT" or a unix socket, and their CA. */
export interface LabStandIns {
    via: Record<string, string>;
    ca?: string;
}

/** The hosts that have a stand-in, sent there: the lab reaches nothing else outside. */
function reachStandIns(hosts: string[], standIns: LabStandIns): Pick<ReportSettings, "reach" | "reachVia" | "reachCa"> {
    const reach = hosts.filter((h) => standIns.via[h] !== undefined);
    if (reach.length === 0) {
        return {};
    }
    return { reach, reachVia: Object.fromEntries(reach.map((h) => [h, standIns.via[h]])), ...(standIns.ca ? { reachCa: standIns.ca } : {}) };
}

/** Each lab proxy's report settings and the namespace it runs in: origin proxies, then edges, as the stacks name them. */
export function labReportSettings(rendered: RenderedProxies, places: LabPlaces, standIns: LabStandIns = { via: {} }): { namespace?: string; settings: ReportSettings }[] {
    return [
        ...rendered.originProxies.map((proxy, i) => {
            const { lab, service } = runningOrigin(places, proxy.name, i);
            return {
                namespace: places.namespaces.us,
                settings: {
                    ...common(proxy, lab.listen, service.active, originReadyFiles(lab)), role: "origin proxy" as const,
                    ...(proxy.linkConfig ? { metrics: `http://${lab.listen[LINK_STATS_PORT]}${METRICS_PATH}` } : {}),
                    connections: `http://${lab.listen[STATS_PORT]}${NGINX_STATUS_PATH}`,
                    certificate: lab.certFile, ...renewal(places.dir, proxy.name), ...reachStandIns(relayedHosts(rendered.thirdParty), standIns),
                },
            };
        }),
        ...rendered.edges.map((edge, i) => {
            const { lab, service } = runningEdge(places, edge.name, i);
            return {
                namespace: places.namespaces.edge,
                settings: {
                    ...common(edge, lab.listen, service.active), role: "edge" as const, metrics: `http://${lab.listen[STATS_PORT]}${METRICS_PATH}`,
                    ...(fs.existsSync(lab.siteCertificate) ? { certificate: lab.siteCertificate } : {}), ...renewal(places.dir, edge.name),
                    ...reachStandIns(mirrorHosts(rendered.thirdParty), standIns),
                },
            };
        }),
    ];
}

/** Every lab proxy's report, made by the script Cloud Assistant runs on the hosts. */
export async function labReports(rendered: RenderedProxies, places: LabPlaces, standIns?: LabStandIns): Promise<HostReport[]> {
    const reports: HostReport[] = [];
    for (const { namespace, settings } of labReportSettings(rendered, places, standIns)) {
        const script = path.join(places.dir, `report-${settings.name}.sh`);
        fs.writeFileSync(script, renderReportScript(settings));
        const run = await runOnHost(["sh", script], {}, "", namespace);
        const report = parseReport(run.output);
        if (!report) {
            throw new Error(`the report tool printed no report for ${settings.name} (exit ${run.code}):\n${run.output}`);
        }
        reports.push(report);
    }
    return reports;
}
