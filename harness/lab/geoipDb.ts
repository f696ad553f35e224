// A small GeoIP2 country database for the lab and the tests, written by Debian's libmaxmind-db-writer-perl: the
// lab's client addresses get countries, so the redirector's GeoIP decision runs for real.
import { spawnSync } from "child_process";

/** Perl that writes a GeoLite2-Country-shaped database from "address<TAB>ISO code" lines on stdin. */
const WRITER = `
use strict; use warnings;
use MaxMind::DB::Writer::Tree;
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 24, database_type => 'GeoLite2-Country', languages => ['en'],
    description => { en => 'china-edge lab' },
    remove_reserved_networks => 0,
    map_key_type_callback => sub { { country => 'map', iso_code => 'utf8_string', names => 'map', en => 'utf8_string' }->{$_[0]} },
);
while (my $line = <STDIN>) {
    chomp $line;
    my ($network, $code) = split /\\t/, $line;
    $tree->insert_network($network, { country => { iso_code => $code, names => { en => $code } } });
}
open my $fh, '>:raw', $ARGV[0] or die "cannot write $ARGV[0]: $!";
$tree->write_tree($fh);
close $fh;
`;

/** Whether the database writer is installed. */
export function geoipWriterAvailable(): boolean {
    return spawnSync("perl", ["-MMaxMind::DB::Writer::Tree", "-e", "1"]).status === 0;
}

/** Writes `file` mapping each address (or CIDR) to its ISO country code; everything else has no country. */
export function writeGeoipDatabase(file: string, countries: Record<string, string>): void {
    const lines = Object.entries(countries).map(([address, code]) => `${address.includes("/") ? address : `${address}/32`}\t${code}\n`).join("");
    const r = spawnSync("perl", ["-e", WRITER, file], { input: lines, encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`writing the GeoIP database ${file} failed: ${(r.stderr || String(r.error)).trim()}`);
    }
}
