// The names the project serves: each old name of the existing service paired with the public name users in
// mainland China reach.

/** A served name: users reach `public`; the existing service answers as `origin`, the old name. */
export interface HostPair {
    origin: string;
    public: string;
}

/** Parses "from=to"; undefined when the text is not two names joined by "=". */
export function parsePairText(text: string): { from: string; to: string } | undefined {
    const parts = text.split("=").map((p) => p.trim());
    return parts.length === 2 && parts[0] && parts[1] ? { from: parts[0], to: parts[1] } : undefined;
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A lower-case DNS name of two labels or more with an alphabetic top-level label. */
export function isHostName(v: string): boolean {
    const labels = v.split(".");
    return v.length <= 253 && labels.length >= 2 && labels.every((l) => HOST_LABEL.test(l)) && /^[a-z]{2,63}$/.test(labels[labels.length - 1]);
}

/** Text as a literal PCRE fragment (a host name, a path prefix). */
export function regexLiteral(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
