// The host names the origin proxy converts, and the anchored forms in which a name is found in bodies and headers.

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
