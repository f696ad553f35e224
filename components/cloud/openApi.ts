// Alibaba Cloud's RPC-style APIs through the official OpenAPI client and its default credential chain
// (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, an `aliyun configure` profile, an instance role…). Each product's endpoint
// can be replaced by a stand-in for tests: CHINA_EDGE_<PRODUCT>_ENDPOINT=http://127.0.0.1:PORT.
import OpenApi, { Config, OpenApiRequest, Params } from "@alicloud/openapi-client";
import Credential, { Config as CredentialConfig } from "@alicloud/credentials";
import { RuntimeOptions } from "@alicloud/tea-util";

export type Call = (action: string, query?: Record<string, string>) => Promise<Record<string, unknown>>;

/** An access key pair from `env` when it holds one, else the SDK's default chain (a profile, an instance role…). */
function credential(env: NodeJS.ProcessEnv): Credential {
    const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? env.ALICLOUD_ACCESS_KEY;
    const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? env.ALICLOUD_SECRET_KEY;
    const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN;
    return accessKeyId && accessKeySecret
        ? new Credential(new CredentialConfig({ type: securityToken ? "sts" : "access_key", accessKeyId, accessKeySecret, securityToken }))
        : new Credential();
}

/** A caller of one product's API version at its endpoint (`dcdn.aliyuncs.com`), or at the stand-in the environment names. */
export function rpc(product: string, version: string, endpoint: string, env: NodeJS.ProcessEnv = process.env): Call {
    const url = new URL(env[`CHINA_EDGE_${product.toUpperCase()}_ENDPOINT`] ?? `https://${endpoint}`);
    const protocol = url.protocol.replace(":", "");
    const client = new OpenApi(new Config({ credential: credential(env), endpoint: url.host, protocol }));
    return async (action, query = {}) => {
        const params = new Params({
            action, version, protocol: protocol.toUpperCase(), pathname: "/", method: "POST", authType: "AK",
            style: "RPC", reqBodyType: "formData", bodyType: "json",
        });
        const response = await client.callApi(params, new OpenApiRequest({ query }), new RuntimeOptions({ autoretry: true, maxAttempts: 3 }));
        return (response.body ?? {}) as Record<string, unknown>;
    };
}

/** The code of an API error (DomainOwnerVerifyFail…) with its message, or the message when there is no code. */
export function apiError(err: unknown): string {
    const e = err as { code?: string; message?: string; data?: { Message?: string } };
    return e.code ? `${e.code}: ${e.data?.Message ?? e.message ?? ""}`.trim() : String(e.message ?? err);
}
