// Alibaba Cloud's APIs (RPC and resource-style) through the official OpenAPI client and its default credential chain
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

/** A caller of a resource-style (ROA) action: its HTTP method and path, as the product's API reference gives them. */
export type RoaCall = (action: string, method: "GET" | "PUT" | "POST" | "DELETE", pathname: string) => Promise<Record<string, unknown>>;

function client(product: string, endpoint: string, env: NodeJS.ProcessEnv): { client: OpenApi; protocol: string } {
    const url = new URL(env[`CHINA_EDGE_${product.toUpperCase()}_ENDPOINT`] ?? `https://${endpoint}`);
    const protocol = url.protocol.replace(":", "");
    return { client: new OpenApi(new Config({ credential: credential(env), endpoint: url.host, protocol })), protocol: protocol.toUpperCase() };
}

const RETRIES = new RuntimeOptions({ autoretry: true, maxAttempts: 3 });

/** A caller of one product's API version at its endpoint (`dcdn.aliyuncs.com`), or at the stand-in the environment names. */
export function rpc(product: string, version: string, endpoint: string, env: NodeJS.ProcessEnv = process.env): Call {
    const api = client(product, endpoint, env);
    return async (action, query = {}) => {
        const params = new Params({
            action, version, protocol: api.protocol, pathname: "/", method: "POST", authType: "AK",
            style: "RPC", reqBodyType: "formData", bodyType: "json",
        });
        const response = await api.client.callApi(params, new OpenApiRequest({ query }), RETRIES);
        return (response.body ?? {}) as Record<string, unknown>;
    };
}

/** The same for a resource-style API version (Container Registry's 2016-06-07 paths). */
export function roa(product: string, version: string, endpoint: string, env: NodeJS.ProcessEnv = process.env): RoaCall {
    const api = client(product, endpoint, env);
    return async (action, method, pathname) => {
        const params = new Params({
            action, version, protocol: api.protocol, pathname, method, authType: "AK",
            style: "ROA", reqBodyType: "json", bodyType: "json",
        });
        const response = await api.client.callApi(params, new OpenApiRequest({}), RETRIES);
        return (response.body ?? {}) as Record<string, unknown>;
    };
}

/** The code of an API error (DomainOwnerVerifyFail…) with its message, or the message when there is no code. */
export function apiError(err: unknown): string {
    const e = err as { code?: string; message?: string; data?: { Message?: string } };
    return e.code ? `${e.code}: ${e.data?.Message ?? e.message ?? ""}`.trim() : String(e.message ?? err);
}
