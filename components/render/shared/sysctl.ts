// Kernel settings of the proxy hosts (/etc/sysctl.d) for many long-lived connections, documented in
// https://docs.kernel.org/networking/ip-sysctl.html, https://docs.kernel.org/admin-guide/sysctl/net.html and
// https://docs.kernel.org/admin-guide/sysctl/fs.html.
import { FILE_LIMIT } from "./capacity";

/** Key → value; a key starting with "-" may fail without stopping the others (systemd-sysctl). */
export const PROXY_SYSCTLS: [string, string | number][] = [
    ["net.core.somaxconn", 65535],
    ["net.ipv4.tcp_max_syn_backlog", 65535],
    ["net.core.netdev_max_backlog", 16384],
    // Outbound hops (edge → origin proxy, origin proxy → origin) each get ~64k source ports per destination.
    ["net.ipv4.ip_local_port_range", "1024 65535"],
    ["net.ipv4.tcp_tw_reuse", 1],
    ["net.ipv4.tcp_fin_timeout", 15],
    ["net.ipv4.tcp_keepalive_time", 300],
    ["net.ipv4.tcp_keepalive_intvl", 30],
    ["net.ipv4.tcp_keepalive_probes", 5],
    ["net.core.rmem_max", 16777216],
    ["net.core.wmem_max", 16777216],
    ["net.ipv4.tcp_rmem", "4096 87380 16777216"],
    ["net.ipv4.tcp_wmem", "4096 65536 16777216"],
    ["net.ipv4.tcp_slow_start_after_idle", 0],
    ["fs.file-max", 2 * FILE_LIMIT],
    ["fs.nr_open", 2 * FILE_LIMIT],
    // BBR paces with fq; both are modules some kernels lack, so neither may stop the rest.
    ["-net.core.default_qdisc", "fq"],
    ["-net.ipv4.tcp_congestion_control", "bbr"],
];

export function renderSysctl(): string {
    return ["# Rendered by china-edge: proxy host tuning", ...PROXY_SYSCTLS.map(([k, v]) => `${k} = ${v}`)].join("\n") + "\n";
}
