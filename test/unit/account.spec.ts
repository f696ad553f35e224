// The deploy script's questions to the account before cn runs, against loopback stand-ins of CDT and DCDN.
import { strict as assert } from "assert";
import { accountApi, accountProblems, registryProblems } from "../../harness/ops/account";
import { cnDnsProblems, accountNeeds, cnWrittenRecords, registryNeeds } from "../../harness/ops/preflight";
import { ZoneRecord, dnsApi } from "../../harness/ops/dnsConflicts";
import { FAKE_CREDENTIALS, FakeOpenApi } from "../fakeOpenApi";
import { ROOT } from "../helpers";

describe("the account's prerequisites, asked before cn deploys", () => {
    const state = { crossBorder: false, dcdn: "missing" as "missing" | "locked" | "active", scalingRole: false };
    const fake = new FakeOpenApi((call) => {
        if (call.action === "GetCdtCbServiceStatus") {
            return { body: { Enabled: state.crossBorder } };
        }
        if (call.action === "GetRole") {
            return state.scalingRole && call.params.RoleName === "AliyunServiceRoleForAutoScaling"
                ? { body: { Role: { RoleName: call.params.RoleName, Arn: "acs:ram::1:role/aliyunserviceroleforautoscaling" } } }
                : { error: "EntityNotExist.Role", message: `The role not exists: ${call.params.RoleName}.` };
        }
        if (state.dcdn === "missing") {
            return { error: "InvalidDcdnService.NotOpened", message: "The DCDN service is not opened." };
        }
        return { body: { InternetChargeType: "PayByTraffic", OperationLocks: { LockReason: state.dcdn === "locked" ? [{ LockReason: "financial" }] : [] } } };
    });
    let env: NodeJS.ProcessEnv = {};
    before(async () => {
        const endpoint = await fake.start();
        env = { ...FAKE_CREDENTIALS, CHINA_EDGE_CDT_ENDPOINT: endpoint, CHINA_EDGE_DCDN_ENDPOINT: endpoint, CHINA_EDGE_RAM_ENDPOINT: endpoint };
    });
    after(() => fake.stop());

    it("names what to activate and where: cross-border transfer, DCDN, an overdue lock", async () => {
        let problems = await accountProblems(accountApi(env), { crossBorder: true, dcdn: true, autoScaling: [] });
        assert.equal(problems.length, 2);
        assert.match(problems[0], /cross-border data transfer is not activated.*cdt\.console\.aliyun\.com.*OpenCdtCbService/);
        assert.match(problems[1], /DCDN is not activated \(InvalidDcdnService\.NotOpened.*dcdn\.console\.aliyun\.com.*china-edge:dcdn false/);
        state.crossBorder = true;
        state.dcdn = "locked";
        problems = await accountProblems(accountApi(env), { crossBorder: true, dcdn: true, autoScaling: [] });
        assert.deepEqual(problems.map((p) => p.split(":")[0]), ["DCDN is locked (financial"]);
        state.dcdn = "active";
        assert.deepEqual(await accountProblems(accountApi(env), { crossBorder: true, dcdn: true, autoScaling: [] }), []);
        assert.deepEqual([...new Set(fake.calls.map((c) => `${c.action} ${c.signed}`))].sort(), ["DescribeDcdnService true", "GetCdtCbServiceStatus true"]);
    });

    it("does not ask about DCDN when the cn stack turns it off", async () => {
        state.dcdn = "missing";
        fake.calls.length = 0;
        assert.deepEqual(await accountProblems(accountApi(env), { crossBorder: true, dcdn: false, autoScaling: [] }), []);
        assert.deepEqual(fake.calls.map((c) => c.action), ["GetCdtCbServiceStatus"]);
    });

    it("with a scaling group of edges, asks RAM for Auto Scaling's service-linked role and says how to create it", async () => {
        state.dcdn = "active";
        state.scalingRole = false;
        fake.calls.length = 0;
        const [problem, ...rest] = await accountProblems(accountApi(env), { crossBorder: true, dcdn: false, autoScaling: ["cn"] });
        assert.deepEqual(rest, []);
        assert.match(problem, /service-linked role AliyunServiceRoleForAutoScaling does not exist.*aliyun ram CreateServiceLinkedRole --ServiceName ess\.aliyuncs\.com.*china-edge:maxReplicas 0 on cn/);
        assert.deepEqual(fake.calls.filter((c) => c.action === "GetRole").map((c) => [c.params.RoleName, c.signed]), [["AliyunServiceRoleForAutoScaling", true]]);
        state.scalingRole = true;
        assert.deepEqual(await accountProblems(accountApi(env), { crossBorder: true, dcdn: false, autoScaling: ["cn"] }), []);
    });

    it("reads what the stack files need", () => {
        assert.deepEqual(accountNeeds(ROOT, ["us", "cn"]), { crossBorder: true, dcdn: true, autoScaling: [] });
        assert.deepEqual(accountNeeds(ROOT, ["us"]), { crossBorder: false, dcdn: false, autoScaling: [] });
    });
});

describe("the registries the hosts log in to, asked before either stack deploys", () => {
    const registry = { passwordSet: false, instances: ["crpi-abc123"] };
    const fake = new FakeOpenApi((call) => {
        if (call.params.InstanceId !== undefined) {
            return registry.instances.includes(call.params.InstanceId)
                ? { body: { IsSuccess: true, TempUsername: "cr_temp_user", AuthorizationToken: "t" } }
                : { error: "INSTANCE_NOT_EXIST", message: "instance not exist" };
        }
        return registry.passwordSet
            ? { body: { data: { authorizationToken: "t", tempUserName: "cr_temp_user" } } }
            : { error: "USER_NOT_EXIST", message: "user not exist" };
    });
    let env: NodeJS.ProcessEnv = {};
    before(async () => {
        env = { ...FAKE_CREDENTIALS, CHINA_EDGE_CR_ENDPOINT: await fake.start() };
    });
    after(() => fake.stop());

    it("stops naming the console page while the default instance has no password, and an instance ID that gives no login", async () => {
        const needs = [{ stack: "us", region: "us-east-1" }, { stack: "cn", region: "cn-shanghai", instanceId: "crpi-typo" }];
        const problems = await registryProblems(accountApi(env), needs);
        assert.equal(problems.length, 2);
        assert.match(problems[0], /^Container Registry in us-east-1 gives no login yet \(USER_NOT_EXIST: user not exist\).*us stack.*cr\.console\.aliyun\.com\/us-east-1\/instance\/list.*set its password/);
        assert.match(problems[1], /cn stack's registryPersonalInstanceId crpi-typo gives no login in cn-shanghai \(INSTANCE_NOT_EXIST/);
        const legacy = fake.calls.find((c) => c.params.InstanceId === undefined)!;
        assert.deepEqual([legacy.method, legacy.path, legacy.action, legacy.signed], ["GET", "/tokens", "GetAuthorizationToken", true]);
        registry.passwordSet = true;
        assert.deepEqual(await registryProblems(accountApi(env), [needs[0], { ...needs[1], instanceId: "crpi-abc123" }]), []);
    });

    it("reads which stacks pull from a Personal Edition registry, and from which instance", () => {
        assert.deepEqual(registryNeeds(ROOT, ["us", "cn"]), [{ stack: "us", region: "us-east-1" }, { stack: "cn", region: "cn-shanghai" }]);
    });
});

describe("the records already in the zones cn writes into, asked before cn deploys", () => {
    let zone: ZoneRecord[] | undefined;
    const fake = new FakeOpenApi((call) => zone === undefined
        ? { error: "InvalidDomainName.NoExist", message: "The specified domain name does not exist." }
        : { body: { TotalCount: zone.length, DomainRecords: { Record: zone.slice((Number(call.params.PageNumber) - 1) * 500, Number(call.params.PageNumber) * 500) } } });
    let env: NodeJS.ProcessEnv = {};
    before(async () => {
        env = { ...FAKE_CREDENTIALS, CHINA_EDGE_ALIDNS_ENDPOINT: await fake.start() };
    });
    after(() => fake.stop());
    const record = (RR: string, Type: string, Value: string, Line = "default", Remark?: string): ZoneRecord =>
        ({ RR, Type, Value, Line, RecordId: `${RR}-${Type}-${Line}`, ...(Remark ? { Remark } : {}) });

    it("names each record that refuses or would answer beside the stack's, with what to do; leaves the rest alone", async function () {
        this.timeout(60_000);
        const written = (await cnWrittenRecords(ROOT))!;
        assert.deepEqual(written.map((w) => `${w.rr} ${w.line} ${w.type}`), ["verification default TXT", "@ default CNAME", "www default CNAME"]);
        zone = [
            record("@", "A", "203.0.113.10"),                       // refused beside the apex CNAME
            record("@", "MX", "mx1.example.cn"),                    // allowed at the apex
            record("@", "TXT", "v=spf1 -all"),                      // allowed at the apex
            record("www", "CNAME", "old.cdn.example.net"),          // the same type: would answer beside it
            record("www", "MX", "mx1.example.cn"),                  // refused beside a CNAME below the apex
            record("www", "A", "203.0.113.11", "internal"),         // another line
            record("verification", "TXT", "other-proof"),          // TXT beside TXT is fine
            record("shop", "A", "203.0.113.12"),                    // a name the stack does not write
            ...Array.from({ length: 600 }, (_, i) => record(`host${i}`, "A", "198.51.100.1")), // a second page
        ];
        const problems = await cnDnsProblems(dnsApi(env), written);
        assert.equal(problems.length, 3, problems.join("\n"));
        assert.match(problems[0], /^example\.cn on line default: its A record 203\.0\.113\.10 \(id @-A-default\) refuses the CNAME record the stack adds: remove it in the DNS console/);
        assert.match(problems[1], /^www\.example\.cn on line default: its CNAME record old\.cdn\.example\.net \(id www-CNAME-default\) would answer beside the CNAME record the stack adds: remove it, or let the stack adopt it: pulumi import -s cn alicloud:dns\/alidnsRecord:AlidnsRecord dns-www-default www-CNAME-default --parent 'dns=urn:pulumi:cn::china-edge::pulumi:pulumi:Stack\$china-edge:dns:DnsZone::dns'$/);
        assert.match(problems[2], /^www\.example\.cn on line default: its MX record mx1\.example\.cn \(id www-MX-default\) refuses the CNAME record/);
        assert.deepEqual(fake.calls.map((c) => [c.action, c.params.DomainName, c.params.PageNumber, c.signed]),
            [["DescribeDomainRecords", "example.cn", "1", true], ["DescribeDomainRecords", "example.cn", "2", true]]);
    });

    it("counts the stack's own records (its remark, its type) as its own, and a zone the account does not hold as empty", async () => {
        const written = [{ zone: "example.cn", rr: "www", line: "default", type: "CNAME", name: "dns-www-default" }];
        zone = [record("www", "CNAME", "x.dcdn.example", "default", "china-edge")];
        assert.deepEqual(await cnDnsProblems(dnsApi(env), written), []);
        zone = undefined;
        assert.deepEqual(await cnDnsProblems(dnsApi(env), written), []);
    });
});
