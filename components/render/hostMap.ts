// The host names the origin proxy converts, and the anchored forms in which a name is found in bodies and headers.

/** A name the proxy serves: users reach `public`, the origin answers as `origin`. */
export interface HostPair {
    origin: string;
    public: string;
}

/** A third-party host that mainland users cannot reach, rewritten in bodies to a reachable mirror; never served. */
export interface Mirror {
    from: string;
    to: string;
}

/** Parses "from=to"; undefined when the text is not two names joined by "=". */
export function parsePairText(text: string): { from: string; to: string } | undefined {
    const parts = text.split("=").map((p) => p.trim());
    return parts.length === 2 && parts[0] && parts[1] ? { from: parts[0], to: parts[1] } : undefined;
}

/**
 * The strings that locate `from` in a body, each with its replacement. Every form is anchored on what precedes
 * the name, so mapping example.com never touches cdn.example.com or support@example.com.
 */
export function bodySubstitutions(from: string, to: string): [string, string][] {
    return [
        [`//${from}`, `//${to}`],              // https://, http://, wss:// and protocol-relative URLs
        [`\\/\\/${from}`, `\\/\\/${to}`],      // the same inside JSON with escaped slashes
        [`%2F%2F${from}`, `%2F%2F${to}`],      // URL-encoded, e.g. an OAuth redirect_uri (matched case-insensitively)
        [`"${from}"`, `"${to}"`],              // the bare name as a quoted value (cookie domains in scripts, JSON)
        [`'${from}'`, `'${to}'`],
    ];
}

/** A host name as a PCRE fragment. */
export function hostPattern(host: string): string {
    return host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
