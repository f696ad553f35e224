// haproxy.cfg as a structure: the renderer builds sections, one printer writes them, one parser reads them back.
import { strict as assert } from "assert";
import { edgeHaproxyConf, renderEdgeHaproxy } from "../../components/render/edge/haproxy";
import { Section, line, linesOf, parseHaproxy, printHaproxy, quote, section, sectionsOf } from "../../components/render/shared/haproxyConf";
import { edgeInput } from "./inputs";

const TWO = [{ name: "us-origin-1", address: "10.20.1.10" }, { name: "us-origin-2", address: "10.20.2.10" }];
const VARIANTS = {
    passthrough: edgeInput(),
    "passthrough without plain HTTP, verifying": edgeInput({ httpPort: undefined, tls: { kind: "passthrough", verifyOriginCertificate: true } }),
    terminating: edgeInput({ tls: { kind: "terminate", linkPort: 7444, share: false }, originProxies: TWO }),
    "terminating, sharing its certificate, with a user": edgeInput({ tls: { kind: "terminate", linkPort: 7444, share: true }, user: "haproxy", originProxies: TWO }),
};

describe("haproxy.cfg as a structure", () => {
    for (const [name, input] of Object.entries(VARIANTS)) {
        it(`reads back what it prints, word for word: ${name}`, () => {
            const text = renderEdgeHaproxy(input);
            const parsed = parseHaproxy(text);
            assert.equal(printHaproxy(parsed), text);
            assert.deepEqual(parsed, edgeHaproxyConf(input));
        });
    }

    it("keeps a quoted string with spaces and escapes as one word, and the comments at the margin before their section", () => {
        const conf = [section("frontend", "fe", [line("http-request", "return", "string", quote('say "no" \\ here'), "if", "{", "path", "/x", "}")])];
        const text = printHaproxy(conf);
        assert.equal(text, 'frontend fe\n    http-request return string "say \\"no\\" \\\\ here" if { path /x }\n');
        assert.deepEqual(parseHaproxy(text), conf);
        const parsed = parseHaproxy(renderEdgeHaproxy(VARIANTS.terminating));
        const i = parsed.findIndex((n) => n.kind === "section" && n.name === "fe_stats");
        assert.equal(parsed[i - 1].kind, "comment");
    });

    it("finds sections and lines by type, name and keyword", () => {
        const conf = parseHaproxy(renderEdgeHaproxy(VARIANTS.terminating));
        const [backend] = sectionsOf(conf, "backend", "be_origin") as Section[];
        assert.deepEqual(linesOf(backend, "server").map((l) => l.args.slice(0, 2)), [["us-origin-1", "10.20.1.10:7444"], ["us-origin-2", "10.20.2.10:7444"]]);
        assert.deepEqual(linesOf(sectionsOf(conf, "global")[0], "stats", "socket")[0].args.slice(0, 2), ["socket", "/run/haproxy/admin.sock"]);
    });

    it("refuses a line before any section", () => {
        assert.throws(() => parseHaproxy("    maxconn 10\n"), /"maxconn 10" comes before any section/);
    });
});
