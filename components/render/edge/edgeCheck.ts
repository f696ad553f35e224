// The post-deploy check of the cn stack: a shell script, run where `pulumi up` runs, that reaches the edge's public
// address with the public name as SNI and expects the origin proxy's answer through the whole chain.
import { HEALTH_PATH } from "../shared/endpoints";

export interface EdgeCheckInput {
    /** Public name sent as SNI and Host. */
    host: string;
    /** The edge's public address or DNS name. */
    address: string;
    port: number;
    /** Response header the origin proxy sets; its presence proves the request crossed the edge and CEN. */
    header: string;
    /** Skip certificate verification (the origin proxies self-sign when no certificate is configured). */
    insecure: boolean;
    /** Tries before giving up, and seconds between them (instances take minutes to boot and install). */
    attempts: number;
    intervalSeconds: number;
}

function sh(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function renderEdgeCheck(c: EdgeCheckInput): string {
    const url = `https://${c.host}${c.port === 443 ? "" : `:${c.port}`}${HEALTH_PATH}`;
    const curl = ["curl", "-sS", "-o", "/dev/null", "-D", "-", "--max-time", "10",
        "--connect-to", sh(`${c.host}:${c.port}:${c.address}:${c.port}`), ...(c.insecure ? ["--insecure"] : []), sh(url)].join(" ");
    return `set -u
last="no answer"
i=0
while [ "$i" -lt ${c.attempts} ]; do
    i=$((i + 1))
    if headers=$(${curl} 2>&1); then
        status=$(printf '%s\\n' "$headers" | head -n 1 | cut -d ' ' -f 2)
        if [ "$status" = 200 ] && printf '%s\\n' "$headers" | grep -qi ${sh(`^${c.header}:`)}; then
            echo ${sh(`china-edge: ${url} answers through ${c.address}:`)} "status $status, ${c.header} set"
            exit 0
        fi
        last="status $status$(printf '%s\\n' "$headers" | grep -qi ${sh(`^${c.header}:`)} || echo ", no ${c.header} header")"
    else
        last=$headers
    fi
    [ "$i" -lt ${c.attempts} ] && sleep ${c.intervalSeconds}
done
echo ${sh(`china-edge: ${url} through ${c.address} did not answer 200 with ${c.header} after ${c.attempts} attempts; last:`)} "$last" >&2
exit 1
`;
}
