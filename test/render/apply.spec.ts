// The apply tool for real: a bundle applied to a running nginx in a directory of its own, as Cloud Assistant runs
// it on a proxy (validated in a private mount namespace, swapped in, reloaded, rolled back).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { BundleFile, ProxyBundle, b85decode, b85encode, bundleDigest, encodeBundle } from "../../components/render/shared/bundle";
import { RoleCredentials, bucketStandIn, metadataService, ossSignature } from "../../harness/lab/objectStore";
import { runHostTool } from "../../harness/lab/inPlace";
import { requireTools, run } from "./tools";

const TOOL = path.join(__dirname, "..", "..", "components", "render", "shared", "apply", "china-edge-apply.py");
const PORT = 18_431;

function get(pathname: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port: PORT, path: pathname, agent: false }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => { body += c.toString(); });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
    });
}

describe("the apply tool on a running nginx", function () {
    this.timeout(30_000);
    let dir: string;
    let conf: string;
    let page: string;
    const nginx = (...args: string[]) => ["nginx", "-p", dir, "-c", conf, "-e", path.join(dir, "error.log"), ...args];
    const pid = () => fs.readFileSync(path.join(dir, "nginx.pid"), "utf8").trim();

    /** nginx answering `/` with the text of `page` (a second file, so a bundle changes more than one file). */
    const config = (include = "page.conf") => `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\n` +
        `http { access_log off; server { listen 127.0.0.1:${PORT}; include ${path.join(dir, "conf", include)}; } }\n`;
    const files = (text: string, confText = config()): BundleFile[] => [
        { path: page, content: `location / { default_type text/plain; return 200 "${text}\\n"; }\n`, mode: "0644" },
        { path: conf, content: confText, mode: "0644" },
    ];
    const bundle = (f: BundleFile[], overrides: Partial<ProxyBundle> = {}): ProxyBundle => ({
        name: "test-proxy",
        files: f,
        check: nginx("-t", "-q"),
        reload: nginx("-s", "reload"),
        start: nginx(),
        active: ["sh", "-c", `kill -0 "$(cat ${dir}/nginx.pid 2>/dev/null)" 2>/dev/null`],
        ...overrides,
    });
    const apply = (b: ProxyBundle | string) => {
        const r = spawnSync("python3", [TOOL], {
            input: typeof b === "string" ? b : encodeBundle(b), encoding: "utf8",
            env: { ...process.env, CHINA_EDGE_STATE: path.join(dir, "state") },
        });
        return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
    };
    /** Waits until the answer is `text`: a reload replaces workers shortly after the signal. */
    const serves = async (text: string) => {
        for (let i = 0; i < 50; i++) {
            const r = await get("/").catch(() => undefined);
            if (r?.body === `${text}\n`) {
                return;
            }
            await new Promise((res) => setTimeout(res, 100));
        }
        assert.fail(`nginx does not answer ${text}`);
    };

    before(function () {
        requireTools(this, "nginx", "python3", "unshare");
        if (run("unshare", ["--mount", "true"]).code !== 0) {
            console.log("      skipped: no private mount namespace here (unshare --mount needs root); the tool validates in one");
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "apply-"));
        conf = path.join(dir, "conf", "nginx.conf");
        page = path.join(dir, "conf", "page.conf");
    });
    after(() => {
        if (dir && fs.existsSync(path.join(dir, "nginx.pid"))) {
            const [command, ...args] = nginx("-s", "stop");
            run(command, args);
        }
    });

    it("installs a first bundle and starts the service", async () => {
        const r = apply(bundle(files("one")));
        assert.equal(r.code, 0, r.output);
        assert.match(r.output, /applied \(2 files changed\), started/);
        await serves("one");
        assert.equal(fs.statSync(conf).mode & 0o777, 0o644);
    });

    it("does nothing for a bundle already in place, whether it comes brotli and base85 (the stack's bundles) or gzip and base64 (the renewer)", () => {
        const before = pid();
        const base64 = zlib.gzipSync(JSON.stringify(bundle(files("one")))).toString("base64");
        for (const r of [apply(bundle(files("one"))), apply(base64)]) {
            assert.equal(r.code, 0, r.output);
            assert.match(r.output, /already in place/);
        }
        assert.equal(pid(), before);
    });

    it("writes base85 as Python reads it (base64.b85encode's alphabet and tails), and reads it back", () => {
        const data = crypto.randomBytes(1030);
        for (const length of [0, 1, 2, 3, 4, 5, 1029, 1030]) {
            const slice = data.subarray(0, length);
            const python = spawnSync("python3", ["-c", "import base64, sys; print(base64.b85encode(sys.stdin.buffer.read()).decode(), end='')"], { input: slice });
            assert.equal(b85encode(slice), python.stdout.toString(), `${length} bytes`);
            assert.ok(b85decode(b85encode(slice)).equals(slice));
        }
    });

    it("swaps a change in and reloads the same master, keeping the previous files", async () => {
        const before = pid();
        const r = apply(bundle(files("two")));
        assert.equal(r.code, 0, r.output);
        assert.match(r.output, /applied \(1 files changed\), reloaded/);
        await serves("two");
        assert.equal(pid(), before, "a reload, not a restart");
        assert.match(fs.readFileSync(path.join(dir, "state", "previous", page.slice(1)), "utf8"), /"one\\n"/);
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "state", "applied.json"), "utf8")).changed, [page]);
    });

    it("refuses a config that fails the check: nothing live changes, the running config keeps serving", async () => {
        const broken = files("three", config().replace("events {}", "events { bogus_directive on; }"));
        const r = apply(bundle(broken));
        assert.equal(r.code, 1, r.output);
        assert.match(r.output, /refused .*\n.*bogus_directive/s);
        assert.match(r.output, /nothing changed; the running config keeps serving/);
        assert.doesNotMatch(fs.readFileSync(conf, "utf8"), /bogus/);
        assert.match(fs.readFileSync(page, "utf8"), /"two\\n"/, "the other file of the bundle was not installed either");
        await serves("two");
    });

    it("checks the new files together: a config naming a file only the bundle brings passes", async () => {
        const extra = path.join(dir, "conf", "extra.conf");
        const f: BundleFile[] = [
            ...files("four", config("extra.conf")),
            { path: extra, content: `location / { default_type text/plain; return 200 "four, from a new file\\n"; }\n`, mode: "0644" },
        ];
        const r = apply(bundle(f));
        assert.equal(r.code, 0, r.output);
        await serves("four, from a new file");
    });

    it("puts the previous files back when the reload fails", async () => {
        const r = apply(bundle(files("five"), { reload: ["false"] }));
        assert.equal(r.code, 1, r.output);
        assert.match(r.output, /putting the previous files back/);
        assert.match(fs.readFileSync(conf, "utf8"), /extra\.conf/);
        assert.equal(fs.existsSync(page) && /"five/.test(fs.readFileSync(page, "utf8")), false);
        await serves("four, from a new file");
    });

    it("waits until the service passes its readiness probe the times in a row asked, before it says applied", async () => {
        const flag = path.join(dir, "healthy-after");
        // Healthy from the second probe on, for a run of two: three probes, one interval apart.
        fs.writeFileSync(flag, "1");
        const probe = ["sh", "-c", `n=$(cat ${flag}); echo $((n + 1)) > ${flag}; [ "$n" -ge 2 ]`];
        const started = Date.now();
        const r = apply(bundle(files("six"), { ready: { command: probe, passes: 2, intervalSeconds: 1, timeoutSeconds: 20 } }));
        assert.equal(r.code, 0, r.output);
        assert.equal(fs.readFileSync(flag, "utf8").trim(), "4", "probed until two passed in a row");
        assert.match(r.output, /reloaded, ready \(2 health checks passed in a row\)/);
        assert.ok(Date.now() - started >= 2_000, "one interval between probes");
        await serves("six");
    });

    it("puts the previous files back when the service is not ready in time after a reload", async () => {
        const r = apply(bundle(files("seven"), { ready: { command: ["sh", "-c", "echo origin proxies down; exit 7"], passes: 2, intervalSeconds: 1, timeoutSeconds: 2 } }));
        assert.equal(r.code, 1, r.output);
        assert.match(r.output, /not ready after 2 s \(2 passes in a row needed\): origin proxies down\nputting the previous files back/);
        await serves("six");
    });

    it("runs the bundle's prepare lines first and its after lines once it is in place; a failed prepare changes nothing", async () => {
        const marks = path.join(dir, "marks");
        const r = apply(bundle(files("eight"), { prepare: [`echo prepared >> ${marks}`], after: [`echo after >> ${marks}`] }));
        assert.equal(r.code, 0, r.output);
        await serves("eight");
        assert.equal(fs.readFileSync(marks, "utf8"), "prepared\nafter\n");
        const failed = apply(bundle(files("nine"), { prepare: ["echo no certificate >&2; exit 3"], after: [`echo after >> ${marks}`] }));
        assert.equal(failed.code, 1, failed.output);
        assert.match(failed.output, /preparing failed:\nno certificate\nnothing changed/);
        assert.equal(fs.readFileSync(marks, "utf8"), "prepared\nafter\n", "nothing after a failure");
        await serves("eight");
    });

    it("refuses what is not a bundle, changing nothing", () => {
        const r = apply("not base64 gzip json");
        assert.equal(r.code, 2, r.output);
        assert.match(r.output, /not a bundle/);
    });

    describe("a bundle fetched from the stack's object storage with the host's role", () => {
        const credentials: RoleCredentials = { accessKeyId: "STS.role-key", accessKeySecret: "role-secret", securityToken: "role-token" };
        const key = "bundles/test-proxy.br85";
        let metadata: Awaited<ReturnType<typeof metadataService>>;
        let bucket: Awaited<ReturnType<typeof bucketStandIn>>;
        before(async () => {
            metadata = await metadataService("china-edge-test-proxy", credentials);
            bucket = await bucketStandIn("china-edge-test-bucket", "us-east-1", credentials);
        });
        after(async () => {
            await metadata?.close();
            await bucket?.close();
        });
        /** The tool run as the command runs it: --fetch, the region, the endpoint and the digest, `tries` at most. */
        const fetchAndApply = (sha256: string, tries = 2) => runHostTool(TOOL,
            ["--fetch", `oss://china-edge-test-bucket/${key}`, "--region", "us-east-1", "--endpoint", "oss-us-east-1-internal.aliyuncs.com", "--sha256", sha256],
            { CHINA_EDGE_STATE: path.join(dir, "state"), CHINA_EDGE_METADATA: metadata.url, CHINA_EDGE_OSS_ENDPOINT: bucket.url, CHINA_EDGE_FETCH_TRIES: String(tries) });

        it("signs as OSS's V4 signature: the OSS SDK for Python v2's own test vectors, in the tool and in the stand-in", () => {
            // alibabacloud-oss-python-sdk-v2, tests/unit/signer/test_v4.py: test_auth_header and test_auth_header_with_token.
            const query = "param1=value1&%2Bparam1=value3&%7Cparam1=value4&%2Bparam2=&%7Cparam2=&param2=";
            const headers = { "x-oss-head1": "value", abc: "value", ZAbc: "value", XYZ: "value", "content-type": "text/plain" };
            const vectors = [
                { at: 1702743657, token: undefined, signature: "e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe" },
                { at: 1702784856, token: "token", signature: "b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea" },
            ];
            for (const v of vectors) {
                const python = spawnSync("python3", ["-c", [
                    "import datetime, importlib.machinery, json, sys",
                    `tool = importlib.machinery.SourceFileLoader("apply", ${JSON.stringify(TOOL)}).load_module()`,
                    "a = json.loads(sys.argv[1])",
                    "print(tool.oss_authorization('PUT', 'bucket', '1234+-/123/1.txt', a['query'], a['headers'], ('ak', 'sk', a.get('token')), 'cn-hangzhou', datetime.datetime.fromtimestamp(a['at'], datetime.timezone.utc)))",
                ].join("\n"), JSON.stringify({ query, headers, token: v.token, at: v.at })], { encoding: "utf8" });
                const date = new Date(v.at * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
                assert.equal(python.stdout.trim(), `OSS4-HMAC-SHA256 Credential=ak/${date.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request,Signature=${v.signature}`, python.stderr);
                const signed = Object.fromEntries(Object.entries({ ...headers, "x-oss-date": date, "x-oss-content-sha256": "UNSIGNED-PAYLOAD", ...(v.token ? { "x-oss-security-token": v.token } : {}) })
                    .map(([k, value]) => [k.toLowerCase(), value]));
                assert.equal(ossSignature({ method: "PUT", bucket: "bucket", key: "1234+-/123/1.txt", query, headers: signed }, "sk", "cn-hangzhou", date), v.signature);
            }
        });

        it("fetches the bundle the command names, checks its digest and applies it", async () => {
            const stored = encodeBundle(bundle(files("fetched")));
            bucket.objects.set(key, stored);
            const r = await fetchAndApply(bundleDigest(stored));
            assert.equal(r.code, 0, r.output);
            assert.match(r.output, /applied \(1 files changed\), reloaded/);
            await serves("fetched");
            assert.deepEqual(bucket.requests.at(-1), { method: "GET", key, status: 200 }, "signed with the role's credentials, its token included");
        });

        it("waits for an object that is not there yet, and refuses one whose digest is not the command's: nothing changes", async () => {
            const late = encodeBundle(bundle(files("late")));
            bucket.objects.delete(key);
            setTimeout(() => bucket.objects.set(key, late), 1000);
            const waited = await fetchAndApply(bundleDigest(late), 3);
            assert.equal(waited.code, 0, waited.output);
            assert.equal(bucket.requests.at(-2)?.why, "NoSuchKey");
            await serves("late");

            bucket.objects.set(key, encodeBundle(bundle(files("tampered"))));
            const refused = await fetchAndApply(bundleDigest(late), 1);
            assert.equal(refused.code, 2, refused.output);
            assert.match(refused.output, /could not fetch oss:\/\/china-edge-test-bucket\/bundles\/test-proxy\.br85 .* after 1 tries: SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} this command was made for; nothing changed/);
            await serves("late");
        });

        it("names what OSS answered when the role may not read the bucket", async () => {
            const other = await metadataService("another-role", { ...credentials, accessKeySecret: "not-the-secret" });
            try {
                const r = await runHostTool(TOOL, ["--fetch", `oss://china-edge-test-bucket/${key}`, "--region", "us-east-1", "--endpoint", "e", "--sha256", "0".repeat(64)],
                    { CHINA_EDGE_STATE: path.join(dir, "state"), CHINA_EDGE_METADATA: other.url, CHINA_EDGE_OSS_ENDPOINT: bucket.url, CHINA_EDGE_FETCH_TRIES: "1" });
                assert.equal(r.code, 2, r.output);
                assert.match(r.output, /after 1 tries: 403 SignatureDoesNotMatch; nothing changed/);
            } finally {
                await other.close();
            }
            await serves("late");
        });
    });
});
