// The Logtail install script Cloud Assistant runs on each host: valid shell, for a region id only.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { renderLogtailInstall } from "../../components/render/shared/logShipping";

describe("the Logtail install script", () => {
    it("is valid sh, writes the identifier before installing, and skips the install where Logtail runs", () => {
        const script = renderLogtailInstall("us-east-1", "china-edge-us-origin");
        const r = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        const lines = script.split("\n");
        const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
        assert.ok(at(/user_defined_id/) < at(/logtail\.sh install us-east-1$/), "Logtail reads its identifier when it starts");
        assert.ok(at(/ilogtaild status/) < at(/^curl /), "an installed Logtail is left as it is");
    });

    it("refuses what is not a region id", () => {
        assert.throws(() => renderLogtailInstall("us-east-1; rm -rf /", "x"), /"us-east-1; rm -rf \/" is not a region id/);
    });
});
