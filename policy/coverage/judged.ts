// The provider inputs the pack judges: each names where a value sits in a resource's inputs and which check reads
// it. The rules are built from this table, and a test holds it against the installed provider's typed inputs
// (harness/policy/providerInputs.ts): every input that picks an instance type, family or level, sizes a disk or
// opens an ingress rule is judged here or waived in waived.ts with its reason.
import { ECS_INSTANCE } from "../kernel/tokens";

/** What a check reads: an instance type (ecs.g8i.large), a family (ecs.g8i), a pattern's level or category, … */
export type InstanceCheck = "instanceType" | "instanceFamily" | "familyLevel" | "instanceCategory" | "burstablePerformance" | "creditSpecification";
export type DiskCheck = "systemDiskSize" | "dataDiskSize";

export interface JudgedInput<C extends string = InstanceCheck | DiskCheck> {
    token: string;
    /**
     * Where the value sits in the resource's inputs: `instanceType`, `dataDisks[].size`, `systemDisk.size`.
     * Alternatives, the first one set counting, are joined by `|` (`systemDisk.size|systemDiskSize`).
     */
    path: string;
    check: C;
    /** The size, GB, the provider documents for a disk whose size is left unset. */
    unsetGb?: number;
}

/** A rule of a security group, with the names its resource gives each part. */
export interface JudgedIngress {
    token: string;
    /** The list the rules sit in, `permissions[]`; empty when the resource is one rule. */
    holder: string;
    direction: { field: string; ingress: string };
    protocol: string;
    ports: string;
    sources: string[];
    policy: string;
}

// ECS RunInstances: "Default value: max{40, ImageSize}" for a system disk whose size is not set.
const ECS_UNSET_SYSTEM_GB = 40;

const SCALING = "alicloud:ess/scalingConfiguration:ScalingConfiguration";
const NODE_POOL = "alicloud:cs/nodePool:NodePool";
const LAUNCH_TEMPLATES = ["alicloud:ecs/ecsLaunchTemplate:EcsLaunchTemplate", "alicloud:ecs/launchTemplate:LaunchTemplate"];

const instance = (token: string, path: string, check: InstanceCheck): JudgedInput<InstanceCheck> => ({ token, path, check });
const disk = (token: string, path: string, check: DiskCheck, unsetGb?: number): JudgedInput<DiskCheck> =>
    unsetGb === undefined ? { token, path, check } : { token, path, check, unsetGb };

export const JUDGED_INSTANCE_INPUTS: JudgedInput<InstanceCheck>[] = [
    instance(ECS_INSTANCE, "instanceType", "instanceType"),
    instance(ECS_INSTANCE, "creditSpecification", "creditSpecification"),
    instance("alicloud:ecs/ecsInstanceSet:EcsInstanceSet", "instanceType", "instanceType"),
    ...LAUNCH_TEMPLATES.map((t) => instance(t, "instanceType", "instanceType")),
    instance("alicloud:ecs/autoProvisioningGroup:AutoProvisioningGroup", "launchTemplateConfigs[].instanceType", "instanceType"),
    instance(SCALING, "instanceType", "instanceType"),
    instance(SCALING, "instanceTypes[]", "instanceType"),
    instance(SCALING, "instanceTypeOverrides[].instanceType", "instanceType"),
    instance(SCALING, "customPriorities[].instanceType", "instanceType"),
    instance(SCALING, "spotPriceLimits[].instanceType", "instanceType"),
    instance(SCALING, "creditSpecification", "creditSpecification"),
    instance(SCALING, "instancePatternInfos[].burstablePerformance", "burstablePerformance"),
    instance(SCALING, "instancePatternInfos[].instanceFamilyLevel", "familyLevel"),
    instance(SCALING, "instancePatternInfos[].instanceTypeFamilies[]", "instanceFamily"),
    instance(SCALING, "instancePatternInfos[].instanceCategories[]", "instanceCategory"),
    instance("alicloud:ess/scalingGroup:ScalingGroup", "launchTemplateOverrides[].instanceType", "instanceType"),
    instance("alicloud:ess/instanceRefresh:InstanceRefresh", "desiredConfigurationLaunchTemplateOverrides[].instanceType", "instanceType"),
    instance("alicloud:ess/eciScalingConfiguration:EciScalingConfiguration", "instanceTypes[]", "instanceType"),
    instance("alicloud:ess/eciScalingConfiguration:EciScalingConfiguration", "instanceFamilyLevel", "familyLevel"),
    instance("alicloud:eci/containerGroup:ContainerGroup", "instanceType", "instanceType"),
    instance(NODE_POOL, "instanceTypes[]", "instanceType"),
    instance(NODE_POOL, "spotPriceLimits[].instanceType", "instanceType"),
    instance(NODE_POOL, "instancePatterns[].instanceFamilyLevel", "familyLevel"),
    instance(NODE_POOL, "instancePatterns[].instanceTypeFamilies[]", "instanceFamily"),
    instance(NODE_POOL, "instancePatterns[].instanceCategories[]", "instanceCategory"),
    instance("alicloud:cs/kubernetes:Kubernetes", "masterInstanceTypes[]", "instanceType"),
    instance("alicloud:cs/edgeKubernetes:EdgeKubernetes", "workerInstanceTypes[]", "instanceType"),
    instance("alicloud:ehpc/cluster:Cluster", "computeInstanceType", "instanceType"),
    instance("alicloud:ehpc/cluster:Cluster", "loginInstanceType", "instanceType"),
    instance("alicloud:ehpc/cluster:Cluster", "managerInstanceType", "instanceType"),
    instance("alicloud:ehpc/clusterV2:ClusterV2", "manager.managerNode.instanceType", "instanceType"),
    instance("alicloud:ehpc/clusterV2:ClusterV2", "queues[].computeNodes[].instanceType", "instanceType"),
    instance("alicloud:ehpc/queue:Queue", "computeNodes[].instanceType", "instanceType"),
    instance("alicloud:emr/cluster:Cluster", "hostGroups[].instanceType", "instanceType"),
    instance("alicloud:emrv2/cluster:Cluster", "nodeGroups[].instanceTypes[]", "instanceType"),
    instance("alicloud:emrv2/cluster:Cluster", "nodeGroups[].spotBidPrices[].instanceType", "instanceType"),
    instance("alicloud:cddc/dedicatedPropreHost:DedicatedPropreHost", "ecsClassLists[].instanceType", "instanceType"),
];

export const JUDGED_DISK_INPUTS: JudgedInput<DiskCheck>[] = [
    disk(ECS_INSTANCE, "systemDiskSize", "systemDiskSize", ECS_UNSET_SYSTEM_GB),
    disk(ECS_INSTANCE, "dataDisks[].size", "dataDiskSize"),
    disk("alicloud:ecs/ecsInstanceSet:EcsInstanceSet", "systemDiskSize", "systemDiskSize", ECS_UNSET_SYSTEM_GB),
    disk("alicloud:ecs/ecsInstanceSet:EcsInstanceSet", "dataDisks[].diskSize", "dataDiskSize"),
    ...LAUNCH_TEMPLATES.flatMap((t) => [
        disk(t, "systemDisk.size|systemDiskSize", "systemDiskSize", ECS_UNSET_SYSTEM_GB),
        disk(t, "dataDisks[].size", "dataDiskSize"),
    ]),
    disk("alicloud:ecs/disk:Disk", "size", "dataDiskSize"),
    disk("alicloud:ecs/ecsDisk:EcsDisk", "size", "dataDiskSize"),
    disk(SCALING, "systemDiskSize", "systemDiskSize", 40),
    disk(SCALING, "dataDisks[].size", "dataDiskSize"),
    disk(NODE_POOL, "systemDiskSize", "systemDiskSize", 40),
    disk(NODE_POOL, "dataDisks[].size", "dataDiskSize", 40),
    disk("alicloud:cs/kubernetes:Kubernetes", "masterDiskSize", "systemDiskSize", 20),
    disk("alicloud:cs/edgeKubernetes:EdgeKubernetes", "workerDiskSize", "systemDiskSize", 40),
    disk("alicloud:cs/edgeKubernetes:EdgeKubernetes", "workerDataDisks[].size", "dataDiskSize"),
    disk("alicloud:ehpc/cluster:Cluster", "systemDiskSize", "systemDiskSize", 40),
    disk("alicloud:ehpc/clusterV2:ClusterV2", "manager.managerNode.systemDisk.size", "systemDiskSize"),
    disk("alicloud:ehpc/clusterV2:ClusterV2", "queues[].computeNodes[].systemDisk.size", "systemDiskSize"),
    disk("alicloud:ehpc/queue:Queue", "computeNodes[].systemDisk.size", "systemDiskSize"),
    disk("alicloud:emr/cluster:Cluster", "hostGroups[].sysDiskCapacity", "systemDiskSize"),
    disk("alicloud:emr/cluster:Cluster", "hostGroups[].diskCapacity", "dataDiskSize"),
    disk("alicloud:emrv2/cluster:Cluster", "nodeGroups[].systemDisk.size", "systemDiskSize"),
    disk("alicloud:emrv2/cluster:Cluster", "nodeGroups[].dataDisks[].size", "dataDiskSize"),
    disk("alicloud:cddc/dedicatedPropreHost:DedicatedPropreHost", "ecsClassLists[].sysDiskCapacity", "systemDiskSize"),
    disk("alicloud:cddc/dedicatedPropreHost:DedicatedPropreHost", "ecsClassLists[].diskCapacity", "dataDiskSize"),
];

export const JUDGED_INGRESS: JudgedIngress[] = [
    {
        token: "alicloud:ecs/securityGroupRule:SecurityGroupRule", holder: "", direction: { field: "type", ingress: "ingress" },
        protocol: "ipProtocol", ports: "portRange", sources: ["cidrIp", "ipv6CidrIp"], policy: "policy",
    },
    {
        token: "alicloud:ens/securityGroup:SecurityGroup", holder: "permissions[]", direction: { field: "direction", ingress: "ingress" },
        protocol: "ipProtocol", ports: "portRange", sources: ["sourceCidrIp", "ipv6SourceCidrIp"], policy: "policy",
    },
];

/** The paths of the provider's inputs a judged ingress entry reads. */
export function ingressPaths(entry: JudgedIngress): string[] {
    const prefix = entry.holder ? `${entry.holder}.` : "";
    return [...entry.sources, entry.ports].map((f) => prefix + f);
}
