// The redirector's database refresh: a script that downloads the country database and swaps it in atomically (nginx
// notices the new file itself), and the systemd timer that runs it. Pure: typed input in, file contents out.

/** Where the country database comes from: MaxMind's GeoLite2 with an account, else DB-IP's free monthly file. */
export type GeoipSource = { kind: "maxmind"; credentialsFile: string } | { kind: "dbip" };

export interface GeoipUpdateInput {
    database: string;
    source: GeoipSource;
    refreshHours: number;
}

export const GEOIP_UPDATE_SCRIPT = "/usr/local/sbin/china-edge-geoip-update";
export const GEOIP_UPDATE_UNIT = "china-edge-geoip-update";

const MAXMIND_URL = "https://download.maxmind.com/geoip/databases/GeoLite2-Country/download?suffix=tar.gz";
const DBIP_URL = "https://download.db-ip.com/free/dbip-country-lite-$month.mmdb.gz";

/** MaxMind's credentials as the script reads them (a file of mode 0600, outside the unit and the script). */
export function maxmindCredentials(accountId: string, licenseKey: string): string {
    return `ACCOUNT_ID=${accountId}\nLICENSE_KEY=${licenseKey}\n`;
}

function fetchCommands(source: GeoipSource): string {
    if (source.kind === "maxmind") {
        return `. ${source.credentialsFile}
# The credentials go through stdin, never on a command line other processes can read.
printf 'user = "%s:%s"\n' "$ACCOUNT_ID" "$LICENSE_KEY" | fetch -K - -o "$tmp/db.tar.gz" "${MAXMIND_URL}"
tar -xzf "$tmp/db.tar.gz" -C "$tmp"
src=$(find "$tmp" -name '*.mmdb' | head -n 1)`;
    }
    // DB-IP publishes each month's file early in the month: until it appears, the previous month's is current.
    return `for month in "$(date -u +%Y-%m)" "$(date -u -d "$(date -u +%Y-%m-01) -1 day" +%Y-%m)"; do
    if fetch -o "$tmp/db.mmdb.gz" "${DBIP_URL}"; then
        break
    fi
done
gunzip -f "$tmp/db.mmdb.gz"
src="$tmp/db.mmdb"`;
}

export function renderGeoipUpdateScript(input: GeoipUpdateInput): string {
    return `#!/bin/sh
# Rendered by china-edge: downloads the GeoIP2 country database to ${input.database}, replacing it atomically.
set -eu
db=${input.database}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() { curl -fsSL --retry 5 --retry-delay 10 --max-time 600 "$@"; }
${fetchCommands(input.source)}
if [ ! -s "$src" ]; then
    echo "no database in the download" >&2
    exit 1
fi
mkdir -p "$(dirname "$db")"
install -m 0644 "$src" "$db.new"
mv -f "$db.new" "$db"
echo "installed $(wc -c < "$db") bytes at $db"
`;
}

export function renderGeoipUpdateService(): string {
    return `# Rendered by china-edge
[Unit]
Description=Download the GeoIP2 country database of the redirector
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=${GEOIP_UPDATE_SCRIPT}
`;
}

export function renderGeoipUpdateTimer(refreshHours: number): string {
    return `# Rendered by china-edge
[Unit]
Description=Refresh the GeoIP2 country database every ${refreshHours} h

[Timer]
OnBootSec=15min
OnUnitActiveSec=${refreshHours}h
RandomizedDelaySec=10min
Persistent=true

[Install]
WantedBy=timers.target
`;
}
