#!/usr/bin/env bash
# Sets up what the project needs on a fresh machine (Node 22, npm packages), then runs `npm run <script>`.
#   bash scripts/dev.sh start   the offline plan of both stacks, then the local lab's smoke check
#   bash scripts/dev.sh test    the whole test suite
#   bash scripts/dev.sh lab     the local lab until Ctrl-C (any npm script works, arguments after it pass through)
# Idempotent: a second run reuses what the first installed.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# @pulumi/pulumi needs Node 22; the npm registry's node@22 package ships the binary.
if [ "$(node_major)" -lt 22 ]; then
    node22="${XDG_CACHE_HOME:-$HOME/.cache}/china-edge/node22"
    if [ ! -x "$node22/node_modules/node/bin/node" ]; then
        echo "dev.sh: installing Node 22 from the npm registry into $node22" >&2
        mkdir -p "$node22"
        npm install --prefix "$node22" --no-save --no-package-lock --no-audit --no-fund node@22 >&2
    fi
    export PATH="$node22/node_modules/node/bin:$PATH"
fi

# The real proxies, validators and browser the render, data-plane and browser tests run (Debian packages).
DEBIAN_PACKAGES="haproxy nginx libnginx-mod-http-geoip2 libnginx-mod-http-lua libbrotli1 cloud-init openssl ca-certificates curl wrk nghttp2-client libmaxmind-db-writer-perl mmdb-bin chromium libnss3-tools fonts-dejavu-core pebble lego prometheus-node-exporter prometheus"
missing_tools() {
    for t in haproxy nginx cloud-init openssl curl wrk chromium certutil pebble lego prometheus-node-exporter promtool prometheus; do command -v "$t" >/dev/null || { echo "$t"; return; }; done
    [ -f /usr/lib/nginx/modules/ngx_http_geoip2_module.so ] || { echo "nginx geoip2 module"; return; }
    [ -f /usr/lib/nginx/modules/ngx_http_lua_module.so ] || { echo "nginx Lua module"; return; }
    [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || { echo "a font for the browser tests"; return; }
    perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null || echo "MaxMind::DB::Writer"
}
if [ -n "$(missing_tools)" ] && command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    echo "dev.sh: installing Debian packages: $DEBIAN_PACKAGES" >&2
    if ! { $sudo apt-get update -q && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $DEBIAN_PACKAGES; } >&2; then
        echo "dev.sh: could not install Debian packages; tests that need them will say they skip" >&2
    fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "dev.sh: npm ci (node $(node --version))" >&2
    npm ci --no-audit --no-fund >&2
fi

exec npm run -s "${1:-start}" -- "${@:2}"
