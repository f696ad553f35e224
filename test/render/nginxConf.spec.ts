import { strict as assert } from "assert";
import { CONVERSION_RULES, rulesOf } from "../../components/render/originProxy/conversionRules";
import { blank, block, comment, directive, findBlocks, findDirectives, parseConf, printConf, q } from "../../components/render/shared/nginxConf";
import { renderOriginNginx } from "../../components/render/originProxy/originNginx";
import { renderRedirectorNginx } from "../../components/render/redirector/redirectorNginx";
import { ICP, THIRD_PARTY, SEVERAL_HOSTS, originInput, redirectorInput } from "./inputs";

const HOSTS = [{ origin: "example.com", public: "example.cn" }, { origin: "www.example.com", public: "www.example.cn" }];
const input = { hosts: HOSTS, thirdParty: THIRD_PARTY };

describe("nginx.conf as structures", () => {
    it("prints blocks four spaces a level, comments, blank lines and a wrapped argument aligned under the first", () => {
        const text = printConf([
            comment("top"),
            block("http", [], [
                directive("log_format", "main", ["'a '", "'b'"]),
                blank,
                block("map", ["$host", "$x"], [directive("default", "0"), undefined, directive(q("it's"), "1")]),
            ]),
        ]);
        assert.equal(text, [
            "# top",
            "http {",
            "    log_format main 'a '",
            "                    'b';",
            "",
            "    map $host $x {",
            "        default 0;",
            "        'it\\'s' 1;",
            "    }",
            "}",
            "",
        ].join("\n"));
    });

    it("names each conversion rule once, of each kind the origin proxy converts", () => {
        const names = CONVERSION_RULES.map((r) => r.name);
        assert.equal(new Set(names).size, names.length);
        assert.deepEqual([...new Set(CONVERSION_RULES.map((r) => r.kind))].sort(),
            ["body", "cookie", "redirect", "request header", "response header"]);
    });

    it("maps Origin and Referer of requests from each public name back to its old name", () => {
        const [origin, referer] = rulesOf("request header");
        const map = origin.maps!(input)[0];
        assert.deepEqual(map.args, ["$http_origin", "$ce_origin_upstream"]);
        assert.deepEqual(map.body.map((d) => d.kind === "directive" ? d.args : []), [
            ["$http_origin"],
            [q("${ce_s}example.com${ce_r}")],
            [q("${ce_s}www.example.com${ce_r}")],
        ]);
        assert.deepEqual(origin.location!(input), [directive("proxy_set_header", "Origin", "$ce_origin_upstream")]);
        assert.deepEqual(referer.location!(input), [directive("proxy_set_header", "Referer", "$ce_referer_upstream")]);
    });

    it("hands every response header that can name the site to the Lua module, and bodies to its filter (decoding, integrity)", () => {
        const [headers] = rulesOf("response header");
        assert.equal(headers.maps, undefined, "no map chain: the script converts every occurrence");
        assert.deepEqual(headers.location!(input), [block("header_filter_by_lua_block", [], [directive('require("conversion").headers()')])]);
        const body = rulesOf("body").at(-1)!.location!(input);
        assert.deepEqual(body, [block("body_filter_by_lua_block", [], [directive('return require("conversion").body()')])]);
    });

    it("writes redirects, cookie domains and third parties' body substitutions at http level, per served name; served names in bodies are the module's", () => {
        assert.deepEqual(rulesOf("cookie")[0].http!(input), HOSTS.map((h) => directive("proxy_cookie_domain", h.origin, h.public)));
        assert.equal(rulesOf("redirect")[0].http!(input).length, HOSTS.length);
        const [served, thirdPartyRule] = rulesOf("body");
        assert.deepEqual([served.http, served.location, served.maps], [undefined, undefined, undefined], "the module's body filter converts them");
        const thirdParty = thirdPartyRule.http!(input);
        assert.deepEqual(thirdParty[0], directive("sub_filter", q("//fonts.googleapis.com"), q("//$host/_ext/fonts.googleapis.com")));
        assert.ok(thirdParty.some((d) => d.kind === "directive" && d.args[0] === q("//www.google.com/recaptcha/") && d.args[1] === q("//www.recaptcha.net/recaptcha/")),
            "a mirror of a path is written with its path");
        assert.ok(thirdParty.some((d) => d.kind === "directive" && d.args[0] === q('"cdn.vendor.com"')), "a mirror of a whole host: its bare name too");
        assert.ok(!thirdParty.some((d) => d.kind === "directive" && String(d.args[0]).includes("ajax.googleapis.com")), "a kept host is left alone");
        assert.ok(rulesOf("redirect", "cookie", "body").every((r) => r.maps === undefined && r.location?.(input).every((n) => n.kind === "block") !== false));
    });

    it("reads back what it prints, line for line: the origin proxy's and the redirector's configs, a list argument continued", () => {
        for (const text of [
            renderOriginNginx(originInput("/srv", { hosts: SEVERAL_HOSTS, thirdParty: THIRD_PARTY, icp: ICP })),
            renderRedirectorNginx(redirectorInput("/srv", "/srv/geo.mmdb")),
            printConf([block("http", [], [directive("log_format", "main", ["'a; b'", "'${c}{d}'"]), comment("x"), blank])]),
        ]) {
            assert.equal(printConf(parseConf(text)), text);
        }
        const parsed = parseConf("http {\n    log_format main 'a'\n                    'b';\n}\n");
        assert.deepEqual(parsed, [block("http", [], [directive("log_format", "main", ["'a'", "'b'"])])]);
    });

    it("finds directives with the blocks they sit in, and blocks by name", () => {
        const conf = parseConf(renderOriginNginx(originInput("/srv", { hosts: SEVERAL_HOSTS })));
        const servers = findDirectives(conf, "server").filter((f) => f.blocks[f.blocks.length - 1].name === "upstream");
        assert.equal(servers.length, SEVERAL_HOSTS.length);
        assert.ok(findBlocks(conf, "events").length === 1);
    });

    it("refuses a config whose braces do not match", () => {
        assert.throws(() => parseConf("http {\n"), /not closed/);
        assert.throws(() => parseConf("}\n"), /line 1: a closing brace with no block open/);
    });
});
