// What the edge, the origin proxy and the redirector share: the looked-up image, a RAM role instead of access keys,
// the instances at their placements, the ingress rules of their security group, and the private bucket their bundles
// are stored in and fetched from with that role.
import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import * as random from "@pulumi/random";
import { NetworkVswitch } from "../network/regionalNetwork";
import { CloudAssistantReady } from "./cloudAssistantReady";
import { APPLY_TIMEOUT_SECONDS, ProxyBundle, encodeBundle, renderApplyCommand } from "../render/shared/bundle";
import { packUserData } from "../render/shared/cloudInit";
import { Placement } from "./placement";
import { STORED_CERTIFICATE_PREFIX } from "../render/shared/renew";

/**
 * Debian 12 system images (cloud-init 22.4, nginx 1.22, HAProxy 2.6): the versions the rendered configs are
 * validated and run against in the tests and the lab.
 */
export const PROXY_IMAGE = { owners: "system", nameRegex: "^debian_12_\\d+_x64_20G_alibase_", mostRecent: true, isSupportCloudInit: true } as const;

export interface InstanceSettings {
    /** ECS type; the config refuses burstable and shared families. */
    instanceType: string;
    /** System disk in GB (100 or more). */
    systemDiskSize: number;
    /** System disk category (cloud_essd by default). */
    systemDiskCategory: string;
}

/** A TCP port opened to a list of IPv4 ranges. */
export interface IngressRule {
    /** Short name used in the rule's resource name, e.g. "https". */
    name: string;
    port: number;
    cidrs: pulumi.Input<string>[];
}

export interface ProxyHostsArgs {
    vswitches: NetworkVswitch[];
    securityGroupId: pulumi.Input<string>;
    placements: Placement[];
    settings: InstanceSettings;
    /** The hosts' user data (cloud-config text, sent gzip-compressed): the first-boot setup, which names nothing the proxy serves. */
    userData: pulumi.Input<string>;
    /** Whether the user data carries a secret (a licence key): then it is a secret end to end. */
    userDataIsSecret: boolean;
    /**
     * What each placement serves, by name: its bundle is stored in the bucket (a secret end to end: it carries private
     * keys), and a Cloud Assistant command has the running host fetch it and apply it in place.
     */
    bundles: Record<string, pulumi.Input<ProxyBundle>>;
    /** Ingress on the security group; SSH from adminCidrs is added here and nowhere else. */
    ingress: IngressRule[];
    /** Ranges allowed to reach SSH; empty creates no SSH rule. */
    adminCidrs: string[];
    /** RAM actions (on every resource) the hosts' role may call, e.g. the renewer's DNS; none: the role may call nothing. */
    roleActions?: string[];
    /** Whether the hosts keep one certificate in the bucket (a scaling group's): they may write and delete under its prefix. */
    storesCertificate?: boolean;
}

export interface ProxyHost {
    placement: Placement;
    instance: alicloud.ecs.Instance;
    /** The delivery of what it serves: done when the host has fetched and applied it (Cloud Assistant reports success). */
    delivery: alicloud.ecs.EcsInvocation;
    /** The instance's id once its Cloud Assistant agent runs: what any other command run on it takes. */
    commandTarget: pulumi.Output<string>;
}

/** The RAM role of the hosts `name` (what software on them names to get its temporary credentials). */
export function hostRoleName(name: string): string {
    return `china-edge-${pulumi.getStack()}-${name}`;
}

/** Where a placement's bundle is stored in its component's bucket. */
export function bundleKey(placement: string): string {
    return `${BUNDLE_PREFIX}${placement}.br85`;
}

const BUNDLE_PREFIX = "bundles/";

/**
 * The component's private bucket for its hosts' bundles, encrypted at rest (OSS's AES256), in the parent's region;
 * the hosts read it over the region's internal endpoint. Bucket names are global: a random suffix keeps them apart.
 */
function bundleBucket(parent: pulumi.ComponentResource, name: string): alicloud.oss.Bucket {
    const suffix = new random.RandomString(`${name}-bundles-suffix`, { length: 6, special: false, upper: false }, { parent });
    return new alicloud.oss.Bucket(`${name}-bundles`, {
        bucket: pulumi.interpolate`china-edge-${pulumi.getStack().toLowerCase()}-${name}-${suffix.result}`,
        storageClass: "Standard",
        redundancyType: "LRS",
        serverSideEncryptionRule: { sseAlgorithm: "AES256" },
        // Bundles are rendered from the stack: nothing in the bucket outlives it.
        forceDestroy: true,
        tags: { "china-edge": name },
    }, { parent });
}

/** What every host of a component reads with and is reached through: its rules, image, role, bucket and region. */
export interface HostFoundation {
    image: pulumi.Output<alicloud.ecs.GetImagesResult>;
    role: alicloud.ram.Role;
    rolePolicy: alicloud.ram.RolePolicyAttachment;
    bucket: alicloud.oss.Bucket;
    region: pulumi.Output<string>;
    /** The user data as the instances take it: gzip-compressed, base64, a secret when it carries one. */
    userData: pulumi.Output<string>;
}

/** The security group's rules, the image, the hosts' RAM role and the bucket their bundles are read from, under `parent`. */
export function createHostFoundation(parent: pulumi.ComponentResource, name: string,
    args: Pick<ProxyHostsArgs, "securityGroupId" | "ingress" | "adminCidrs" | "roleActions" | "userData" | "userDataIsSecret" | "storesCertificate">): HostFoundation {
    const opts = { parent };
    for (const rule of [...args.ingress, { name: "ssh", port: 22, cidrs: args.adminCidrs }]) {
        rule.cidrs.forEach((cidrIp, i) => {
            new alicloud.ecs.SecurityGroupRule(`${name}-${rule.name}-${i}`, {
                securityGroupId: args.securityGroupId,
                type: "ingress",
                ipProtocol: "tcp",
                portRange: `${rule.port}/${rule.port}`,
                cidrIp,
                nicType: "intranet",
                policy: "accept",
                priority: 1,
                description: `china-edge ${name} ${rule.name}`,
            }, opts);
        });
    }

    const image = alicloud.ecs.getImagesOutput({ ...PROXY_IMAGE }, opts);
    const role = new alicloud.ram.Role(`${name}-role`, {
        roleName: hostRoleName(name),
        description: `china-edge ${name}: instance role (no access keys on the hosts)`,
        assumeRolePolicyDocument: trustedBy("ecs.aliyuncs.com"),
    }, opts);
    // The hosts' role reads their bundles (RAM resource acs:oss:*:*:BUCKET/KEY, https://www.alibabacloud.com/help/en/oss/user-guide/ram-policy-overview)
    // and calls what roleActions lists.
    const bucket = bundleBucket(parent, name);
    const policy = new alicloud.ram.Policy(`${name}-role-policy`, {
        policyName: `china-edge-${pulumi.getStack()}-${name}`,
        description: `china-edge ${name}: what its hosts call with their role`,
        policyDocument: bucket.bucket.apply((b) => JSON.stringify({
            Version: "1",
            Statement: [
                { Effect: "Allow", Action: ["oss:GetObject"], Resource: [`acs:oss:*:*:${b}/${BUNDLE_PREFIX}*`] },
                ...(args.storesCertificate ? [{
                    Effect: "Allow", Action: ["oss:GetObject", "oss:PutObject", "oss:DeleteObject"], Resource: [`acs:oss:*:*:${b}/${STORED_CERTIFICATE_PREFIX}*`],
                }] : []),
                ...(args.roleActions?.length ? [{ Effect: "Allow", Action: args.roleActions, Resource: ["*"] }] : []),
            ],
        })),
    }, { parent: role });
    const rolePolicy = new alicloud.ram.RolePolicyAttachment(`${name}-role-policy`, {
        policyName: policy.policyName, policyType: "Custom", roleName: role.roleName,
    }, { parent: role });

    const region = alicloud.getRegionsOutput({ current: true }, { parent }).ids.apply((ids) => ids[0]);
    const encoded = pulumi.output(args.userData).apply((text) => packUserData(text).toString("base64"));
    return { image, role, rolePolicy, bucket, region, userData: args.userDataIsSecret ? pulumi.secret(encoded) : encoded };
}

/** A RAM trust policy letting the cloud service `service` assume the role. */
export function trustedBy(service: string): string {
    return JSON.stringify({ Version: "1", Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: [service] } }] });
}

/** A bundle stored in the component's bucket (a secret end to end: it carries private keys), and the command that has a host fetch and apply it. */
export function storeBundle(parent: pulumi.Resource, name: string, foundation: HostFoundation, bundle: pulumi.Input<ProxyBundle>): {
    object: alicloud.oss.BucketObject; script: pulumi.Output<string>;
} {
    const bundleText = pulumi.output(bundle).apply(encodeBundle);
    const object = new alicloud.oss.BucketObject(`${name}-bundle`, {
        bucket: foundation.bucket.bucket,
        key: bundleKey(name),
        content: pulumi.secret(bundleText),
        contentType: "text/plain",
        serverSideEncryption: "AES256",
    }, { parent });
    const script = pulumi.all([bundleText, object.bucket, object.key, foundation.bucket.intranetEndpoint, foundation.region])
        .apply(([text, b, key, endpoint, r]) => renderApplyCommand(name, { bucket: b, key, region: r, endpoint }, text));
    return { object, script };
}

/** Creates the hosts under `parent`, which carries the regional provider. */
export function createProxyHosts(parent: pulumi.ComponentResource, name: string, args: ProxyHostsArgs): ProxyHost[] {
    const foundation = createHostFoundation(parent, name, args);
    const { image, role, rolePolicy, region } = foundation;
    let previous: alicloud.ecs.EcsInvocation | undefined;
    return args.placements.map((placement) => {
        const instance = new alicloud.ecs.Instance(placement.name, {
            instanceName: placement.name,
            hostName: placement.name,
            imageId: image.ids[0],
            instanceType: args.settings.instanceType,
            availabilityZone: placement.zoneId,
            vswitchId: args.vswitches[placement.vswitch].vswitchId,
            privateIp: placement.privateIp,
            securityGroups: [args.securityGroupId],
            systemDiskCategory: args.settings.systemDiskCategory,
            systemDiskSize: args.settings.systemDiskSize,
            instanceChargeType: "PostPaid",
            internetChargeType: "PayByTraffic",
            internetMaxBandwidthOut: 0,
            userData: foundation.userData,
        }, {
            parent,
            // cloud-init applies user data at first boot only: a changed config needs a new instance. The fixed
            // private address must be free before the new one starts.
            replaceOnChanges: ["userData"],
            deleteBeforeReplace: true,
            // One replica at a time: Pulumi registers (so creates, updates or replaces) this instance only once the
            // host before it has its delivery done, which the apply tool ends only when the proxy passes its health
            // check as its balancer sees it. A dependsOn edge alone makes no dependent replacement: replacing the host
            // before does not replace this one (pulumi/pulumi, stepGenerator.calculateDependentReplacements).
            dependsOn: previous ? [previous] : [],
        });
        const roleAttachment = new alicloud.ecs.RamRoleAttachment(`${placement.name}-role`, {
            instanceId: instance.id,
            ramRoleName: role.roleName,
        }, { parent: instance });
        // The bundle in the bucket, and a new command for every change of it (the command names its digest) with its one
        // run on the host. The runs go one host at a time: each waits for the previous host to report success, so a bad
        // change stops at the first.
        const { object, script } = storeBundle(instance, placement.name, foundation, args.bundles[placement.name]);
        const command = new alicloud.ecs.Command(`${placement.name}-config`, {
            name: `china-edge-${pulumi.getStack()}-${placement.name}`,
            description: `china-edge: what ${placement.name} serves, applied in place`,
            type: "RunShellScript",
            commandContent: script.apply(base64),
            timeout: APPLY_TIMEOUT_SECONDS,
            workingDir: "/root",
        }, { parent: instance });
        // A command sent before the instance's agent runs would end Aborted: the delivery waits for it.
        const assistant = new CloudAssistantReady(`${placement.name}-assistant`, { region, instanceId: instance.id }, { parent: instance });
        // The host reads the object with its role: both there before the command runs.
        const invocation = new alicloud.ecs.EcsInvocation(`${placement.name}-config`, {
            commandId: command.id,
            instanceIds: [instance.id],
        }, {
            parent: instance,
            dependsOn: [assistant, object, roleAttachment, rolePolicy, ...(previous ? [previous] : [])],
            customTimeouts: { create: `${APPLY_TIMEOUT_SECONDS + 120}s` },
        });
        previous = invocation;
        return { placement, instance, delivery: invocation, commandTarget: pulumi.all([instance.id, assistant.status]).apply(([id]) => id) };
    });
}

const base64 = (text: string) => Buffer.from(text).toString("base64");

/** An EIP (pay by traffic) associated with an instance or a NAT gateway: its address once bound, and its id. */
export function createEip(parent: pulumi.Resource, name: string, target: pulumi.Input<string>,
    targetType: "EcsInstance" | "Nat", bandwidthMbps: number): { address: pulumi.Output<string>; id: pulumi.Output<string> } {
    const eip = new alicloud.ecs.EipAddress(name, {
        addressName: name,
        bandwidth: String(bandwidthMbps),
        internetChargeType: "PayByTraffic",
        paymentType: "PayAsYouGo",
    }, { parent });
    const association = new alicloud.ecs.EipAssociation(name, { allocationId: eip.id, instanceId: target, instanceType: targetType }, { parent: eip });
    // Consumers of the address (SNAT entries) need it bound first.
    return { address: pulumi.all([eip.ipAddress, association.id]).apply(([address]) => address), id: eip.id };
}
