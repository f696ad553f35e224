// The DCDN operations no provider resource covers:
// - DescribeDcdnVerifyContent: the TXT value that proves ownership of a root domain
//   (https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/developer-reference/api-dcdn-2018-01-15-describedcdnverifycontent);
// - VerifyDcdnDomainOwner: checks it, once the record `verification.<domain>` holds it
//   (https://www.alibabacloud.com/help/en/edge-security-acceleration/api-verifydcdndomainowner);
// - SetDcdnUserConfig: the account's WebSocket switch, function 6, argument 12 = on
//   (https://help.aliyun.com/zh/dcdn/developer-reference/api-dcdn-2018-01-15-setdcdnuserconfig);
// - DescribeDcdnDomainConfigs: a function of a name as DCDN holds it, with its status and every argument
//   (https://www.alibabacloud.com/help/en/doc-detail/130625.html);
// - DescribeDcdnDomainRealTimeHttpCodeData: the count of each status code DCDN answered for a name, per minute over
//   the last hour, about 5 minutes late
//   (https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/developer-reference/api-dcdn-2018-01-15-describedcdndomainrealtimehttpcodedata).
import { Call, rpc } from "./openApi";

/** DCDN's API (version 2018-01-15). */
export function dcdnClient(env: NodeJS.ProcessEnv = process.env): DcdnApi {
    return new DcdnApi(rpc("dcdn", "2018-01-15", "dcdn.aliyuncs.com", env));
}

/** What DCDN answered for a name over a time range: every answer, and those with a 5xx status. */
export interface DcdnAnswers {
    requests: number;
    errors: number;
}

/** A name's function as DCDN holds it: `status` success, testing, failed or configuring, and its arguments. */
export interface DomainFunction {
    status: string;
    args: Record<string, string>;
}

interface CodeCount {
    Code?: string;
    Count?: string | number;
}

export class DcdnApi {
    constructor(private readonly call: Call) {}

    /** The content DCDN expects in the TXT record `verification.<domain>`. */
    async verifyContent(domain: string): Promise<string> {
        const body = await this.call("DescribeDcdnVerifyContent", { DomainName: domain });
        if (typeof body.Content !== "string" || body.Content === "") {
            throw new Error(`DescribeDcdnVerifyContent returned no content for ${domain}`);
        }
        return body.Content;
    }

    /** Asks DCDN to check the TXT record; throws the API's error (DomainOwnerVerifyFail) when it does not match yet. */
    async verifyOwner(domain: string): Promise<string> {
        const body = await this.call("VerifyDcdnDomainOwner", { DomainName: domain, VerifyType: "dnsCheck" });
        return String(body.Content ?? "verified");
    }

    /** The account-level WebSocket switch; each domain's own `websocket` function needs it on. */
    async setWebsocket(on: boolean): Promise<void> {
        await this.call("SetDcdnUserConfig", { FunctionId: "6", Configs: JSON.stringify([{ argId: 12, argValue: on ? "on" : "off" }]) });
    }

    /** The functions `names` of `domain` as DCDN holds them, by name; a function the name does not have is absent. */
    async domainFunctions(domain: string, names: string[]): Promise<Record<string, DomainFunction>> {
        const body = await this.call("DescribeDcdnDomainConfigs", { DomainName: domain, FunctionNames: names.join(",") });
        type Config = { FunctionName?: string; Status?: string; FunctionArgs?: { FunctionArg?: { ArgName?: string; ArgValue?: string }[] } };
        const configs = (body.DomainConfigs as { DomainConfig?: Config[] } | undefined)?.DomainConfig ?? [];
        return Object.fromEntries(configs.filter((c) => names.includes(String(c.FunctionName))).map((c) => [String(c.FunctionName), {
            status: String(c.Status ?? ""),
            args: Object.fromEntries((c.FunctionArgs?.FunctionArg ?? []).map((a) => [String(a.ArgName), String(a.ArgValue ?? "")])),
        }]));
    }

    /** Answers for `domain` from `start` to `end` (ISO 8601 UTC, at most an hour apart), counted by status class. */
    async answers(domain: string, start: string, end: string): Promise<DcdnAnswers> {
        const body = await this.call("DescribeDcdnDomainRealTimeHttpCodeData", { DomainName: domain, StartTime: start, EndTime: end });
        const minutes = ((body.RealTimeHttpCodeData as { UsageData?: { Value?: { RealTimeCodeProportionData?: CodeCount[] } }[] } | undefined)?.UsageData ?? []);
        const counts = minutes.flatMap((m) => m.Value?.RealTimeCodeProportionData ?? []);
        const sum = (list: CodeCount[]) => list.reduce((total, c) => total + (Number(c.Count) || 0), 0);
        return { requests: sum(counts), errors: sum(counts.filter((c) => String(c.Code ?? "").startsWith("5"))) };
    }
}
