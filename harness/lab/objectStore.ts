// Stand-ins of what a host reads its bundle with: the instance metadata service (its RAM role's temporary
// credentials) and one private OSS bucket that answers GET only when OSS's V4 signature of those credentials checks
// out (https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4).
import * as crypto from "crypto";
import * as http from "http";
import { AddressInfo } from "net";

export interface RoleCredentials {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken: string;
}

/** RFC 3986 encoding of each character outside the unreserved set, '/' kept (Python's quote(safe="/")). */
function uriEncode(text: string): string {
    return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%2F/g, "/");
}

const hmac = (key: Buffer | string, data: string) => crypto.createHmac("sha256", key).update(data).digest();

/**
 * OSS's V4 signature (hex) of a request: `headers` with lower-case names, `query` already encoded, `stamp` its
 * x-oss-date (YYYYMMDDTHHMMSSZ).
 */
export function ossSignature(request: { method: string; bucket: string; key: string; query: string; headers: Record<string, string> },
    secret: string, region: string, stamp: string): string {
    const pairs = request.query ? request.query.split("&").map((p) => { const i = p.indexOf("="); return i < 0 ? [p, ""] : [p.slice(0, i), p.slice(i + 1)]; }) : [];
    pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
    const signed = Object.entries(request.headers).filter(([k]) => k.startsWith("x-oss-") || k === "content-type" || k === "content-md5").sort(([a], [b]) => (a < b ? -1 : 1));
    const canonical = [request.method, uriEncode(`/${request.bucket}/${request.key}`), pairs.map(([k, v]) => (v ? `${k}=${v}` : k)).join("&"),
        signed.map(([k, v]) => `${k}:${v}\n`).join(""), "", "UNSIGNED-PAYLOAD"].join("\n");
    const scope = `${stamp.slice(0, 8)}/${region}/oss/aliyun_v4_request`;
    const toSign = ["OSS4-HMAC-SHA256", stamp, scope, crypto.createHash("sha256").update(canonical).digest("hex")].join("\n");
    let key: Buffer = Buffer.from(`aliyun_v4${secret}`);
    for (const part of [stamp.slice(0, 8), region, "oss", "aliyun_v4_request"]) {
        key = hmac(key, part);
    }
    return hmac(key, toSign).toString("hex");
}

/** A server on 127.0.0.1 and an ephemeral port: its base URL and how to stop it. */
export interface StandIn {
    url: string;
    close(): Promise<void>;
}

async function serve(handler: http.RequestListener): Promise<StandIn> {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
    };
}

/** What the metadata service says of a spot instance's reclamation: its time once `notice` is set, 404 before. */
export interface SpotState {
    notice?: string;
}

/**
 * The metadata service of an instance with the RAM role `role`: a token (as in hardened mode), the role's credentials,
 * and a spot instance's reclamation notice (instance/spot/termination-time) once `spot.notice` is set.
 */
export function metadataService(role: string, credentials: RoleCredentials, spot: SpotState = {}): Promise<StandIn> {
    const token = crypto.randomBytes(16).toString("hex");
    const prefix = "/latest/meta-data/ram/security-credentials/";
    return serve((req, res) => {
        if (req.method === "PUT" && req.url === "/latest/api/token") {
            res.end(token);
            return;
        }
        if (req.headers["x-aliyun-ecs-metadata-token"] !== token) {
            res.statusCode = 401;
            res.end();
            return;
        }
        if (req.url === prefix) {
            res.end(`${role}\n`);
            return;
        }
        if (req.url === "/latest/meta-data/instance/spot/termination-time" && spot.notice) {
            res.end(spot.notice);
            return;
        }
        if (req.url === `${prefix}${role}`) {
            res.end(JSON.stringify({ AccessKeyId: credentials.accessKeyId, AccessKeySecret: credentials.accessKeySecret,
                SecurityToken: credentials.securityToken, Expiration: new Date(Date.now() + 3600_000).toISOString(), Code: "Success" }));
            return;
        }
        res.statusCode = 404;
        res.end();
    });
}

/** A bucket whose objects are `objects`; what it was asked, and what it refused and why, in `requests`. */
export interface Bucket extends StandIn {
    objects: Map<string, string>;
    requests: { method: string; key: string; status: number; why?: string }[];
}

/**
 * A private bucket `name` in `region` that only `credentials` may use (OSS's error codes on refusal): GET, PUT (with
 * x-oss-forbid-overwrite, 409 FileAlreadyExists when the object exists) and DELETE.
 */
export async function bucketStandIn(name: string, region: string, credentials: RoleCredentials): Promise<Bucket> {
    const objects = new Map<string, string>();
    const requests: Bucket["requests"] = [];
    let method = "GET";
    const refuse = (res: http.ServerResponse, key: string, status: number, code: string) => {
        requests.push({ method, key, status, why: code });
        res.statusCode = status;
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code></Error>\n`);
    };
    const standIn = await serve(async (req, res) => {
        method = req.method ?? "GET";
        const chunks: Buffer[] = [];
        for await (const chunk of req) {
            chunks.push(chunk as Buffer);
        }
        const url = new URL(req.url ?? "/", "http://bucket");
        const key = decodeURIComponent(url.pathname.slice(1));
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const auth = /^OSS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/oss\/aliyun_v4_request,Signature=([0-9a-f]{64})$/.exec(headers.authorization ?? "");
        const stamp = headers["x-oss-date"] ?? "";
        const at = Date.parse(stamp.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
        if (!["GET", "PUT", "DELETE"].includes(method) || !auth || auth[1] !== credentials.accessKeyId || auth[3] !== region) {
            return refuse(res, key, 403, "InvalidAccessKeyId");
        }
        if (headers["x-oss-security-token"] !== credentials.securityToken) {
            return refuse(res, key, 403, "InvalidSecurityToken");
        }
        if (!(Math.abs(Date.now() - at) < 15 * 60_000) || auth[2] !== stamp.slice(0, 8)) {
            return refuse(res, key, 403, "RequestTimeTooSkewed");
        }
        const expected = ossSignature({ method, bucket: name, key, query: url.search.slice(1), headers }, credentials.accessKeySecret, region, stamp);
        if (expected !== auth[4]) {
            return refuse(res, key, 403, "SignatureDoesNotMatch");
        }
        if (method === "PUT") {
            if (headers["x-oss-forbid-overwrite"] === "true" && objects.has(key)) {
                return refuse(res, key, 409, "FileAlreadyExists");
            }
            objects.set(key, Buffer.concat(chunks).toString());
            requests.push({ method, key, status: 200 });
            res.end();
            return;
        }
        if (method === "DELETE") {
            objects.delete(key);
            requests.push({ method, key, status: 204 });
            res.statusCode = 204;
            res.end();
            return;
        }
        const body = objects.get(key);
        if (body === undefined) {
            return refuse(res, key, 404, "NoSuchKey");
        }
        requests.push({ method, key, status: 200 });
        res.end(body);
    });
    return { ...standIn, objects, requests };
}
