// The DCDN operations no provider resource covers:
// - DescribeDcdnVerifyContent: the TXT value that proves ownership of a root domain
//   (https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/developer-reference/api-dcdn-2018-01-15-describedcdnverifycontent);
// - VerifyDcdnDomainOwner: checks it, once the record `verification.<domain>` holds it
//   (https://www.alibabacloud.com/help/en/edge-security-acceleration/api-verifydcdndomainowner);
// - SetDcdnUserConfig: the account's WebSocket switch, function 6, argument 12 = on
//   (https://help.aliyun.com/zh/dcdn/developer-reference/api-dcdn-2018-01-15-setdcdnuserconfig).
import { Call, rpc } from "./openApi";

/** DCDN's API (version 2018-01-15). */
export function dcdnClient(env: NodeJS.ProcessEnv = process.env): DcdnApi {
    return new DcdnApi(rpc("dcdn", "2018-01-15", "dcdn.aliyuncs.com", env));
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
}
