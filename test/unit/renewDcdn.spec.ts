// The renewer handing the certificate to DCDN, run as Python on this machine against loopback stand-ins of DCDN's API
// and of the instance's metadata service (the role's temporary credentials).
import { strict as assert } from "assert";
import { execFile } from "child_process";
import { promisify } from "util";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import OpenApiUtil from "@alicloud/openapi-util";
import { FakeOpenApi } from "../fakeOpenApi";
import { StandIn, metadataService } from "../../harness/lab/objectStore";
import { makeTls } from "../tls";
import { ROOT } from "../helpers";

const TOOLS = path.join(ROOT, "components", "render", "shared", "apply");
const CREDENTIALS = { accessKeyId: "STS.role-id", accessKeySecret: "role-secret", securityToken: "role-token" };

/** Loads the renewer as a module and runs its DCDN step once; returns what it says failed. */
const PUSH = `
import importlib.machinery, importlib.util, json, sys
loader = importlib.machinery.SourceFileLoader("renew", sys.argv[1])
renew = importlib.util.module_from_spec(importlib.util.spec_from_loader("renew", loader))
loader.exec_module(renew)
print(json.dumps(renew.push_to_dcdn(json.loads(sys.argv[2]), sys.argv[3], sys.argv[4])))
`;

describe("the renewer hands the certificate to DCDN", () => {
    const refusing = new Set<string>(["www.example.cn"]);
    const dcdn = new FakeOpenApi((call) => refusing.has(call.params.DomainName)
        ? { error: "InvalidDomain.Offline", message: "The domain is not online." }
        : { body: {} });
    let metadata: StandIn;
    let endpoint: string;
    let state: string;
    before(async () => {
        endpoint = await dcdn.start();
        metadata = await metadataService("china-edge-cn-cn-edge", CREDENTIALS);
        state = fs.mkdtempSync(path.join(os.tmpdir(), "renew-dcdn-"));
    });
    after(async () => {
        await dcdn.stop();
        await metadata.close();
    });

    // Asynchronous: the stand-ins answer from this process.
    const push = async (certificate: string, key: string): Promise<string[]> => {
        const settings = { name: "cn-edge-1", state, dcdn: { domains: ["example.cn", "www.example.cn"], endpoint } };
        const { stdout } = await promisify(execFile)("python3", ["-c", PUSH, path.join(TOOLS, "china-edge-renew.py"), JSON.stringify(settings), certificate, key], {
            env: { ...process.env, CHINA_EDGE_APPLY: path.join(TOOLS, "china-edge-apply.py"), CHINA_EDGE_METADATA: metadata.url },
        });
        return JSON.parse(stdout);
    };

    it("with the role's credentials, signed, each name once per certificate; a name DCDN refuses is tried again on the next run", async () => {
        const tls = makeTls(["example.cn", "www.example.cn"]);
        assert.deepEqual(await push(tls.certificate, tls.privateKey), ["DCDN www.example.cn: SetDcdnDomainSSLCertificate: InvalidDomain.Offline: The domain is not online."]);
        assert.deepEqual(dcdn.calls.map((c) => [c.action, c.method, c.params.DomainName]),
            [["SetDcdnDomainSSLCertificate", "POST", "example.cn"], ["SetDcdnDomainSSLCertificate", "POST", "www.example.cn"]]);
        for (const call of dcdn.calls) {
            const { Signature: signature, ...signed } = call.params;
            assert.equal(signature, OpenApiUtil.getRPCSignature(signed, "POST", CREDENTIALS.accessKeySecret), "the SDK's own V1 signature of the same parameters");
            assert.deepEqual([signed.AccessKeyId, signed.SecurityToken, signed.Version, signed.CertType, signed.SSLProtocol, signed.SSLPub, signed.SSLPri],
                [CREDENTIALS.accessKeyId, CREDENTIALS.securityToken, "2018-01-15", "upload", "on", tls.certificate, tls.privateKey]);
        }

        dcdn.calls.length = 0;
        refusing.clear();
        assert.deepEqual(await push(tls.certificate, tls.privateKey), []);
        assert.deepEqual(dcdn.calls.map((c) => c.params.DomainName), ["www.example.cn"], "only the name still waiting");
        dcdn.calls.length = 0;
        assert.deepEqual(await push(tls.certificate, tls.privateKey), []);
        assert.equal(dcdn.calls.length, 0, "nothing new to hand over");

        const renewed = makeTls(["example.cn", "www.example.cn"]);
        assert.deepEqual(await push(renewed.certificate, renewed.privateKey), []);
        assert.deepEqual(dcdn.calls.map((c) => [c.params.DomainName, c.params.SSLPub === renewed.certificate]), [["example.cn", true], ["www.example.cn", true]]);
    });
});
