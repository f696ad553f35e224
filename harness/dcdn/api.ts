// The DCDN operations no provider resource covers, through Alibaba Cloud's official OpenAPI client and its default
// credential chain (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, an `aliyun configure` profile, an instance role…):
// - DescribeDcdnVerifyContent: the TXT value that proves ownership of a root domain
//   (https://www.alibabacloud.com/help/en/edge-security-acceleration/dcdn/developer-reference/api-dcdn-2018-01-15-describedcdnverifycontent);
// - VerifyDcdnDomainOwner: checks it, once the record `verification.<domain>` holds it
//   (https://www.alibabacloud.com/help/en/edge-security-acceleration/api-verifydcdndomainowner);
// - SetDcdnUserConfig: the account's WebSocket switch, function 6, argument 12 = on
//   (https://help.aliyun.com/zh/dcdn/developer-reference/api-dcdn-2018-01-15-setdcdnuserconfig).
import OpenApi, { Config, OpenApiRequest, Params } from "@alicloud/openapi-client";
import Credential from "@alicloud/credentials";
import { RuntimeOptions } from "@alicloud/tea-util";

export const DCDN_ENDPOINT = "dcdn.aliyuncs.com";
const VERSION = "2018-01-15";

/** Where the API is reached: DCDN's endpoint over HTTPS, or a stand-in (tests) given as http://host:port. */
export function dcdnClient(endpoint = process.env.CHINA_EDGE_DCDN_ENDPOINT ?? `https://${DCDN_ENDPOINT}`): DcdnApi {
    const url = new URL(endpoint);
    const protocol = url.protocol.replace(":", "");
    const client = new OpenApi(new Config({ credential: new Credential(), endpoint: url.host, protocol }));
    return new DcdnApi(client, protocol.toUpperCase());
}

export class DcdnApi {
    constructor(private readonly client: OpenApi, private readonly protocol: string) {}

    private async call(action: string, query: Record<string, string>): Promise<Record<string, unknown>> {
        const params = new Params({
            action, version: VERSION, protocol: this.protocol, pathname: "/", method: "POST", authType: "AK",
            style: "RPC", reqBodyType: "formData", bodyType: "json",
        });
        const response = await this.client.callApi(params, new OpenApiRequest({ query }), new RuntimeOptions({ autoretry: true, maxAttempts: 3 }));
        return (response.body ?? {}) as Record<string, unknown>;
    }

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

/** The code of an API error (DomainOwnerVerifyFail…), or the message when there is none. */
export function apiError(err: unknown): string {
    const e = err as { code?: string; message?: string; data?: { Message?: string } };
    return e.code ? `${e.code}: ${e.data?.Message ?? e.message ?? ""}`.trim() : String(e.message ?? err);
}
