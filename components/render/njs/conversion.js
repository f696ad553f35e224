// What the origin proxy converts with njs (nginx's JavaScript, 0.7 as Debian 12 ships it), where sub_filter and
// proxy_redirect cannot reach:
//   headers:   every occurrence of a converted name in the response headers that can name the site (HEADERS);
//   integrity: the `integrity` of first-party scripts and stylesheets in HTML, dropped, because the proxy converts
//              their bodies and the browser would refuse a body whose hash no longer matches; third-party ones keep it.
// The rendered file starts with three tables: NAMES (old name → new name, served hosts and mirrors), FIRST_PARTY
// (every served name, old and public) and HEADERS (lower case). njs gives each request its own copy of this
// module's variables. Written for njs 0.7: no destructuring, no arrow functions.

function escapeRegex(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function alternatives(names) {
    return names.slice().sort(function (a, b) { return b.length - a.length; }).map(escapeRegex).join("|");
}

// A name counts where it stands alone: not inside a longer name (cdn.example.com), an address (ops@example.com) or
// a look-alike (example.com.evil.net). `*.example.com`, a CSP wildcard, is the same name.
var NAME = new RegExp("(^|[^A-Za-z0-9.@-]|\\*\\.)(" + alternatives(Object.keys(NAMES)) + ")(?![A-Za-z0-9-]|\\.[A-Za-z0-9-])", "gi");

function convert(value) {
    return value.replace(NAME, function (match, before, name) {
        return before + NAMES[name.toLowerCase()];
    });
}

function headers(r) {
    var raw = r.rawHeadersOut;
    var values = {};
    var names = [];
    for (var i = 0; i < raw.length; i++) {
        var key = raw[i][0].toLowerCase();
        if (HEADERS.indexOf(key) === -1) {
            continue;
        }
        if (!values[key]) {
            values[key] = [];
            names.push(raw[i][0]);
        }
        values[key].push(convert(raw[i][1]));
    }
    names.forEach(function (name) {
        var converted = values[name.toLowerCase()];
        // An array sets the header once per value, replacing every field of that name.
        r.headersOut[name] = converted.length === 1 ? converted[0] : converted;
    });
}

var TAG = /<(?:script|link)\b[^>]*>/gi;
var INTEGRITY = /\s+integrity\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)/gi;
var URL_ATTRIBUTE = /\s(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
var ABSOLUTE = /^\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|\/\/)/;
var OURS = new RegExp("^\\s*(?:https?:)?//(?:" + alternatives(FIRST_PARTY) + ")(?:[:/?#]|$)", "i");
// Longest tag held back at the end of a chunk waiting for its `>`; a longer one passes unchanged.
var MAX_TAG = 8192;

function firstParty(url) {
    return !ABSOLUTE.test(url) || OURS.test(url);
}

function withoutIntegrity(tag) {
    var url = URL_ATTRIBUTE.exec(tag);
    return url && firstParty(url[1] || url[2] || url[3] || "") ? tag.replace(INTEGRITY, "") : tag;
}

var isHtml = null;
var held = "";

function integrity(r, data, flags) {
    if (isHtml === null) {
        isHtml = /^\s*text\/html\b/i.test(r.headersOut["Content-Type"] || "");
    }
    if (!isHtml) {
        r.sendBuffer(data, flags);
        return;
    }
    var text = held + data;
    var cut = text.length;
    var open = text.lastIndexOf("<");
    // A chunk may end inside a tag: keep from its `<` (a script or link tag, or too short to tell) until the next one.
    if (!flags.last && open !== -1 && text.indexOf(">", open) === -1 && text.length - open <= MAX_TAG &&
        /^<(?:[sl]|$)/i.test(text.slice(open, open + 2))) {
        cut = open;
    }
    held = text.slice(cut);
    r.sendBuffer(text.slice(0, cut).replace(TAG, withoutIntegrity), flags);
}

export default { headers: headers, integrity: integrity };
