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

export interface ThirdPartyHost {
    host: string;
    china: ChinaReach;
    treatment: Treatment;
    /** With `mirror`: the vendor's host for mainland visitors. */
    mirror?: string;
    /** What it serves, in a few words. */
    serves: string;
    /** Where this host's entry comes from. */
    source: string;
}

const REPLACE_GOOGLE_CDN = "https://github.com/justjavac/ReplaceGoogleCDN";

export const THIRD_PARTY_HOSTS: ThirdPartyHost[] = [
    { host: "fonts.googleapis.com", china: "blocked", treatment: "relay", serves: "Google Fonts stylesheets", source: REPLACE_GOOGLE_CDN },
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
        host: "www.google.com", china: "blocked", treatment: "mirror", mirror: "www.recaptcha.net", serves: "reCAPTCHA (under /recaptcha/)",
        source: "https://developers.google.com/recaptcha/docs/faq#can-i-use-recaptcha-globally",
    },
    {
        host: "www.googletagmanager.com", china: "unreliable", treatment: "relay", serves: "Tag Manager and gtag.js",
        source: "https://github.com/gfwlist/gfwlist/issues/963",
    },
    {
        host: "www.google-analytics.com", china: "blocked", treatment: "relay", serves: "Analytics collection",
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
