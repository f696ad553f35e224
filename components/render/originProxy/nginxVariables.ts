// Every nginx variable the rendered configs define, in one place: `$ce_` marks them as china-edge's own.

export const V = {
    /** The old name of the request's public name: SNI and Host toward the existing service. */
    originHost: "$ce_origin_host",
    /** The upstream block of the request's old name. */
    upstream: "$ce_upstream",
    /** "upgrade" for a WebSocket, empty otherwise (which keeps the upstream connection alive). */
    connectionUpgrade: "$ce_connection_upgrade",
    /** The request's Origin and Referer with public names turned back into old names. */
    originUpstream: "$ce_origin_upstream",
    refererUpstream: "$ce_referer_upstream",
    /** What replaces </body> in HTML: the filing footer, then </body>. */
    icpFooter: "$ce_icp_footer",
    /** The third-party host of a request under /_ext/ (a capture of the relay's location). */
    relayHost: "$ce_relay_host",
    /** The relayed host's path and query, as the visitor sent them. */
    relayPath: "$ce_relay_path",
    /** relay or drop for a relayed host, empty for any other. */
    relay: "$ce_relay",
    /** "address:port" of a relayed host. */
    relayUpstream: "$ce_relay_upstream",
    /** 1 for a method the host is relayed for. */
    relayMethod: "$ce_relay_method",
    /** The visitor's country (redirector). */
    country: "$ce_country",
    /** 1 for the methods a redirect is sent for (redirector). */
    methodRedirects: "$ce_method_redirects",
    /** 1 for a path never redirected (redirector). */
    exempt: "$ce_exempt",
    /** 1 when this request gets the redirect (redirector). */
    redirect: "$ce_redirect",
    /** The public name of the requested old name (redirector). */
    publicHost: "$ce_public_host",
} as const;

/** Named captures of the conversion regexes: a scheme, the rest of a URL. */
export const CAPTURE = { scheme: "ce_s", rest: "ce_r" } as const;
