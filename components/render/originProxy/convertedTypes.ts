// The content types whose bodies the origin proxy converts: sub_filter's types, and what the conversion module
// decodes when the origin compressed it anyway.

/** Content types whose bodies carry URLs: converted, then compressed again toward the client. Never "*". */
export const CONVERTED_TYPES = [
    "text/css", "application/javascript", "text/javascript", "application/json", "application/manifest+json",
    "application/ld+json", "text/xml", "application/xml", "application/rss+xml", "application/atom+xml",
    "image/svg+xml", "text/plain",
];

/** Streams whose events carry URLs: converted as each event passes, never compressed (that would hold events back). */
export const STREAMED_TYPES = ["text/event-stream", "application/x-ndjson", "application/jsonl", "application/json-seq"];
