-- What the origin proxy converts in Lua (lua-nginx-module, LuaJIT), where sub_filter and proxy_redirect cannot reach:
--   headers():   every occurrence of a converted name in the response headers that can name the site (HEADERS);
--   integrity(): the `integrity` of first-party scripts and stylesheets in HTML, dropped, because the proxy converts
--                their bodies and the browser would refuse a body whose hash no longer matches; third-party ones
--                keep it.
-- The rendered module starts with three tables: NAMES (old name -> new name: served hosts and mirrors), FIRST_PARTY
-- (every served name, old and public) and HEADERS (lower case). nginx loads it once per worker (require).

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

local old = {}
for name in pairs(NAMES) do
    old[#old + 1] = name
end

-- A name counts where it stands alone: not inside a longer name (cdn.example.com), an address (ops@example.com) or
-- a look-alike (example.com.evil.net). `*.example.com`, a CSP wildcard, is the same name.
local NAME = "(^|[^A-Za-z0-9.@-]|\\*\\.)(" .. alternatives(old) .. ")(?![A-Za-z0-9-]|\\.[A-Za-z0-9-])"

local function to_public(m)
    return m[1] .. NAMES[lower(m[2])]
end

local function convert(value)
    return (gsub(value, NAME, to_public, "joi")) or value
end

local M = {}

function M.headers()
    local h = ngx.header
    for i = 1, #HEADERS do
        local value = h[HEADERS[i]]
        if type(value) == "table" then
            for j = 1, #value do
                value[j] = convert(value[j])
            end
            h[HEADERS[i]] = value
        elseif value then
            local converted = convert(value)
            if converted ~= value then
                h[HEADERS[i]] = converted
            end
        end
    end
    local content_type = h.content_type
    if content_type and find(content_type, "^\\s*text/html", "joi") then
        -- Only HTML goes through integrity(); its length changes.
        ngx.ctx.html = true
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

local function first_party(url)
    return not find(url, ABSOLUTE, "jo") or find(url, OURS, "joi") ~= nil
end

local function without_integrity(m)
    local url = match(m[0], URL, "joi")
    if url and first_party(url[1] or url[2] or url[3] or "") then
        return (gsub(m[0], INTEGRITY, "", "joi"))
    end
    return m[0]
end

function M.integrity()
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

return M
