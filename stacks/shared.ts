import * as pulumi from "@pulumi/pulumi";
import { StackConfig, isCnConfig } from "./config";
import { Registry } from "../components/registry/registry";
import { RegionalNetwork } from "../components/network/regionalNetwork";
import { TRANSIT_ROUTER_ZONES } from "../components/link/transitHub";
import { ZoneDemand } from "./cloudFacts";
import { Monitoring, MonitoringOutputs } from "../components/monitoring/monitoring";
import { LogShipping, LogShippingOutputs } from "../components/monitoring/logShipping";
import { ProbeSpec, WatchedParts } from "../components/monitoring/alarmPlan";
import { ScrapeTargets, renderAlertRules, renderScrapeConfig } from "../components/render/shared/alertRules";
import { InstanceSettings } from "../components/proxy/proxyHosts";
import { LogRole, logMachineId, renderLogtailInstall } from "../components/render/shared/logShipping";

/** The config's zones paired with their vSwitch ranges, in order. */
export function zoneVswitches(config: StackConfig): { zoneId: string; cidrBlock: string }[] {
    return config.network.zones.map((zoneId, i) => ({ zoneId, cidrBlock: config.network.vswitchCidrs[i].text }));
}

/** What the stack's proxies run on: the config's instance type and system disk. */
export function proxyInstances(config: StackConfig): InstanceSettings {
    const { instanceType, systemDiskSize, systemDiskCategory } = config.proxy;
    return { instanceType, systemDiskSize, systemDiskCategory };
}

/** What the stack's proxies ask of their zones: the type and disk they run, and the transit router's attachment. */
export function proxyZones(config: StackConfig, provider: pulumi.ProviderResource): ZoneDemand {
    return {
        key: "zones", zones: config.network.zones, region: config.network.region, provider,
        instanceType: config.proxy.instanceType, diskCategory: config.proxy.systemDiskCategory, transitRouterZones: TRANSIT_ROUTER_ZONES,
    };
}

/** The stack outputs of the region's registry (none when registryEdition is none). */
export interface RegistryOutputs {
    registryVpcEndpoint?: pulumi.Output<string>;
    registryNamespace?: pulumi.Output<string>;
    registryImages?: pulumi.Output<Record<string, string>>;
    registryPassword?: pulumi.Output<string>;
    registryPullRole?: pulumi.Output<string>;
}

/** The region's registry, pulled over the stack's VPC; `provider` is the stack's regional provider. */
export function regionRegistry(config: StackConfig, network: RegionalNetwork, provider: pulumi.ProviderResource): RegistryOutputs {
    const settings = config.registry;
    if (settings.registryEdition === "none") {
        return {};
    }
    const registry = new Registry(`${config.stack.role}-registry`, {
        edition: settings.registryEdition,
        region: config.network.region,
        repositories: settings.registryRepositories,
        personalInstanceId: settings.registryPersonalInstanceId,
        vpcId: network.vpcId,
        vswitchId: network.vswitches[0].vswitchId,
    }, { provider });
    return {
        registryVpcEndpoint: registry.vpcEndpoint,
        registryNamespace: registry.namespace,
        registryImages: registry.images,
        registryPullRole: registry.pullRole,
        ...(registry.password ? { registryPassword: registry.password } : {}),
    };
}

/** What a Prometheus in the stack's VPC loads: its scrape jobs for the stack's hosts and the alerting rules. */
export interface PrometheusFiles {
    /** prometheus.yml */
    scrape: string;
    /** The rule file prometheus.yml names. */
    rules: string;
}

/** The stack's CloudMonitor contacts, probes and alarms, and its Prometheus files (none when monitoring is off). */
export function stackMonitoring(config: StackConfig, parts: Omit<WatchedParts<pulumi.Input<string>>, "probes">, probes: ProbeSpec[],
    targets: Omit<ScrapeTargets, "stack">, provider: pulumi.ProviderResource, dcdnDomains: string[] = []): { monitoring?: pulumi.Output<MonitoringOutputs>; prometheus?: PrometheusFiles } {
    const m = config.monitoring;
    if (!m.monitoring) {
        return {};
    }
    const prometheus = {
        scrape: renderScrapeConfig({ stack: pulumi.getStack(), ...targets }),
        rules: renderAlertRules({
            originErrorPercent: m.alarmOriginErrorPercent, certificateDays: m.alarmCertificateDays, forSeconds: 60,
            ...(isCnConfig(config) ? { linkMbps: config.network.crossBorderBandwidthMbps * m.alarmBandwidthPercent / 100 } : {}),
        }),
    };
    const monitoring = new Monitoring(`${config.stack.role}-monitoring`, {
        stackName: pulumi.getStack(),
        contacts: { emails: m.alarmEmails, dingTalkWebhook: m.alarmDingTalkWebhook },
        thresholds: {
            cpuPercent: m.alarmCpuPercent, memoryPercent: m.alarmMemoryPercent, bandwidthPercent: m.alarmBandwidthPercent,
            probeAvailabilityPercent: m.alarmProbeAvailabilityPercent, probeResponseMs: m.alarmProbeResponseMs,
        },
        parts,
        probes,
        certificateDays: m.alarmCertificateDays,
        ...(dcdnDomains.length > 0 ? { dcdn: { domains: dcdnDomains, errorPercent: m.alarmDcdnErrorPercent } } : {}),
    }, { provider });
    return { monitoring: monitoring.outputs, prometheus };
}

/** What a host new to a scaling group runs to ship its logs (empty when logService is off): Logtail, as LogShipping installs it on running hosts. */
export function launchLogtail(config: StackConfig): string {
    return config.logs.logService ? renderLogtailInstall(config.network.region, logMachineId(pulumi.getStack(), logRole(config))) : "";
}

const logRole = (config: StackConfig): LogRole => (config.stack.role === "cn" ? "edge" : "origin");

/** The stack's proxies' access logs shipped to Simple Log Service (nothing when logService is off). */
export function stackLogShipping(config: StackConfig, instanceIds: pulumi.Input<string>[], provider: pulumi.ProviderResource): { logs?: pulumi.Output<LogShippingOutputs> } {
    if (!config.logs.logService) {
        return {};
    }
    const shipping = new LogShipping(`${config.stack.role}-logs`, {
        stackName: pulumi.getStack(),
        region: config.network.region,
        role: logRole(config),
        instanceIds,
        retentionDays: config.logs.logRetentionDays,
    }, { provider });
    return { logs: shipping.outputs };
}
