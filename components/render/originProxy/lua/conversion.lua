-- What the origin proxy converts in Lua (lua-nginx-module, LuaJIT), where sub_filter and proxy_redirect cannot reach:
--   headers():   every occurrence of a converted name in the response headers that can name the site (HEADERS), and
--                of a served name in Location and Refresh (after proxy_redirect: a name inside the query, encoded);
--                and a body of a converted type that the origin compressed anyway (gzip, br) marked for decoding;
--   body():      such a body decoded as it streams, before sub_filter sees it (nginx's gzip compresses it again
--                toward a client that accepts gzip); every served name in a body of a converted type, as sub_filter
--                would write it but for any number of names (sub_filter takes 255 strings, 7 a name); then, in HTML,
--                the `integrity` of first-party scripts and
--                stylesheets dropped, because the proxy converts their bodies and the browser would refuse a body
--                whose hash no longer matches; third-party ones, relayed ones included, keep it;
--   relayed():   on a relayed third party's answer: its redirects kept on the relay, and any type but a passive
--                subresource's (RELAYED_TYPES) refused, since it would run as the site's own origin;
--   refused():   the body of a refused answer replaced by a short text.
-- The rendered module starts with its tables: SERVED and MIRRORS (old name -> new name), FIRST_PARTY (every served
-- name, old and public), HEADERS (lower case), MIRROR_ALLOWS (mirror -> the CSP sources it needs as well), RELAYED
-- (hosts under RELAY_PREFIX), RELAYED_TYPES and CONVERTED_TYPES (prefixes of the types converted), BODY_PREFIXES and
-- BODY_QUOTES (what a served name follows, or stands between, in a body).
-- nginx loads it once per worker (require).

local find, gsub, match = ngx.re.find, ngx.re.gsub, ngx.re.match
local lower, sub = string.lower, string.sub

local function alternatives(names)
    local list = {}
    for _, name in ipairs(names) do
        list[#list + 1] = name
    end
    table.sort(list, function(a, b) return #a > #b end)
    for i, name in ipairs(list) do
        list[i] = (name:gsub("[^%w]", "\\%0"))
    end
    return table.concat(list, "|")
end

local NAMES = {}
for _, names in ipairs({ MIRRORS, SERVED }) do
    for from, to in pairs(names) do
        NAMES[from] = to
    end
end

-- A name counts where it stands alone: not inside a longer name (cdn.example.com), an address (ops@example.com) or
-- a look-alike (example.com.evil.net); after a slash however written (%2F, \u002F, \x2F). `*.example.com`, a CSP
-- wildcard, is the same name.
local function name_pattern(names)
    local list = {}
    for name in pairs(names) do
        list[#list + 1] = name
    end
    return "(^|[^A-Za-z0-9.@-]|\\*\\.|%2F|\\\\u002F|\\\\x2F)(" .. alternatives(list) .. ")(?![A-Za-z0-9-]|\\.[A-Za-z0-9-])"
end

local NAME, SERVED_NAME = name_pattern(NAMES), name_pattern(SERVED)

local function to_public(m)
    return m[1] .. NAMES[lower(m[2])]
end

local function convert(value, pattern)
    return (gsub(value, pattern or NAME, to_public, "joi")) or value
end

-- A served name in a body: after two slashes however written (BODY_PREFIXES), or between quotes of one kind; in any
-- case, written back as sub_filter would: the prefix as BODY_PREFIXES writes it, then the public name.
local function escaped(text)
    return (text:gsub("[^%w]", "\\%0"))
end

local SERVED_LIST, BODY_ALTERNATIVES, LOWER_PREFIXES, CANONICAL, BODY_QUOTES_SET = {}, {}, {}, {}, {}
for from in pairs(SERVED) do
    SERVED_LIST[#SERVED_LIST + 1] = from
end
for i, p in ipairs(BODY_PREFIXES) do
    BODY_ALTERNATIVES[i], LOWER_PREFIXES[i], CANONICAL[lower(p)] = escaped(p), lower(p), p
end
for _, q in ipairs(BODY_QUOTES) do
    BODY_QUOTES_SET[q] = true
end
local BODY_NAME = "(?:(" .. table.concat(BODY_ALTERNATIVES, "|") .. ")|([" .. escaped(table.concat(BODY_QUOTES)) .. "]))("
    .. alternatives(SERVED_LIST) .. ")(?(2)\\2)"

local function body_to_public(m)
    return (m[1] and CANONICAL[lower(m[1])] or m[2]) .. SERVED[lower(m[3])] .. (m[2] or "")
end

-- What may end a chunk and go on in the next: the proper prefixes of each served name, and the longest such tail.
local PROPER, WHOLE, HOLD = {}, {}, 0
for _, name in ipairs(SERVED_LIST) do
    WHOLE[name] = true
    for i = 0, #name - 1 do
        PROPER[sub(name, 1, i)] = true
    end
    for _, p in ipairs(BODY_PREFIXES) do
        HOLD = math.max(HOLD, #p + #name)
    end
end

-- Whether `tail`, the end of a chunk, may be the start of a served name's match that the next chunk completes.
local function may_continue(tail)
    local t = lower(tail)
    for _, p in ipairs(LOWER_PREFIXES) do
        if #t <= #p then
            if sub(p, 1, #t) == t then
                return true
            end
        elseif sub(t, 1, #p) == p and PROPER[sub(t, #p + 1)] then
            return true
        end
    end
    local q = sub(t, 1, 1)
    local rest = sub(t, 2)
    return BODY_QUOTES_SET[q] and (PROPER[rest] or WHOLE[rest]) or false
end

-- `text` with every served name converted, but for a tail that may be cut inside one (unless `last`): the converted
-- text, and the tail to put before the next chunk.
local function convert_names(text, last)
    local parts, at, rx = {}, 1, { pos = 1 }
    while true do
        local m = match(text, BODY_NAME, "joi", rx)
        if not m then
            break
        end
        parts[#parts + 1] = sub(text, at, rx.pos - #m[0] - 1)
        parts[#parts + 1] = body_to_public(m)
        at = rx.pos
    end
    local cut = #text
    if not last then
        for i = math.max(at, #text - HOLD + 2), #text do
            if may_continue(sub(text, i)) then
                cut = i - 1
                break
            end
        end
    end
    parts[#parts + 1] = sub(text, at, cut)
    return table.concat(parts), sub(text, cut + 1)
end

local RELAYED_SET = {}
for _, host in ipairs(RELAYED) do
    RELAYED_SET[host] = true
end

-- A CSP source naming a relayed host (with or without scheme, port or path) allows its relay path instead.
local RELAYED_SOURCE = #RELAYED > 0
    and "(^|[\\s;])(?:https?://)?(" .. alternatives(RELAYED) .. ")(?::443)?(?:/[^\\s;,]*)?(?=[\\s;,]|$)" or nil
local CSP = { ["content-security-policy"] = true, ["content-security-policy-report-only"] = true }

local function to_relay(m)
    return m[1] .. "https://" .. ngx.var.host .. RELAY_PREFIX .. lower(m[2]) .. "/"
end

-- A CSP source naming a mirror is followed by what the mirror loads as well (reCAPTCHA's scripts on www.gstatic.cn).
local MIRROR_SOURCES = {}
for mirror, allows in pairs(MIRROR_ALLOWS) do
    MIRROR_SOURCES[#MIRROR_SOURCES + 1] = {
        pattern = "(^|[\\s;])((?:https?://)?" .. alternatives({ mirror }) .. "(?::443)?(?:/[^\\s;,]*)?)(?=[\\s;,]|$)",
        allows = allows,
    }
end

local function convert_header(name, value)
    local converted = convert(value)
    if CSP[name] then
        if RELAYED_SOURCE then
            converted = gsub(converted, RELAYED_SOURCE, to_relay, "joi") or converted
        end
        for _, m in ipairs(MIRROR_SOURCES) do
            if not converted:find(m.allows, 1, true) then
                converted = gsub(converted, m.pattern, "$1$2 " .. m.allows, "joi") or converted
            end
        end
    end
    return converted
end

local function has_type(content_type, types)
    if type(content_type) ~= "string" then
        return false
    end
    local t = lower((content_type:gsub("^%s+", "")))
    for _, prefix in ipairs(types) do
        if sub(t, 1, #prefix) == prefix then
            return true
        end
    end
    return false
end

-- Decoders of what origins send compressed whatever they are asked (precompressed files): zlib's inflate and
-- brotli's, from the host's libraries (libz, libbrotlidec) through LuaJIT's FFI, each fed the body chunk by chunk.
local ffi = require("ffi")
ffi.cdef([[
typedef struct {
    const unsigned char *next_in; unsigned int avail_in; unsigned long total_in;
    unsigned char *next_out; unsigned int avail_out; unsigned long total_out;
    const char *msg; void *state; void *zalloc; void *zfree; void *opaque;
    int data_type; unsigned long adler; unsigned long reserved;
} ce_z_stream;
const char *zlibVersion(void);
int inflateInit2_(ce_z_stream *strm, int windowBits, const char *version, int stream_size);
int inflate(ce_z_stream *strm, int flush);
int inflateEnd(ce_z_stream *strm);
void *BrotliDecoderCreateInstance(void *alloc, void *free, void *opaque);
int BrotliDecoderDecompressStream(void *state, size_t *available_in, const uint8_t **next_in,
    size_t *available_out, uint8_t **next_out, size_t *total_out);
void BrotliDecoderDestroyInstance(void *state);
]])

local function library(name)
    local ok, lib = pcall(ffi.load, name)
    return ok and lib or nil
end

local zlib, brotli = library("libz.so.1"), library("libbrotlidec.so.1")
local OUT = 16384

local function inflater()
    local z = ffi.new("ce_z_stream")
    -- 31: a gzip header and trailer around deflate's 15-bit window.
    if zlib.inflateInit2_(z, 31, zlib.zlibVersion(), ffi.sizeof(z)) ~= 0 then
        return nil
    end
    ffi.gc(z, zlib.inflateEnd)
    local out, done = ffi.new("unsigned char[?]", OUT), false
    return function(data)
        if done then
            return ""
        end
        z.next_in, z.avail_in = ffi.cast("const unsigned char *", data), #data
        local parts = {}
        repeat
            z.next_out, z.avail_out = out, OUT
            local rc = zlib.inflate(z, 0)
            if rc ~= 0 and rc ~= 1 and rc ~= -5 then
                return nil, "inflate: " .. (z.msg ~= nil and ffi.string(z.msg) or rc)
            end
            parts[#parts + 1] = ffi.string(out, OUT - z.avail_out)
            done = rc == 1
        until done or z.avail_out ~= 0
        return table.concat(parts)
    end
end

local function unbrotli()
    local state = brotli.BrotliDecoderCreateInstance(nil, nil, nil)
    if state == nil then
        return nil
    end
    ffi.gc(state, brotli.BrotliDecoderDestroyInstance)
    local next_in, avail_in = ffi.new("const uint8_t *[1]"), ffi.new("size_t[1]")
    local out = ffi.new("uint8_t[?]", OUT)
    local next_out, avail_out = ffi.new("uint8_t *[1]"), ffi.new("size_t[1]")
    return function(data)
        next_in[0], avail_in[0] = ffi.cast("const uint8_t *", data), #data
        local parts = {}
        repeat
            next_out[0], avail_out[0] = out, OUT
            -- 0: error; 1: done; 2: wants more input; 3: wants more room.
            local rc = brotli.BrotliDecoderDecompressStream(state, avail_in, next_in, avail_out, next_out, nil)
            if rc == 0 then
                return nil, "brotli: corrupt stream"
            end
            parts[#parts + 1] = ffi.string(out, OUT - avail_out[0])
        until rc ~= 3
        return table.concat(parts)
    end
end

local DECODERS = { gzip = zlib and inflater, ["x-gzip"] = zlib and inflater, br = brotli and unbrotli }

local M = {}

function M.headers()
    local h = ngx.header
    for i = 1, #HEADERS do
        local value = h[HEADERS[i]]
        if type(value) == "table" then
            for j = 1, #value do
                value[j] = convert_header(HEADERS[i], value[j])
            end
            h[HEADERS[i]] = value
        elseif value then
            local converted = convert_header(HEADERS[i], value)
            if converted ~= value then
                h[HEADERS[i]] = converted
            end
        end
    end
    for _, name in ipairs({ "location", "refresh" }) do
        local value = h[name]
        if type(value) == "string" then
            local converted = convert(value, SERVED_NAME)
            if converted ~= value then
                h[name] = converted
            end
        end
    end
    local ctx, content_type, encoding = ngx.ctx, h.content_type, h.content_encoding
    if type(encoding) == "string" and lower(encoding) ~= "identity" and ngx.status ~= 206 and has_type(content_type, CONVERTED_TYPES) then
        local make = DECODERS[lower(encoding)]
        ctx.decode = make and make()
        if ctx.decode then
            ctx.encoding = encoding
            h.content_encoding = nil
            h.content_length = nil
        else
            ngx.log(ngx.WARN, "conversion: a ", encoding, " body of ", content_type, " passes unconverted: no decoder for it")
        end
    end
    -- Converted unless it stays encoded (no decoder for it, or a range); its length changes, and its validators go
    -- as sub_filter drops them.
    local encoded = type(encoding) == "string" and lower(encoding) ~= "identity"
    ctx.convert = has_type(content_type, CONVERTED_TYPES) and (not encoded or not not ctx.decode)
    if ctx.convert then
        h.content_length = nil
        h.etag = nil
        h.last_modified = nil
    end
    if content_type and find(content_type, "^\\s*text/html", "joi") then
        -- Only HTML goes through integrity(); its length changes.
        ctx.html = true
        h.content_length = nil
    end
end


-- A script or link tag that has an integrity attribute.
local TAG = "<(?:script|link)\\b[^>]*?\\sintegrity\\s*=[^>]*>"
local INTEGRITY = "\\s+integrity\\s*=\\s*(?:\"[^\"]*\"|'[^']*'|[^\\s\"'>]+)"
local URL = "\\s(?:src|href)\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s\"'>]+))"
local ABSOLUTE = "^\\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|//)"
local OURS = "^\\s*(?:https?:)?//(?:" .. alternatives(FIRST_PARTY) .. ")(?:[:/?#]|$)"
-- Longest tag held back at the end of a chunk waiting for its `>`; a longer one passes unchanged.
local MAX_TAG = 8192

-- A relayed third party's URL under a public name: its bytes are the third party's own.
local RELAY_URL = "^\\s*(?:(?:https?:)?//[^/]+)?" .. RELAY_PREFIX

local function first_party(url)
    if find(url, RELAY_URL, "jo") then
        return false
    end
    return not find(url, ABSOLUTE, "jo") or find(url, OURS, "joi") ~= nil
end

local function without_integrity(m)
    local url = match(m[0], URL, "joi")
    if url and first_party(url[1] or url[2] or url[3] or "") then
        return (gsub(m[0], INTEGRITY, "", "joi"))
    end
    return m[0]
end

local function integrity()
    local ctx = ngx.ctx
    if not ctx.html then
        return
    end
    local text = ngx.arg[1] or ""
    local held = ctx.held
    if held then
        text = held .. text
        ctx.held = nil
    end
    local cut = #text
    if not ngx.arg[2] then
        -- A chunk may end inside a tag: keep from its `<` (a script or link tag, or too short to tell) until the next.
        local open = text:match(".*()<")
        if open and not text:find(">", open, true) and cut - open < MAX_TAG and sub(text, open + 1, open + 1):find("^[sSlL]?$") then
            cut = open - 1
            ctx.held = sub(text, open)
        end
    end
    local out = cut < #text and sub(text, 1, cut) or text
    if find(out, "integrity", "joi") then
        out = gsub(out, TAG, without_integrity, "joi") or out
    end
    -- A chunk nothing was done to passes as it came.
    if held or cut < #text or out ~= text then
        ngx.arg[1] = out
    end
end

-- An undecodable body ends the answer short (ngx.ERROR): never the origin's bytes under a header that says plain.
function M.body()
    local ctx = ngx.ctx
    if ctx.decode and ngx.arg[1] and ngx.arg[1] ~= "" then
        local text, err = ctx.decode(ngx.arg[1])
        if not text then
            ngx.log(ngx.ERR, "conversion: the origin's ", ctx.encoding, " body could not be decoded (", err, "); answer cut short")
            return ngx.ERROR
        end
        ngx.arg[1] = text
    end
    if ctx.convert then
        local text, last = ngx.arg[1] or "", ngx.arg[2]
        if ctx.carry then
            text, ctx.carry = ctx.carry .. text, nil
        end
        local out, carry = convert_names(text, last)
        if carry ~= "" then
            ctx.carry = carry
        end
        if out ~= ngx.arg[1] then
            ngx.arg[1] = out
        end
    end
    return integrity()
end

-- A redirect of a relayed host: to a relayed host (itself or another) or a path of its own, it stays on the relay.
local RELAYED_LOCATION = "^(?:https?:)?//([^/:?#]+)(?::443)?([/?#].*)?$"

local function relocate(h)
    local location = h.location
    if type(location) ~= "string" then
        return
    end
    local m = match(location, RELAYED_LOCATION, "jo")
    if m and RELAYED_SET[lower(m[1])] then
        h.location = RELAY_PREFIX .. lower(m[1]) .. (m[2] or "/")
    elseif sub(location, 1, 1) == "/" and sub(location, 2, 2) ~= "/" then
        h.location = RELAY_PREFIX .. ngx.var.ce_relay_host .. location
    end
end

function M.relayed()
    local h = ngx.header
    relocate(h)
    local status = ngx.status
    if status >= 200 and status < 300 and status ~= 204 and not has_type(h.content_type, RELAYED_TYPES) then
        ngx.ctx.refused = h.content_type or "no type"
        ngx.status = ngx.HTTP_FORBIDDEN
        h.content_type = "text/plain"
        h.content_length = nil
        h.content_encoding = nil
        h.etag = nil
        h.last_modified = nil
        h.cache_control = "no-store"
    end
end

function M.refused()
    local ctx = ngx.ctx
    if not ctx.refused then
        return
    end
    if ctx.told then
        ngx.arg[1] = ""
    else
        ngx.arg[1] = "403: " .. ngx.var.ce_relay_host .. " answered " .. ctx.refused ..
            ", which the relay never serves under the site's name (only styles, scripts, fonts, images and data)\n"
        ctx.told = true
    end
end

return M
