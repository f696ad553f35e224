// Throwaway certificates for tests: a CA and a leaf for the given names.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { makeCa } from "../harness/lab/certs";

export interface TestTls {
    dir: string;
    caFile: string;
    certFile: string;
    keyFile: string;
    certificate: string;
    privateKey: string;
}

/** A P-256 CA and a leaf signed by it for `names`, valid `days` days from now. */
export function makeTls(names: string[], days = 30): TestTls {
    const ca = makeCa(fs.mkdtempSync(path.join(os.tmpdir(), "china-edge-tls-")), "china-edge test CA");
    const leaf = ca.issue("site", names, days);
    return {
        dir: ca.dir,
        caFile: ca.caFile,
        ...leaf,
        certificate: fs.readFileSync(leaf.certFile, "utf8"),
        privateKey: fs.readFileSync(leaf.keyFile, "utf8"),
    };
}
