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

/** An ACME account: who the CA writes to, and the CA's directory URL. */
export interface AcmeAccount {
    email: string;
    server: string;
}

/**
 * The certificate clients meet where their TLS ends: given in config (the key a secret), ordered from an ACME CA and
 * renewed on the first host, or self-signed at first boot.
 */
export type SiteCertificate = { source: "provided"; tls: TlsMaterial } | { source: "acme"; acme: AcmeAccount } | { source: "self-signed" };

/** The material of a certificate given in config, or none (ordered or self-signed on the hosts). */
export function providedMaterial(certificate: SiteCertificate): TlsMaterial | undefined {
    return certificate.source === "provided" ? certificate.tls : undefined;
}

/** The ACME account a certificate is ordered with, or none. */
export function acmeAccount(certificate: SiteCertificate): AcmeAccount | undefined {
    return certificate.source === "acme" ? certificate.acme : undefined;
}
