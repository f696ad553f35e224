import * as pulumi from "@pulumi/pulumi";
import * as alicloud from "@pulumi/alicloud";
import * as random from "@pulumi/random";

/** Enterprise Edition: the smallest instance type, paid monthly and renewed until the stack is destroyed. */
const ENTERPRISE = { instanceType: "Basic", paymentType: "Subscription", period: 1, renewalStatus: "AutoRenewal", renewPeriod: 1 } as const;

export interface RegistryArgs {
    /** Personal Edition (free) or Enterprise Edition (a paid instance). */
    edition: "personal" | "enterprise";
    /** The provider's region, which the endpoints name. */
    region: string;
    repositories: string[];
    /** Personal Edition instance of the region (crpi-…), when the account has one. */
    personalInstanceId?: string;
    /** Enterprise Edition: the VPC (and a vSwitch of it) whose hosts pull over the intranet. */
    vpcId: pulumi.Input<string>;
    vswitchId: pulumi.Input<string>;
}

/**
 * The region's container registry: a namespace with the configured repositories, pulled by the region's hosts over
 * its VPC endpoint (Personal Edition instances made since 2024-09 cannot be pulled from over the internet at all).
 */
export class Registry extends pulumi.ComponentResource {
    /** The namespace, unique across Alibaba Cloud: a fixed prefix and a random suffix kept in state. */
    readonly namespace: pulumi.Output<string>;
    /** Host name to pull from inside the region's VPC. */
    readonly vpcEndpoint: pulumi.Output<string>;
    /** Image references to pull, "<endpoint>/<namespace>/<repository>", by repository. */
    readonly images: pulumi.Output<Record<string, string>>;
    /** Enterprise Edition: the instance's login password (a secret); undefined for Personal Edition. */
    readonly password?: pulumi.Output<string>;
    /** The RAM role hosts that pull are given: it may ask for a temporary login and pull this namespace, nothing else. */
    readonly pullRole: pulumi.Output<string>;

    constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:registry:Registry", name, {}, opts);
        const suffix = new random.RandomString(`${name}-suffix`, { length: 6, special: false, upper: false }, { parent: this });
        this.namespace = pulumi.interpolate`china-edge-${suffix.result}`;

        let instanceForArn: pulumi.Input<string> | undefined;
        if (args.edition === "personal" && args.personalInstanceId) {
            instanceForArn = args.personalInstanceId;
            // An instance-based Personal Edition (crpi-…): the namespace is made inside that instance through the
            // instance API (cr 2018-12-01 CreateNamespace, which takes InstanceId), the same one Enterprise
            // instances use, so images pushed there are the ones its own endpoint serves.
            this.instanceNamespace(name, args, args.personalInstanceId, this);
            this.vpcEndpoint = pulumi.output(`${args.personalInstanceId}-vpc.${args.region}.personal.cr.aliyuncs.com`);
        } else if (args.edition === "personal") {
            // The account's default Personal Edition instance, reached through the legacy API (no instance ID).
            // cr.Namespace and cr.Repo are deprecated in favour of the instance resources
            // (aliyun/terraform-provider-alicloud#9652) but remain the only way to this instance.
            const namespace = new alicloud.cr.Namespace(`${name}-namespace`, {
                name: this.namespace,
                autoCreate: false,
                defaultVisibility: "PRIVATE",
            }, { parent: this });
            for (const repo of args.repositories) {
                new alicloud.cr.Repo(`${name}-${repo}`, {
                    namespace: namespace.name,
                    name: repo,
                    repoType: "PRIVATE",
                    summary: `china-edge ${repo}`,
                }, { parent: namespace });
            }
            this.vpcEndpoint = pulumi.output(`registry-vpc.${args.region}.aliyuncs.com`);
        } else {
            const password = new random.RandomPassword(`${name}-password`, {
                length: 24, special: false, minUpper: 2, minLower: 2, minNumeric: 2,
            }, { parent: this });
            // The instance takes the namespace's name: unique across Alibaba Cloud for the same reason.
            const instanceName = this.namespace;
            const instance = new alicloud.cr.RegistryEnterpriseInstance(`${name}-instance`, {
                ...ENTERPRISE,
                instanceName,
                password: pulumi.secret(password.result),
            }, { parent: this });
            // New Enterprise instances block all traffic: the VPC link is what lets the region's hosts pull.
            new alicloud.cr.VpcEndpointLinkedVpc(`${name}-vpc-link`, {
                instanceId: instance.id,
                moduleName: "Registry",
                vpcId: args.vpcId,
                vswitchId: args.vswitchId,
                enableCreateDnsRecordInPvzt: true,
            }, { parent: instance });
            this.instanceNamespace(name, args, instance.id, instance);
            instanceForArn = instance.id;
            this.vpcEndpoint = pulumi.interpolate`${instanceName}-registry-vpc.${args.region}.cr.aliyuncs.com`;
            this.password = pulumi.secret(password.result);
        }
        this.images = pulumi.all([this.vpcEndpoint, this.namespace]).apply(([endpoint, ns]) =>
            Object.fromEntries(args.repositories.map((repo) => [repo, `${endpoint}/${ns}/${repo}`])));
        this.pullRole = this.createPullRole(name, args, instanceForArn);
        this.registerOutputs({ namespace: this.namespace, vpcEndpoint: this.vpcEndpoint, images: this.images, pullRole: this.pullRole });
    }

    /**
     * A role for the hosts that pull, so that none holds a password: with it, `aliyun cr GetAuthorizationToken` on
     * the host (credentials from the instance's metadata) returns a login valid for an hour. Resources in the
     * format of Container Registry's RAM reference: repository/NAMESPACE for the account's default Personal
     * Edition (https://www.alibabacloud.com/help/doc-detail/67992.htm), repository/INSTANCE/NAMESPACE for an instance
     * (https://www.alibabacloud.com/help/en/acr/user-guide/ram-authorization-information).
     */
    private createPullRole(name: string, args: RegistryArgs, instanceId: pulumi.Input<string> | undefined): pulumi.Output<string> {
        const role = new alicloud.ram.Role(`${name}-pull-role`, {
            roleName: `china-edge-${pulumi.getStack()}-${name}-pull`,
            description: `china-edge ${name}: given to hosts that pull the namespace's images`,
            assumeRolePolicyDocument: JSON.stringify({
                Version: "1",
                Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: ["ecs.aliyuncs.com"] } }],
            }),
        }, { parent: this });
        const policy = new alicloud.ram.Policy(`${name}-pull-policy`, {
            policyName: `china-edge-${pulumi.getStack()}-${name}-pull`,
            description: `china-edge ${name}: a temporary login and pulls of the namespace`,
            policyDocument: pulumi.all([this.namespace, instanceId]).apply(([ns, instance]) => {
                const scope = `acs:cr:${args.region}:*:repository/${instance ? `${instance}/` : ""}${ns}`;
                return JSON.stringify({
                    Version: "1",
                    Statement: [
                        { Effect: "Allow", Action: ["cr:GetAuthorizationToken"], Resource: ["*"] },
                        { Effect: "Allow", Action: ["cr:PullRepository", "cr:GetRepository", "cr:ListRepository"], Resource: [scope, `${scope}/*`] },
                    ],
                });
            }),
        }, { parent: role });
        new alicloud.ram.RolePolicyAttachment(`${name}-pull-policy`, {
            policyName: policy.policyName, policyType: "Custom", roleName: role.roleName,
        }, { parent: role });
        return role.roleName;
    }

    /** The namespace and its repositories inside an instance (Enterprise, or an instance-based Personal Edition). */
    private instanceNamespace(name: string, args: RegistryArgs, instanceId: pulumi.Input<string>, parent: pulumi.Resource): void {
        const namespace = new alicloud.cs.RegistryEnterpriseNamespace(`${name}-namespace`, {
            instanceId,
            name: this.namespace,
            autoCreate: false,
            defaultVisibility: "PRIVATE",
        }, { parent });
        for (const repo of args.repositories) {
            new alicloud.cs.RegistryEnterpriseRepo(`${name}-${repo}`, {
                instanceId,
                namespace: namespace.name,
                name: repo,
                repoType: "PRIVATE",
                summary: `china-edge ${repo}`,
            }, { parent: namespace });
        }
    }
}
