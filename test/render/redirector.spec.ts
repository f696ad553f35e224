import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { renderRedirectorNginx } from "../../components/render/redirector/redirectorNginx";
import { renderGeoipUpdateScript } from "../../components/render/redirector/geoipUpdate";
import { redirectorBundle, redirectorUserData } from "../../components/render/redirector/redirectorHost";
import { GEOIP2_MODULE } from "../../components/render/shared/paths";
import { geoipWriterAvailable, writeGeoipDatabase } from "../../harness/lab/geoipDb";
import { makeTls } from "../tls";
import { SEVERAL_HOSTS, redirectorInput } from "./inputs";
import { cloudInitSchema, nginxCheck, requireTools, run } from "./tools";

function tmp(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe("the redirector's rendered files", () => {
    describe("nginx -t", () => {
        let dir: string;
        let database: string;
        before(function () {
            requireTools(this, "nginx", "openssl", "perl");
            if (!fs.existsSync(GEOIP2_MODULE) || !geoipWriterAvailable()) {
                console.log("      skipped: libnginx-mod-http-geoip2 or libmaxmind-db-writer-perl not installed (bash scripts/dev.sh installs them)");
                this.skip();
            }
            dir = makeTls(SEVERAL_HOSTS.map((h) => h.origin)).dir;
            database = path.join(dir, "country.mmdb");
            writeGeoipDatabase(database, { "127.0.0.2": "CN" });
        });

        const cases = {
            "several names, 301": {},
            "one name, 302, no exempt paths": { hosts: SEVERAL_HOSTS.slice(0, 1), status: 302 as const, exemptPaths: [] },
            "listening on every address": { listen: { port: 7445 } },
        };
        for (const [name, overrides] of Object.entries(cases)) {
            it(`accepts ${name}`, () => {
                const file = path.join(dir, `redirector-${name.replace(/\W+/g, "-")}.conf`);
                fs.writeFileSync(file, renderRedirectorNginx(redirectorInput(dir, database, overrides)));
                const r = nginxCheck(file, dir);
                assert.equal(r.code, 0, r.output);
            });
        }

        it("refuses a missing database, so the checks above can fail", () => {
            const file = path.join(dir, "redirector-no-db.conf");
            fs.writeFileSync(file, renderRedirectorNginx(redirectorInput(dir, path.join(dir, "absent.mmdb"))));
            const r = nginxCheck(file, dir);
            assert.notEqual(r.code, 0);
            assert.match(r.output, /absent\.mmdb/);
        });
    });

    it("gives cloud-init a document it accepts; the database is fetched at first boot, which the bundle waits for", function () {
        requireTools(this, "cloud-init");
        const dir = tmp("redirector-ci-");
        const conf = renderRedirectorNginx(redirectorInput(dir, "/var/lib/GeoIP/GeoLite2-Country.mmdb"));
        for (const [name, geoip] of Object.entries({
            dbip: { database: "/var/lib/GeoIP/GeoLite2-Country.mmdb", refreshHours: 24 },
            maxmind: { database: "/var/lib/GeoIP/GeoLite2-Country.mmdb", refreshHours: 24, maxmind: { accountId: "1", licenseKey: "key_123456" } },
        })) {
            const text = redirectorUserData(geoip);
            const file = path.join(dir, `${name}.yaml`);
            fs.writeFileSync(file, text);
            const r = cloudInitSchema(file);
            assert.equal(r.code, 0, r.output);
            assert.ok(text.includes("china-edge-geoip-update && break"), "the first download at first boot");
            assert.doesNotMatch(text, /systemctl enable nginx/, "nginx starts with its bundle");
        }
        const bundle = redirectorBundle("hk-redirector-1", conf, ["example.com"]);
        assert.equal(bundle.files.find((f) => f.path === "/etc/nginx/nginx.conf")!.content, conf);
        assert.match(bundle.prepare![0], /openssl req -x509 .*\/CN=example\.com /, "a self-signed certificate for the old names until one is configured");
    });

    describe("the database refresh script", () => {
        /** Runs the script with a stand-in curl that serves `files` (URL substring → file) and logs its arguments. */
        function refresh(source: Parameters<typeof renderGeoipUpdateScript>[0]["source"], files: Record<string, string>, extra = "") {
            const dir = tmp("geoip-update-");
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin);
            const routes = Object.entries(files).map(([match, file]) => `*${match}*) cp ${file} "$out"; exit 0 ;;`).join("\n    ");
            fs.writeFileSync(path.join(bin, "curl"), `#!/bin/sh
echo "$@" >> ${dir}/curl.log
case " $* " in *" -K - "*) cat >> ${dir}/curl.log ;; esac
out=""; url=""
while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift ;; http*) url=$1 ;; esac; shift; done
case "$url" in
    ${routes}
esac
exit 22
`, { mode: 0o755 });
            const database = path.join(dir, "GeoIP", "country.mmdb");
            const script = path.join(dir, "update");
            fs.writeFileSync(script, renderGeoipUpdateScript({ database, source, refreshHours: 24 }).replace(/--retry-delay 10/, "--retry-delay 0") + extra, { mode: 0o755 });
            const r = run("sh", [script], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
            return { ...r, database, log: fs.existsSync(`${dir}/curl.log`) ? fs.readFileSync(`${dir}/curl.log`, "utf8") : "" };
        }

        it("installs DB-IP's file of the month, falling back to last month's before it is published", () => {
            const dir = tmp("geoip-src-");
            const gz = path.join(dir, "db.mmdb.gz");
            fs.writeFileSync(gz, zlib.gzipSync(Buffer.from("mmdb bytes")));
            const lastMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 0)).toISOString().slice(0, 7);
            const r = refresh({ kind: "dbip" }, { [`dbip-country-lite-${lastMonth}.mmdb.gz`]: gz });
            assert.equal(r.code, 0, r.output);
            assert.equal(fs.readFileSync(r.database, "utf8"), "mmdb bytes");
            assert.match(r.log, new RegExp(`dbip-country-lite-${new Date().toISOString().slice(0, 7)}`), "this month's file is tried first");
        });

        it("downloads GeoLite2 with the MaxMind account and keeps the old file when a download fails", () => {
            const dir = tmp("geoip-src-");
            fs.mkdirSync(path.join(dir, "GeoLite2-Country_20261120"));
            fs.writeFileSync(path.join(dir, "GeoLite2-Country_20261120", "GeoLite2-Country.mmdb"), "maxmind bytes");
            run("tar", ["-czf", path.join(dir, "db.tar.gz"), "-C", dir, "GeoLite2-Country_20261120"]);
            const credentials = path.join(dir, "maxmind.env");
            fs.writeFileSync(credentials, "ACCOUNT_ID=42\nLICENSE_KEY=secret_key\n");
            const r = refresh({ kind: "maxmind", credentialsFile: credentials }, { "GeoLite2-Country/download": path.join(dir, "db.tar.gz") });
            assert.equal(r.code, 0, r.output);
            assert.equal(fs.readFileSync(r.database, "utf8"), "maxmind bytes");
            assert.match(r.log, /^user = "42:secret_key"$/m, "the account reaches curl on stdin");
            assert.doesNotMatch(r.log.split("\n").filter((l) => l.includes("https://")).join("\n"), /secret_key/, "never as an argument");

            const failed = refresh({ kind: "maxmind", credentialsFile: credentials }, {});
            assert.notEqual(failed.code, 0);
            assert.ok(!fs.existsSync(failed.database), "nothing is installed from a failed download");
        });
    });
});
