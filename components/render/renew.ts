// The renewer of the public names' certificate (apply/china-edge-renew.py): its settings, as the host's
// /etc/china-edge/renew.json holds them. It orders with DNS-01 through lego, then hands the certificate to the apply
// tool, so a renewal is a delivery like any other: checked, swapped in, reloaded.
import * as fs from "fs";
import * as path from "path";
import { ProxyBundle } from "./bundle";

export const RENEW_TOOL = "/usr/local/sbin/china-edge-renew";
export const RENEW_TOOL_SOURCE = fs.readFileSync(path.join(__dirname, "apply", "china-edge-renew.py"), "utf8");

/** Let's Encrypt's directories. */
export const LETS_ENCRYPT = {
    production: "https://acme-v02.api.letsencrypt.org/directory",
    staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;

/** Days before expiry a certificate is renewed (Let's Encrypt's are valid 90). */
export const RENEW_DAYS_BEFORE = 30;

export interface RenewSettings extends Pick<ProxyBundle, "name" | "check" | "reload" | "start" | "active"> {
    /** The names the certificate covers, the first its subject. */
    domains: string[];
    /** The ACME directory URL. */
    server: string;
    /** The ACME account's e-mail address. */
    email: string;
    /** lego's DNS provider code: `alidns` on the hosts (with ALICLOUD_RAM_ROLE in `env`). */
    dns: string;
    /** More lego flags, and the provider's environment. */
    lego: string[];
    env: Record<string, string>;
    /** lego's directory: the account, the certificate, status.json. */
    state: string;
    days: number;
    /** Where the certificate goes: one PEM with its key (HAProxy), or the two files (nginx). */
    files: { pem: string } | { certificate: string; key: string };
}
