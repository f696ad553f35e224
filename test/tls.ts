// Throwaway certificates for tests, made with openssl: a CA and a leaf for the given names.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface TestTls {
    dir: string;
    caFile: string;
    certFile: string;
    keyFile: string;
    certificate: string;
    privateKey: string;
}

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

/** A P-256 CA and a leaf signed by it for `names` (each also as a wildcard), valid `days` days from now. */
export function makeTls(names: string[], days = 30): TestTls {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "china-edge-tls-"));
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl(["req", "-x509", ...ec, "-days", "30", "-subj", "/CN=china-edge test CA", "-keyout", "ca.key", "-out", "ca.crt"], dir);
    openssl(["req", ...ec, "-subj", `/CN=${names[0]}`, "-keyout", "site.key", "-out", "site.csr"], dir);
    fs.writeFileSync(path.join(dir, "san.ext"), `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\n`);
    openssl(["x509", "-req", "-in", "site.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", String(days),
        "-extfile", "san.ext", "-out", "site.crt"], dir);
    return {
        dir,
        caFile: path.join(dir, "ca.crt"),
        certFile: path.join(dir, "site.crt"),
        keyFile: path.join(dir, "site.key"),
        certificate: fs.readFileSync(path.join(dir, "site.crt"), "utf8"),
        privateKey: fs.readFileSync(path.join(dir, "site.key"), "utf8"),
    };
}
