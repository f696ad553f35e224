// What the account must have before the cn stack can deploy and no resource can create, asked of the APIs that can
// tell (the deploy and preview scripts have credentials by then). What no API can tell is the README's checklist.
import { Call, apiError, rpc } from "../../components/cloud/openApi";

export interface AccountApi {
    /** CDT's billing of cross-border data transfer, which the peer attachment's traffic needs. */
    crossBorderBilling(): Promise<boolean>;
    /** DCDN's service: undefined when active, else why it is not (not activated, locked for an overdue bill). */
    dcdnProblem(): Promise<string | undefined>;
}

/** The account's answers through CDT (2021-08-13) and DCDN (2018-01-15). */
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
    };
}

/** What the cn stack asks of the account, from its config. */
export interface AccountNeeds {
    crossBorder: boolean;
    dcdn: boolean;
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
    return problems;
}
