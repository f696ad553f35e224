// The third-party hosts mainland China blocks or serves unreliably, each with what the project does about it and the
// public source that says so. A blocked request rarely fails fast: the connection never answers, and a stylesheet or
// script that blocks rendering holds the page until it times out (freeCodeCamp's front page averaged 76 s in China
// because of Google-hosted scripts: https://github.com/freeCodeCamp/freeCodeCamp/issues/3355).

/** How China treats a host: the Great Firewall blocks it, or it answers for some visitors and not others. */
export type ChinaReach = "blocked" | "unreliable";

/**
 * What the project does with a host's references: `relay` (the origin proxy fetches it in US East and serves it
 * under the public name), `mirror` (the vendor's own mainland host replaces it), `drop` (the page survives without
 * it), `keep` (nothing works better than leaving it).
 */
export type Treatment = "relay" | "mirror" | "drop" | "keep";

/** How the project treats the references to one third-party host: what the table says, or what config changed. */
export interface ThirdParty {
    host: string;
    treatment: Treatment;
    /** With `mirror`: the host that replaces it. */
    mirror?: string;
    /** With `mirror`: the sources a CSP allowing the mirror must allow too (what the mirror's scripts load). */
    mirrorAllows?: string[];
    /** Only references under this path are treated (`/recaptcha/` of www.google.com); absent: the whole host. */
    path?: string;
    /** Relayed POST requests are allowed too (analytics collection); otherwise GET and HEAD only. */
    post?: boolean;
    /** Its relayed bodies name other third-party hosts and are converted too (the Fonts stylesheet names fonts.gstatic.com). */
    rewrites?: boolean;
}

export interface ThirdPartyHost extends ThirdParty {
    china: ChinaReach;
    /** What it serves, in a few words. */
    serves: string;
    /** Where this host's entry comes from. */
    source: string;
}

const REPLACE_GOOGLE_CDN = "https://github.com/justjavac/ReplaceGoogleCDN";

export const THIRD_PARTY_HOSTS: ThirdPartyHost[] = [
    { host: "fonts.googleapis.com", china: "blocked", treatment: "relay", rewrites: true, serves: "Google Fonts stylesheets", source: REPLACE_GOOGLE_CDN },
    { host: "fonts.gstatic.com", china: "blocked", treatment: "relay", serves: "Google Fonts files", source: REPLACE_GOOGLE_CDN },
    { host: "ajax.googleapis.com", china: "blocked", treatment: "relay", serves: "Google Hosted Libraries", source: REPLACE_GOOGLE_CDN },
    { host: "www.gstatic.com", china: "blocked", treatment: "relay", serves: "Google's static files (reCAPTCHA, Charts)", source: REPLACE_GOOGLE_CDN },
    {
        host: "cdn.jsdelivr.net", china: "unreliable", treatment: "relay", serves: "npm and GitHub files",
        source: "https://github.com/jsdelivr/jsdelivr/issues/18392",
    },
    {
        host: "cdnjs.cloudflare.com", china: "unreliable", treatment: "relay", serves: "JavaScript and CSS libraries",
        source: "https://github.com/cdnjs/packages/issues/1011",
    },
    { host: "www.gravatar.com", china: "blocked", treatment: "relay", serves: "avatars", source: "https://github.com/WenPai-org/wp-china-yes" },
    { host: "secure.gravatar.com", china: "blocked", treatment: "relay", serves: "avatars", source: "https://github.com/WenPai-org/wp-china-yes" },
    {
        host: "www.google.com", china: "blocked", treatment: "mirror", mirror: "www.recaptcha.net", mirrorAllows: ["https://www.gstatic.cn/recaptcha/"],
        path: "/recaptcha/", serves: "reCAPTCHA (under /recaptcha/)",
        source: "https://developers.google.com/recaptcha/docs/faq#can-i-use-recaptcha-globally",
    },
    {
        host: "www.googletagmanager.com", china: "unreliable", treatment: "relay", serves: "Tag Manager and gtag.js",
        source: "https://github.com/gfwlist/gfwlist/issues/963",
    },
    {
        host: "www.google-analytics.com", china: "blocked", treatment: "relay", post: true, serves: "Analytics collection",
        source: "https://github.com/codler/react-ga4/pull/17",
    },
    { host: "www.youtube.com", china: "blocked", treatment: "keep", serves: "video embeds (no technical fix)", source: "https://github.com/linuxfoundation/lfevents/issues/397" },
    { host: "connect.facebook.net", china: "blocked", treatment: "drop", serves: "the Facebook SDK", source: "https://github.com/keqingrong/static-files-host" },
    { host: "platform.twitter.com", china: "blocked", treatment: "drop", serves: "Twitter widgets", source: "https://github.com/keqingrong/static-files-host" },
];

/** A host's entry, or undefined when the table does not know it. */
export function thirdPartyHost(host: string): ThirdPartyHost | undefined {
    return THIRD_PARTY_HOSTS.find((h) => h.host === host.toLowerCase());
}

/** A change to one host's treatment, as config writes it: `HOST=relay`, `HOST=drop`, `HOST=keep` or `HOST=mirror=MIRROR`. */
export interface TreatmentOverride {
    host: string;
    treatment: Treatment;
    mirror?: string;
}

/** The table with config's changes: a known host keeps its path and flags under its new treatment; a new host is added. */
export function thirdParties(overrides: TreatmentOverride[]): ThirdParty[] {
    const strip = ({ host, treatment, mirror, mirrorAllows, path, post, rewrites }: ThirdParty): ThirdParty => ({
        host, treatment, ...(mirror ? { mirror } : {}), ...(mirror && mirrorAllows ? { mirrorAllows } : {}),
        ...(path ? { path } : {}), ...(post ? { post } : {}), ...(rewrites ? { rewrites } : {}),
    });
    const changed = (entry: ThirdParty, o: TreatmentOverride): ThirdParty => {
        const { mirror: _old, mirrorAllows: _allows, ...rest } = entry;
        return strip({ ...rest, treatment: o.treatment, ...(o.mirror ? { mirror: o.mirror } : {}) });
    };
    const known = THIRD_PARTY_HOSTS.map((entry) => {
        const o = overrides.find((x) => x.host === entry.host);
        return o ? changed(entry, o) : strip(entry);
    });
    const added = overrides.filter((o) => !thirdPartyHost(o.host)).map((o) => changed({ host: o.host, treatment: o.treatment }, o));
    return [...known, ...added];
}

/** Parses `HOST=TREATMENT` (TREATMENT: relay, drop, keep or mirror=MIRROR); undefined when it is not of that form. */
export function parseTreatmentOverride(text: string): TreatmentOverride | undefined {
    const m = /^([^=\s]+)=(relay|drop|keep|mirror=([^=\s]+))$/.exec(text.trim());
    if (!m) {
        return undefined;
    }
    return m[3] ? { host: m[1], treatment: "mirror", mirror: m[3] } : { host: m[1], treatment: m[2] as Treatment };
}

/** The hosts the origin proxies relay. */
export function relayedHosts(thirdParty: ThirdParty[]): string[] {
    return thirdParty.filter((t) => t.treatment === "relay").map((t) => t.host);
}

/** The mirrors visitors' browsers use in place of blocked hosts, each once. */
export function mirrorHosts(thirdParty: ThirdParty[]): string[] {
    return [...new Set(thirdParty.flatMap((t) => t.treatment === "mirror" && t.mirror ? [t.mirror] : []))];
}
