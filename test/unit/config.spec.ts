import { strict as assert } from "assert";
import { ConfigError, checkPeerVpcCidr, isCnConfig, parseStackConfig, projectConfig } from "../../stacks/config";
import { THIRD_PARTY_HOSTS } from "../../components/thirdParty/hosts";
import { certificateNames } from "../../components/render/shared/renew";
import { ProgramFailed } from "../../harness/plan/mockEngine";
import { runStackProgram, stackConfig } from "../helpers";
import { checkTls } from "china-edge-policy/kernel/tls";
import { TestTls, makeTls } from "../tls";

function raw(stack: string, overrides: Record<string, unknown>) {
    return projectConfig(stackConfig(stack, overrides));
}

function issuesOf(stack: string, overrides: Record<string, unknown>) {
    try {
        parseStackConfig(raw(stack, overrides), stack);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return err.issues;
    }
    assert.fail(`config ${JSON.stringify(overrides)} was accepted`);
}

describe("stack config", () => {
    it("accepts both stacks' own files", () => {
        const cn = parseStackConfig(raw("cn", {}), "cn");
        const us = parseStackConfig(raw("us", {}), "us");
        assert.equal(cn.stack.role, "cn");
        assert.equal(us.stack.role, "us");
        assert.deepEqual(cn.network.adminCidrs, []);
        assert.equal(cn.proxy.instanceType, "ecs.g8i.large");
        assert.equal(cn.proxy.systemDiskSize, 100);
    });

    const cases: [string, string, Record<string, unknown>, string][] = [
        ["one zone", "zones", { zones: ["cn-shanghai-l"], vswitchCidrs: ["10.10.1.0/24"] }, "two or more distinct zones"],
        ["repeated zones", "zones", { zones: ["cn-shanghai-l", "cn-shanghai-l"] }, "distinct"],
        ["a zone of another region", "zones", { zones: ["cn-shanghai-l", "cn-beijing-a"] }, "zones of cn-shanghai"],
        ["a region outside the mainland for cn", "region", { region: "us-east-1" }, "mainland China region"],
        ["a mainland region for us (us stack)", "region", { region: "cn-beijing" }, "outside mainland China"],
        ["an invalid VPC range", "vpcCidr", { vpcCidr: "10.10.0.0/33" }, "IPv4 range"],
        ["a VPC range with host bits", "vpcCidr", { vpcCidr: "10.10.1.0/16" }, "did you mean 10.10.0.0/16"],
        ["a vSwitch outside the VPC", "vswitchCidrs", { vswitchCidrs: ["10.10.1.0/24", "10.11.2.0/24"] }, "inside vpcCidr"],
        ["overlapping vSwitches", "vswitchCidrs", { vswitchCidrs: ["10.10.0.0/23", "10.10.1.0/24"] }, "do not overlap"],
        ["fewer vSwitches than zones", "vswitchCidrs", { vswitchCidrs: ["10.10.1.0/24"] }, "one range per zone"],
        ["an invalid public domain", "publicDomain", { publicDomain: "exa_mple.cn" }, "host name"],
        ["the same public and origin domain", "publicDomain", { publicDomain: "example.com" }, "other than originDomain"],
        ["an invalid origin domain", "originDomain", { originDomain: "localhost" }, "host name"],
        ["a burstable type", "instanceType", { instanceType: "ecs.t6-c1m1.large" }, "burstable or shared"],
        ["a shared type", "instanceType", { instanceType: "ecs.e-c1m2.large" }, "burstable or shared"],
        ["a 40 GB disk", "systemDiskSize", { systemDiskSize: 40 }, "from 100 to 500"],
        ["a fractional disk", "systemDiskSize", { systemDiskSize: 100.5 }, "whole number"],
        ["cloud_efficiency", "systemDiskCategory", { systemDiskCategory: "cloud_efficiency" }, "cloud_essd"],
        ["SSH from 0.0.0.0/0", "adminCidrs", { adminCidrs: ["0.0.0.0/0"] }, "never opened to 0.0.0.0/0"],
        ["SSH from ::/0", "adminCidrs", { adminCidrs: ["::/0"] }, "never opened"],
        ["SSH from 10.0.0.0/0", "adminCidrs", { adminCidrs: ["10.0.0.0/0"] }, "never opened"],
        ["an admin range that is not a CIDR", "adminCidrs", { adminCidrs: ["203.0.113.7"] }, "IPv4 ranges"],
        ["admin ranges not a list", "adminCidrs", { adminCidrs: "203.0.113.0/24" }, "a list of strings"],
        ["zero bandwidth", "crossBorderBandwidthMbps", { crossBorderBandwidthMbps: 0 }, "from 1 to"],
        ["negative bandwidth", "crossBorderBandwidthMbps", { crossBorderBandwidthMbps: -5 }, "from 1 to"],
        ["a misspelt key", "crossBorderBandwidth", { crossBorderBandwidth: 50 }, "check its spelling"],
        ["a missing region", "region", { region: undefined }, "mainland China region"],
        ["an unknown role", "role", { role: "eu" }, `"cn" or "us"`],
        ["zero replicas", "replicas", { replicas: 0 }, "from 1 to 10"],
        ["a host pair without =", "hosts", { hosts: ["www.example.com"] }, `"origin=public" pair`],
        ["a host pair with a bad name", "hosts", { hosts: ["www.example.com=WWW.example.cn"] }, "lower-case host names"],
        ["a host pair repeating the primary", "hosts", { hosts: ["example.com=www.example.cn"] }, "appear once"],
        ["two pairs to one public name", "hosts", { hosts: ["a.example.com=a.example.cn", "b.example.com=a.example.cn"] }, "appear once"],
        ["a third party that is a served name", "thirdParty", { thirdParty: ["example.com=relay"] }, "not served names"],
        ["a mirror to itself", "thirdParty", { thirdParty: ["fonts.googleapis.com=mirror=fonts.googleapis.com"] }, "mirror=MIRROR (another host name)"],
        ["a treatment that is none", "thirdParty", { thirdParty: ["fonts.googleapis.com=proxy"] }, "one of relay, drop, keep or mirror=MIRROR"],
        ["a host twice", "thirdParty", { thirdParty: ["cdn.vendor.com=relay", "cdn.vendor.com=drop"] }, "each host once"],
        ["more relayed hosts than sub_filter can point at", "thirdParty", { thirdParty: Array.from({ length: 80 }, (_, i) => `cdn${i}.vendor.com=relay`) },
            "at most 255 strings, and the table with these takes 280"],
        ["more names than one ACME certificate holds, even with wildcards (us stack)", "hosts",
            { certificates: "acme", acmeEmail: "ops@example.cn", hosts: Array.from({ length: 101 }, (_, i) => `h${i}.shop${i}.example.com=h${i}.shop${i}.example.cn`) },
            "at most 100 names on one ACME certificate (Let's Encrypt's limit): 102 served names take 102"],
        ["the retired mirrors key", "mirrors", { mirrors: ["fonts.googleapis.com=fonts.loli.net"] }, "mirrors folded into thirdParty"],
        ["a certificate without its key", "tlsPrivateKey", { tlsCertificate: "x" }, "both tlsCertificate and tlsPrivateKey"],
        ["an unknown egress", "originEgress", { originEgress: "proxy" }, "eip, nat"],
        ["a redirect switch that is not boolean", "httpRedirect", { httpRedirect: "yes" }, "true or false"],
        ["a malformed ICP number", "icpNumber", { icpNumber: "ICP12345678" }, "沪ICP备12345678号"],
        ["a malformed public-security number", "psbNumber", { icpNumber: "沪ICP备12345678号", psbNumber: "31010402000001" }, "沪公网安备"],
        ["a public-security number alone", "psbNumber", { psbNumber: "沪公网安备31010402000001号" }, "together with icpNumber"],
        ["no edge VPC range (us stack)", "edgeVpcCidr", { edgeVpcCidr: "" }, "the cn stack's VPC range"],
        ["an EIP above 200 Mbps", "edgeBandwidthMbps", { edgeBandwidthMbps: 500 }, "from 1 to 200"],
        ["an ACME certificate without an account e-mail", "acmeEmail", { acmeEmail: "" }, "an e-mail address for the ACME account"],
        ["a malformed ACME e-mail", "acmeEmail", { acmeEmail: "ops" }, "an e-mail address for the ACME account"],
        ["an ACME server that is not a directory URL", "acmeServer", { acmeServer: "http://ca.example/dir" }, "an ACME directory URL (https://…)"],
        ["an ACME certificate on the origin proxies without an account e-mail (us stack)", "acmeEmail", { certificates: "acme" }, "an e-mail address for the ACME account"],
        ["a provided certificate without one", "certificates", { certificates: "provided" }, "unless tlsCertificate and tlsPrivateKey are set"],
        ["a certificate given while ordering one", "certificates", { tlsCertificate: "x" }, "`provided` when tlsCertificate is set"],
        ["an unknown source of certificates", "certificates", { certificates: "letsencrypt" }, "one of acme, provided, self-signed"],
        ["fixed replicas beside a scaling group", "replicas", { maxReplicas: 4, minReplicas: 2, replicas: 3, certificates: "self-signed", dcdn: false }, "its default 1 with maxReplicas 4"],
        ["more edges kept than the group may grow to", "minReplicas", { maxReplicas: 2, minReplicas: 3, certificates: "self-signed", dcdn: false }, "1 to maxReplicas (2)"],
        ["a scaling group that may keep no edge", "minReplicas", { maxReplicas: 2, certificates: "self-signed", dcdn: false }, "1 to maxReplicas (2)"],
        ["spot edges with no pay-as-you-go base", "onDemandBase", { maxReplicas: 4, minReplicas: 1, onDemandBase: 0, spotPercent: 50, certificates: "self-signed", dcdn: false }, "1 or more with spotPercent 50"],
        ["a pay-as-you-go base above the group's size", "onDemandBase", { maxReplicas: 2, minReplicas: 1, onDemandBase: 3, certificates: "self-signed", dcdn: false }, "at most maxReplicas (2)"],
        ["spot edges without a scaling group", "spotPercent", { spotPercent: 50 }, "0 unless maxReplicas is set"],
        ["a minimum without a scaling group", "minReplicas", { minReplicas: 2 }, "0 unless maxReplicas is set"],
        ["a CPU target above 90 %", "scalingCpuPercent", { scalingCpuPercent: 95 }, "from 20 to 90"],
        ["a scaling group of origin proxies each with its own EIP (us stack)", "originEgress", { maxReplicas: 4, minReplicas: 2 }, "nat with maxReplicas 4"],
    ];
    for (const [what, key, overrides, accepted] of cases) {
        const stack = what.includes("(us stack)") ? "us" : "cn";
        it(`refuses ${what}, naming ${key}`, () => {
            const issues = issuesOf(stack, overrides);
            const issue = issues.find((i) => i.key === key);
            assert.ok(issue, `no issue names ${key}: ${JSON.stringify(issues)}`);
            assert.match(issue.accepted, new RegExp(accepted.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")));
            const error = new ConfigError(issues);
            assert.match(error.message, new RegExp(`^china-edge:${key} `, "m"));
        });
    }

    it("orders the edge's certificate from Let's Encrypt by default, its staging CA or any directory when asked", () => {
        const edgeTls = (overrides: Record<string, unknown>) => {
            const config = parseStackConfig(raw("cn", overrides), "cn");
            return isCnConfig(config) ? config.edgeTls : assert.fail("a cn config");
        };
        const acme = (server: string) => ({ kind: "terminate", certificate: { source: "acme", acme: { email: "ops@example.cn", server } } });
        assert.deepEqual(edgeTls({}), acme("https://acme-v02.api.letsencrypt.org/directory"));
        assert.deepEqual(edgeTls({ acmeServer: "letsencrypt-staging" }), acme("https://acme-staging-v02.api.letsencrypt.org/directory"));
        assert.deepEqual(edgeTls({ acmeServer: "https://ca.example.net/acme/directory" }), acme("https://ca.example.net/acme/directory"));
        assert.deepEqual(edgeTls({ certificates: "self-signed", replicas: 3, dcdn: false }), { kind: "terminate", certificate: { source: "self-signed" } });
        assert.deepEqual(edgeTls({ replicas: 3 }), acme("https://acme-v02.api.letsencrypt.org/directory"), "several edges share one order");
        assert.deepEqual(edgeTls({ edgeTls: "passthrough", acmeEmail: "", dcdn: false }), { kind: "passthrough" },
            "edges that pass TLS through hold no certificate: the key is the us stack's concern");
    });

    it("parses host pairs (primary first), third-party treatments and the ICP footer", () => {
        const us = parseStackConfig(raw("us", { hosts: ["www.example.com=www.example.cn", "api.example.com=api.example.cn"],
            icpNumber: "沪ICP备12345678号-1", thirdParty: ["www.google.com=relay", "cdn.vendor.com=mirror=cdn.vendor.cn", "fonts.gstatic.com=keep"] }), "us");
        assert.deepEqual(us.site.hosts.map((h) => `${h.origin}=${h.public}`), ["example.com=example.cn", "www.example.com=www.example.cn", "api.example.com=api.example.cn"]);
        const treated = Object.fromEntries(us.site.thirdParty.map(({ host, ...rest }) => [host, rest]));
        assert.deepEqual(treated["fonts.googleapis.com"], { treatment: "relay", rewrites: true }, "the table's default");
        assert.deepEqual(treated["www.google.com"], { treatment: "relay", path: "/recaptcha/" }, "a known host changes treatment, keeps its path, loses its mirror");
        assert.deepEqual(treated["fonts.gstatic.com"], { treatment: "keep" });
        assert.deepEqual(treated["cdn.vendor.com"], { treatment: "mirror", mirror: "cdn.vendor.cn" }, "a host config adds");
        assert.equal(us.site.thirdParty.length, THIRD_PARTY_HOSTS.length + 1);
        assert.deepEqual(us.filing, { icpNumber: "沪ICP备12345678号-1" });
        assert.equal(us.tls, undefined);
        assert.equal(us.network.edgeVpcCidr, "10.10.0.0/16");
    });

    describe("the site's certificate", () => {
        let tls: TestTls;
        let other: TestTls;
        before(() => {
            tls = makeTls(["example.cn", "www.example.cn"]);
            other = makeTls(["example.cn", "www.example.cn"]);
        });
        const tlsIssue = (overrides: Record<string, unknown>, secret = true) => {
            try {
                parseStackConfig(raw("us", { certificates: "provided", ...overrides }), "us", secret ? ["tlsPrivateKey"] : []);
            } catch (err) {
                return (err as ConfigError).issues[0];
            }
            return undefined;
        };

        it("accepts a certificate covering every public name with its key given as a secret", () => {
            assert.equal(tlsIssue({ tlsCertificate: tls.certificate, tlsPrivateKey: tls.privateKey }), undefined);
        });

        it("refuses a key in plain text, saying how to set it as a secret, and never echoes it", () => {
            const issue = tlsIssue({ tlsCertificate: tls.certificate, tlsPrivateKey: tls.privateKey }, false)!;
            assert.equal(issue.key, "tlsPrivateKey");
            assert.match(issue.accepted, /pulumi config set --secret/);
            assert.ok(!JSON.stringify(issue).includes("PRIVATE KEY"));
        });

        it("refuses a key of another certificate, a name it does not cover, an expired one and non-PEM text", () => {
            assert.match(tlsIssue({ tlsCertificate: tls.certificate, tlsPrivateKey: other.privateKey })!.accepted, /the private key of the certificate/);
            const narrow = makeTls(["example.cn"]);
            const uncovered = tlsIssue({ tlsCertificate: narrow.certificate, tlsPrivateKey: narrow.privateKey })!;
            assert.equal(uncovered.key, "tlsCertificate");
            assert.match(uncovered.accepted, /cover www\.example\.cn/);
            const expired = makeTls(["example.cn", "www.example.cn"], 1);
            assert.match(checkTls(expired, ["example.cn"], new Date(Date.now() + 3 * 86400_000))!.accepted, /expired/);
            assert.match(tlsIssue({ tlsCertificate: "not a certificate", tlsPrivateKey: tls.privateKey })!.accepted, /PEM certificate/);
        });
    });

    it("orders one ACME certificate for many names: the served names while they fit, then a wildcard per group of siblings", () => {
        const few = ["example.cn", "www.example.cn", "api.example.cn"];
        assert.deepEqual(certificateNames(few), few, "exact names while they fit");
        const many = ["example.cn", "www.example.cn", ...Array.from({ length: 150 }, (_, i) => `app${i}.example.cn`), "a.eu.example.cn", "b.eu.example.cn", "example.org"];
        assert.deepEqual(certificateNames(many), ["example.cn", "*.example.cn", "a.eu.example.cn", "b.eu.example.cn", "example.org"],
            "the largest group first, then no more than needed; a name outside the primary keeps its own");
        const us = parseStackConfig(raw("us", { certificates: "acme", acmeEmail: "ops@example.cn", hosts: many.slice(1, -1).map((p) => `${p.replace(/\.cn$/, ".com")}=${p}`) }), "us");
        assert.equal(us.site.hosts.length, 154);
    });

    it("stops cn when its ACME certificate cannot hold what the us stack serves", async () => {
        const hosts = Array.from({ length: 101 }, (_, i) => `h${i}.shop${i}.example.com=h${i}.shop${i}.example.cn`);
        const err = await runStackProgram("cn", {}, { us: { hosts } }).then(() => undefined, (e) => e);
        assert.ok(err instanceof ProgramFailed && err.cause instanceof ConfigError, String(err));
        assert.equal(err.cause.issues[0].key, "certificates");
        assert.match(err.cause.issues[0].accepted, /^for the us stack's 102 served names, at most 100 names on one ACME certificate/);
    });

    it("stops cn when its public domain or VPC is not what the us stack serves and accepts", async () => {
        for (const [overrides, key] of [[{ publicDomain: "example.org.cn" }, "publicDomain"], [{ vpcCidr: "10.30.0.0/16", vswitchCidrs: ["10.30.1.0/24", "10.30.2.0/24"] }, "vpcCidr"]] as const) {
            const err = await runStackProgram("cn", overrides).then(() => undefined, (e) => e);
            assert.ok(err instanceof ProgramFailed && err.cause instanceof ConfigError, `${key}: ${err}`);
            assert.equal(err.cause.issues[0].key, key);
            assert.match(err.cause.issues[0].accepted, /the us stack's/);
        }
    });

    it("reports every bad key at once", () => {
        const issues = issuesOf("cn", { systemDiskSize: 40, instanceType: "ecs.t5-lc1m2.small", adminCidrs: ["0.0.0.0/0"] });
        assert.deepEqual(issues.map((i) => i.key).sort(), ["adminCidrs", "instanceType", "systemDiskSize"]);
    });

    it("refuses a cn VPC that overlaps the us VPC", () => {
        const cn = parseStackConfig(raw("cn", { vpcCidr: "10.0.0.0/8", vswitchCidrs: ["10.10.1.0/24", "10.10.2.0/24"] }), "cn");
        assert.throws(() => checkPeerVpcCidr(cn, "10.20.0.0/16"), (err: ConfigError) =>
            err.issues[0].key === "vpcCidr" && /overlap .*10\.20\.0\.0\/16/.test(err.issues[0].accepted));
        assert.doesNotThrow(() => checkPeerVpcCidr(parseStackConfig(raw("cn", {}), "cn"), "10.20.0.0/16"));
    });

    for (const stack of ["cn", "us"] as const) {
        it(`stops the ${stack} program before it creates anything`, async () => {
            const err = await runStackProgram(stack, { systemDiskSize: 40 }).then(() => undefined, (e) => e);
            assert.ok(err instanceof ProgramFailed && err.cause instanceof ConfigError, `expected a config failure, got ${err}`);
            const created = err.resources.filter((r: { type: string }) => r.type !== "pulumi:pulumi:Stack" && r.type !== "pulumi:pulumi:StackReference");
            assert.deepEqual(created, []);
        });
    }

    it("stops the cn program when its VPC overlaps the referenced us VPC, with nothing but the reference read", async () => {
        const err = await runStackProgram("cn", { vpcCidr: "10.20.0.0/16", vswitchCidrs: ["10.20.1.0/24", "10.20.2.0/24"] }).then(() => undefined, (e) => e);
        assert.ok(err instanceof ProgramFailed && err.cause instanceof ConfigError);
        assert.equal(err.cause.issues[0].key, "vpcCidr");
        assert.deepEqual(err.resources.map((r: { type: string }) => r.type).sort(), ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"]);
    });
});
