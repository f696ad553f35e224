// Checks of the site's certificate and key before anything is created: the origin proxies would otherwise boot
// with a config nginx refuses, or serve a name the certificate does not cover.
import * as crypto from "crypto";

export interface TlsMaterial {
    /** PEM certificate chain, leaf first. */
    certificate: string;
    /** PEM private key of the leaf. */
    privateKey: string;
}

export interface TlsProblem {
    key: "tlsCertificate" | "tlsPrivateKey";
    value: string;
    accepted: string;
}

/** The first problem with the material for these names, or undefined when nginx can serve every one of them. */
export function checkTls(tls: TlsMaterial, names: string[], now = new Date()): TlsProblem | undefined {
    let leaf: crypto.X509Certificate;
    try {
        leaf = new crypto.X509Certificate(tls.certificate);
    } catch {
        return { key: "tlsCertificate", value: tls.certificate.slice(0, 40), accepted: "a PEM certificate chain (-----BEGIN CERTIFICATE-----), leaf first" };
    }
    const subject = leaf.subject.replace(/\n/g, ", ");
    let key: crypto.KeyObject;
    try {
        key = crypto.createPrivateKey(tls.privateKey);
    } catch {
        return { key: "tlsPrivateKey", value: "[secret]", accepted: "an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)" };
    }
    if (!leaf.checkPrivateKey(key)) {
        return { key: "tlsPrivateKey", value: "[secret]", accepted: `the private key of the certificate ${subject}` };
    }
    const uncovered = names.filter((n) => leaf.checkHost(n) === undefined);
    if (uncovered.length > 0) {
        return { key: "tlsCertificate", value: subject, accepted: `a certificate whose names cover ${uncovered.join(", ")} (it covers ${leaf.subjectAltName ?? subject})` };
    }
    if (new Date(leaf.validTo) <= now) {
        return { key: "tlsCertificate", value: subject, accepted: `a certificate still valid (this one expired ${leaf.validTo})` };
    }
    return undefined;
}
