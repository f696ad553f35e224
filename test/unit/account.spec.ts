// The deploy script's questions to the account before cn runs, against loopback stand-ins of CDT and DCDN.
import { strict as assert } from "assert";
import { accountApi, accountProblems } from "../../harness/ops/account";
import { cnNeeds } from "../../harness/ops/preflight";
import { FAKE_CREDENTIALS, FakeOpenApi } from "../fakeOpenApi";
import { ROOT } from "../helpers";

describe("the account's prerequisites, asked before cn deploys", () => {
    const state = { crossBorder: false, dcdn: "missing" as "missing" | "locked" | "active" };
    const fake = new FakeOpenApi((call) => {
        if (call.action === "GetCdtCbServiceStatus") {
            return { body: { Enabled: state.crossBorder } };
        }
        if (state.dcdn === "missing") {
            return { error: "InvalidDcdnService.NotOpened", message: "The DCDN service is not opened." };
        }
        return { body: { InternetChargeType: "PayByTraffic", OperationLocks: { LockReason: state.dcdn === "locked" ? [{ LockReason: "financial" }] : [] } } };
    });
    let env: NodeJS.ProcessEnv = {};
    before(async () => {
        const endpoint = await fake.start();
        env = { ...FAKE_CREDENTIALS, CHINA_EDGE_CDT_ENDPOINT: endpoint, CHINA_EDGE_DCDN_ENDPOINT: endpoint };
    });
    after(() => fake.stop());

    it("names what to activate and where: cross-border transfer, DCDN, an overdue lock", async () => {
        let problems = await accountProblems(accountApi(env), { crossBorder: true, dcdn: true });
        assert.equal(problems.length, 2);
        assert.match(problems[0], /cross-border data transfer is not activated.*cdt\.console\.aliyun\.com.*OpenCdtCbService/);
        assert.match(problems[1], /DCDN is not activated \(InvalidDcdnService\.NotOpened.*dcdn\.console\.aliyun\.com.*china-edge:dcdn false/);
        state.crossBorder = true;
        state.dcdn = "locked";
        problems = await accountProblems(accountApi(env), { crossBorder: true, dcdn: true });
        assert.deepEqual(problems.map((p) => p.split(":")[0]), ["DCDN is locked (financial"]);
        state.dcdn = "active";
        assert.deepEqual(await accountProblems(accountApi(env), { crossBorder: true, dcdn: true }), []);
        assert.deepEqual([...new Set(fake.calls.map((c) => `${c.action} ${c.signed}`))].sort(), ["DescribeDcdnService true", "GetCdtCbServiceStatus true"]);
    });

    it("does not ask about DCDN when the cn stack turns it off", async () => {
        state.dcdn = "missing";
        fake.calls.length = 0;
        assert.deepEqual(await accountProblems(accountApi(env), { crossBorder: true, dcdn: false }), []);
        assert.deepEqual(fake.calls.map((c) => c.action), ["GetCdtCbServiceStatus"]);
    });

    it("reads what the cn stack file needs", () => {
        assert.deepEqual(cnNeeds(ROOT), { crossBorder: true, dcdn: true });
    });
});
