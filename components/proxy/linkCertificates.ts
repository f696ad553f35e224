import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { EDGE_LINK_NAME, LINK_SERVER_NAME } from "../render/shared/endpoints";
import { LinkFiles } from "../render/shared/hostSetup";

/** TLS material of one end of the link across the border: the CA both ends trust, and its own certificate and key. */
export interface LinkTls {
    caCertificate: pulumi.Input<string>;
    certificate: pulumi.Input<string>;
    /** A secret. */
    privateKey: pulumi.Input<string>;
}

/** The PEM texts of one end, once known, for its user data. */
export function linkFiles(link: LinkTls): pulumi.Output<LinkFiles> {
    return pulumi.all([link.caCertificate, link.certificate, link.privateKey])
        .apply(([caCertificate, certificate, privateKey]) => ({ caCertificate, certificate, privateKey }));
}

/** Ten years: the link's certificates are the stack's own and are replaced with it, not renewed in place. */
const VALIDITY_HOURS = 10 * 365 * 24;

/**
 * The private CA of the link between terminating edges and origin proxies, made by the stack and kept in its state:
 * the origin proxies present a certificate for LINK_SERVER_NAME, the edges one for EDGE_LINK_NAME, both signed by it.
 * Each also serves, among hosts of its kind, the port where the first host hands its ACME certificate to the others
 * (server on the first, client on the others).
 * Keys are P-256 and stay secrets end to end.
 */
export class LinkCertificates extends pulumi.ComponentResource {
    readonly originProxy: LinkTls;
    readonly edge: LinkTls;

    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("china-edge:proxy:LinkCertificates", name, {}, opts);
        const key = (suffix: string) => new tls.PrivateKey(`${name}-${suffix}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const caKey = key("ca");
        const ca = new tls.SelfSignedCert(`${name}-ca`, {
            privateKeyPem: caKey.privateKeyPem,
            subject: { commonName: "china-edge link CA", organization: "china-edge" },
            isCaCertificate: true,
            validityPeriodHours: VALIDITY_HOURS,
            allowedUses: ["cert_signing", "crl_signing"],
        }, { parent: this });
        const issue = (suffix: string, commonName: string, dnsNames: string[], uses: string[]): LinkTls => {
            const leafKey = key(suffix);
            const request = new tls.CertRequest(`${name}-${suffix}-csr`, {
                privateKeyPem: leafKey.privateKeyPem, subject: { commonName }, dnsNames,
            }, { parent: this });
            const cert = new tls.LocallySignedCert(`${name}-${suffix}`, {
                certRequestPem: request.certRequestPem,
                caPrivateKeyPem: caKey.privateKeyPem,
                caCertPem: ca.certPem,
                validityPeriodHours: VALIDITY_HOURS,
                allowedUses: ["digital_signature", "key_encipherment", ...uses],
            }, { parent: this });
            return { caCertificate: ca.certPem, certificate: cert.certPem, privateKey: pulumi.secret(leafKey.privateKeyPem) };
        };
        this.originProxy = issue("origin-proxy", LINK_SERVER_NAME, [LINK_SERVER_NAME], ["server_auth", "client_auth"]);
        this.edge = issue("edge", EDGE_LINK_NAME, [EDGE_LINK_NAME], ["client_auth", "server_auth"]);
        this.registerOutputs({});
    }
}
