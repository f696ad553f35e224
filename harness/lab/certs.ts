// Throwaway TLS material made with openssl: a P-256 CA and leaves it signs. The lab and the tests use it.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface Leaf {
    certFile: string;
    keyFile: string;
}

export interface CertificateAuthority {
    dir: string;
    caFile: string;
    /** Signs a leaf for `names` (the first is the subject), valid `days` days; files `<dir>/<base>.crt|key`. */
    issue(base: string, names: string[], days?: number): Leaf;
    /** A leaf's certificate and key in one file `<dir>/<base>.pem`, as HAProxy takes them. */
    pem(base: string, leaf: Leaf): string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

/** A CA whose files live in `dir` (created if missing). */
export function makeCa(dir: string, subject = "china-edge throwaway CA"): CertificateAuthority {
    fs.mkdirSync(dir, { recursive: true });
    openssl(["req", "-x509", ...EC, "-days", "30", "-subj", `/CN=${subject}`, "-keyout", "ca.key", "-out", "ca.crt"], dir);
    return {
        dir,
        caFile: path.join(dir, "ca.crt"),
        issue(base: string, names: string[], days = 30): Leaf {
            openssl(["req", ...EC, "-subj", `/CN=${names[0]}`, "-keyout", `${base}.key`, "-out", `${base}.csr`], dir);
            fs.writeFileSync(path.join(dir, `${base}.ext`), `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\n`);
            openssl(["x509", "-req", "-in", `${base}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", String(days), "-extfile", `${base}.ext`, "-out", `${base}.crt`], dir);
            return { certFile: path.join(dir, `${base}.crt`), keyFile: path.join(dir, `${base}.key`) };
        },
        pem(base: string, leaf: Leaf): string {
            const file = path.join(dir, `${base}.pem`);
            fs.writeFileSync(file, fs.readFileSync(leaf.certFile, "utf8") + fs.readFileSync(leaf.keyFile, "utf8"), { mode: 0o600 });
            return file;
        },
    };
}
