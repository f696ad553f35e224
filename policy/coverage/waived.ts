// Provider inputs that look like what the pack judges but are left alone, each with its reason. A waiver names
// resource tokens (a whole module with `alicloud:<module>/`) and the paths it covers.

export interface Waiver {
    /** Tokens, or module prefixes ending in `/`. */
    tokens: string[];
    /** The inputs it covers, matched against the whole path (`nodeGroups[].ackConfig.pvcs[].dataDiskSize`). */
    paths: RegExp;
    reason: string;
}

const ANY = /.*/;

export const WAIVERS: Waiver[] = [
    {
        tokens: ["alicloud:alikafka/", "alicloud:amqp/", "alicloud:apigateway/", "alicloud:cassandra/", "alicloud:cr/",
            "alicloud:databasefilesystem/", "alicloud:dms/", "alicloud:eais/", "alicloud:ecp/", "alicloud:elasticsearch/",
            "alicloud:fc/", "alicloud:hbase/", "alicloud:hologram/", "alicloud:kvstore/", "alicloud:lindorm/", "alicloud:ocean/",
            "alicloud:ots/", "alicloud:rds/", "alicloud:redis/", "alicloud:starrocks/", "alicloud:cloudstoragegateway/"],
        paths: ANY,
        reason: "a managed service's own class or storage plan (rds.mysql.s2.large, kafka disk GB): no ECS instance or disk of the account is chosen",
    },
    {
        tokens: ["alicloud:cen/", "alicloud:cloudfirewall/", "alicloud:dbs/", "alicloud:dts/", "alicloud:ddos/", "alicloud:eipanycast/",
            "alicloud:eventbridge/", "alicloud:expressconnect/", "alicloud:ecs/eipAssociation:EipAssociation",
            "alicloud:ens/eipInstanceAttachment:EipInstanceAttachment", "alicloud:vpc/hAVipAttachment:HAVipAttachment",
            "alicloud:vpc/ipv6EgressRule:Ipv6EgressRule", "alicloud:vpc/vPCRouteEntry:VPCRouteEntry"],
        paths: /instanceType/i,
        reason: "names the kind of resource attached or routed to (VPC, EcsInstance, SlbInstance, RDS), not an instance type",
    },
    {
        tokens: ["alicloud:ecs/ecsNetworkInterface:EcsNetworkInterface", "alicloud:vpc/networkInterface:NetworkInterface"],
        paths: /^instanceType$/,
        reason: "an elastic network interface's type (Secondary, Trunk), not an instance type",
    },
    {
        tokens: ["alicloud:ess/scalingConfiguration:ScalingConfiguration"],
        paths: /^networkInterfaces\[\]\.instanceType$/,
        reason: "the type of a scaling configuration's network interface (Primary, Secondary), not an instance type",
    },
    {
        tokens: ["alicloud:ess/scalingConfiguration:ScalingConfiguration", "alicloud:cs/nodePool:NodePool"],
        paths: /excludedInstanceTypes\[\]$/,
        reason: "excludes types from a pattern: it can only narrow what the judged family, level and category allow",
    },
    {
        tokens: ["alicloud:ecs/capacityReservation:CapacityReservation", "alicloud:ecs/elasticityAssurance:ElasticityAssurance",
            "alicloud:ecs/reservedInstance:ReservedInstance"],
        paths: ANY,
        reason: "reserves or discounts capacity and creates no instance; the instances that use it are judged where they are declared",
    },
    {
        tokens: ["alicloud:ecs/ecsImagePipeline:EcsImagePipeline"],
        paths: ANY,
        reason: "a temporary instance that builds an image and is released when the image is ready; it serves nothing",
    },
    {
        tokens: ["alicloud:ecs/image:Image", "alicloud:ecs/imageImport:ImageImport"],
        paths: ANY,
        reason: "the size of an image's disk snapshot; an instance launched from it sets its own disk size, which is judged",
    },
    {
        tokens: ["alicloud:ens/"],
        paths: /instanceType$|[sS]ize$/,
        reason: "Edge Node Service machines (ens.sn1.*), sold outside ECS's families and disk categories; their security groups are judged",
    },
    {
        tokens: ["alicloud:eds/"],
        paths: ANY,
        reason: "cloud desktops: bundles' disks and desktop clients' access policies, not servers or their ingress",
    },
    {
        tokens: ["alicloud:eflo/"],
        paths: ANY,
        reason: "Lingjun bare-metal GPU nodes sold as whole machines, outside ECS instance families",
    },
    {
        tokens: ["alicloud:simpleapplicationserver/"],
        paths: ANY,
        reason: "Simple Application Server plans fix the machine and its disks together; the plan is chosen by plan id",
    },
    {
        tokens: ["alicloud:ess/eciScalingConfiguration:EciScalingConfiguration"],
        paths: /^volumes\[\]\./,
        reason: "a container volume of an elastic container instance, not an ECS disk",
    },
    {
        tokens: ["alicloud:emrv2/cluster:Cluster"],
        paths: /ackConfig\.pvcs\[\]/,
        reason: "a Kubernetes persistent volume claim of an EMR-on-ACK node group, not an ECS disk",
    },
    {
        tokens: ["alicloud:nas/accessRule:AccessRule"],
        paths: ANY,
        reason: "who may mount a file system over NFS inside a VPC, not a port open on a host",
    },
    {
        tokens: ["alicloud:vpc/networkAcl:NetworkAcl", "alicloud:vpc/networkAclEntries:NetworkAclEntries"],
        paths: ANY,
        reason: "a network ACL only narrows what security groups allow; the security group rule is what opens a port, and it is judged",
    },
];

/** The waiver covering an input, if any. */
export function waiverFor(token: string, path: string): Waiver | undefined {
    return WAIVERS.find((w) => w.tokens.some((t) => (t.endsWith("/") ? token.startsWith(t) : token === t)) && w.paths.test(path));
}
