// What the account must have before a stack can deploy and no resource can create, asked of the APIs that can
// tell (the deploy and preview scripts have credentials by then). What no API can tell is the README's checklist.
import { Call, apiError, roa, rpc } from "../../components/cloud/openApi";

export interface AccountApi {
    /** CDT's billing of cross-border data transfer, which the peer attachment's traffic needs. */
    crossBorderBilling(): Promise<boolean>;
    /** DCDN's service: undefined when active, else why it is not (not activated, locked for an overdue bill). */
    dcdnProblem(): Promise<string | undefined>;
    /**
     * Why the region's registry cannot hand out the pull token the hosts log in with, or undefined when it can: the
     * account's default Personal Edition instance (legacy API), or the instance named.
     */
    registryProblem(region: string, instanceId?: string): Promise<string | undefined>;
    /** Whether the account has Auto Scaling's service-linked role, which a scaling group needs before it is created. */
    autoScalingRole(): Promise<boolean>;
}

/** Auto Scaling's service-linked role (https://www.alibabacloud.com/help/en/auto-scaling/latest/manage-the-auto-scaling-service-linked-role). */
export const AUTO_SCALING_ROLE = "AliyunServiceRoleForAutoScaling";

/** The account's answers through CDT (2021-08-13), DCDN (2018-01-15) and RAM (2015-05-01). */
export function accountApi(env: NodeJS.ProcessEnv = process.env): AccountApi {
    const cdt: Call = rpc("cdt", "2021-08-13", "cdt.aliyuncs.com", env);
    const dcdn: Call = rpc("dcdn", "2018-01-15", "dcdn.aliyuncs.com", env);
    return {
        // https://www.alibabacloud.com/help/en/cdt/developer-reference/api-overview (GetCdtCbServiceStatus: Enabled)
        crossBorderBilling: async () => (await cdt("GetCdtCbServiceStatus")).Enabled === true,
        // https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/developer-reference/api-dcdn-2018-01-15-describedcdnservice
        dcdnProblem: async () => {
            let body;
            try {
                body = await dcdn("DescribeDcdnService");
            } catch (err) {
                return `not activated (${apiError(err)})`;
            }
            const locks = ((body.OperationLocks as { LockReason?: { LockReason?: string }[] } | undefined)?.LockReason ?? [])
                .map((l) => l.LockReason).filter(Boolean);
            return locks.length > 0 ? `locked (${locks.join(", ")}: an overdue bill)` : undefined;
        },
        // https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-getrole (EntityNotExist.Role when absent)
        autoScalingRole: async () => {
            try {
                await rpc("ram", "2015-05-01", "ram.aliyuncs.com", env)("GetRole", { RoleName: AUTO_SCALING_ROLE });
                return true;
            } catch (err) {
                if (String((err as { code?: string }).code).startsWith("EntityNotExist")) {
                    return false;
                }
                throw err;
            }
        },
        registryProblem: async (region, instanceId) => {
            try {
                if (instanceId) {
                    // https://www.alibabacloud.com/help/en/acr/developer-reference/api-cr-2018-12-01-getauthorizationtoken
                    await rpc("cr", "2018-12-01", `cr.${region}.aliyuncs.com`, env)("GetAuthorizationToken", { InstanceId: instanceId, RegionId: region });
                } else {
                    // GET /tokens (https://www.alibabacloud.com/help/doc-detail/72334.htm): the temporary login the
                    // registry's hosts pull with, which the legacy default instance gives once its password is set.
                    await roa("cr", "2016-06-07", `cr.${region}.aliyuncs.com`, env)("GetAuthorizationToken", "GET", "/tokens");
                }
                return undefined;
            } catch (err) {
                return apiError(err);
            }
        },
    };
}

/** A stack whose registry the hosts pull from: its region, and the Personal Edition instance it names if any. */
export interface RegistryNeed {
    stack: string;
    region: string;
    instanceId?: string;
}

const REGISTRY_CONSOLE = "https://cr.console.aliyun.com";

/** Each registry the hosts could not log in to, with where to set it up; empty when all can. */
export async function registryProblems(api: AccountApi, needs: RegistryNeed[]): Promise<string[]> {
    const problems: string[] = [];
    for (const need of needs) {
        const problem = await api.registryProblem(need.region, need.instanceId);
        if (!problem) {
            continue;
        }
        problems.push(need.instanceId
            ? `the ${need.stack} stack's registryPersonalInstanceId ${need.instanceId} gives no login in ${need.region} (${problem}): ` +
                `check the ID and that its password is set in ${REGISTRY_CONSOLE}/${need.region}/instance/list (Instances, then Access Credential)`
            : `Container Registry in ${need.region} gives no login yet (${problem}), which the ${need.stack} stack's registry and its hosts' pulls need: ` +
                `open ${REGISTRY_CONSOLE}/${need.region}/instance/list once, create the Personal Edition if asked, and set its password ` +
                "(Access Credential); or set china-edge:registryPersonalInstanceId, china-edge:registryEdition enterprise, or none");
    }
    return problems;
}

/** What the stacks being deployed ask of the account, from their config. */
export interface AccountNeeds {
    crossBorder: boolean;
    dcdn: boolean;
    /** The stacks whose proxies are a scaling group (maxReplicas). */
    autoScaling: string[];
}

/** Each missing prerequisite with where to activate it; empty when the account is ready. */
export async function accountProblems(api: AccountApi, needs: AccountNeeds): Promise<string[]> {
    const problems: string[] = [];
    if (needs.crossBorder && !(await api.crossBorderBilling())) {
        problems.push("CDT's cross-border data transfer is not activated, which the peer attachment Shanghai ⇄ US East bills through: " +
            "activate it in the CDT console (https://cdt.console.aliyun.com, API OpenCdtCbService); cross-border connections also need " +
            "the account's compliance qualification");
    }
    const dcdn = needs.dcdn ? await api.dcdnProblem() : undefined;
    if (dcdn) {
        problems.push(`DCDN is ${dcdn}: activate it in the DCDN console (https://dcdn.console.aliyun.com), or set china-edge:dcdn false on cn`);
    }
    if (needs.autoScaling.length > 0 && !(await api.autoScalingRole())) {
        const stacks = needs.autoScaling.join(" and ");
        problems.push(`Auto Scaling's service-linked role ${AUTO_SCALING_ROLE} does not exist, which the proxies' scaling group (china-edge:maxReplicas on ${stacks}) ` +
            "needs: create it once with `aliyun ram CreateServiceLinkedRole --ServiceName ess.aliyuncs.com` (or open the Auto Scaling console, " +
            `https://essnew.console.aliyun.com, which offers to), or set china-edge:maxReplicas 0 on ${stacks}`);
    }
    return problems;
}
