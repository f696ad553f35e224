// What ships the proxies' JSON access logs to Simple Log Service (SLS), as text: the Logtail collection of each kind
// of host and the script that installs Logtail on a running host. Pure: typed input in, text out.
// - Logtail's install script per region, over the region's internal network, and the custom identifier file its
//   machine group matches (https://www.alibabacloud.com/help/en/log-service/latest/create-a-custom-id-based-machine-group);
// - the origin proxy's nginx log: a file input in JSON mode (the provider's alicloud_logtail_config example);
// - the edge's HAProxy log, which is in the journal: the service_journal input
//   (https://www.alibabacloud.com/help/en/sls/user-guide/collect-systemd-journal-logs) with processor_json
//   expanding the JSON line (https://help.aliyun.com/zh/sls/user-guide/expand-json-fields).
import { NGINX_PATHS } from "./paths";

export type LogRole = "edge" | "origin";

/** The custom identifier the hosts of one role of a stack announce, and their machine group matches. */
export function logMachineId(stack: string, role: LogRole): string {
    return `china-edge-${stack}-${role}`;
}

/** Where Logtail reads its custom identifier. */
export const LOGTAIL_ID_FILE = "/etc/ilogtail/user_defined_id";

/** The journal's persistent directory, which Logtail's journal input reads. */
export const JOURNAL_DIRECTORY = "/var/log/journal";

export interface LogtailInput {
    inputType: "file" | "plugin";
    /** The collection, as the LogTailConfig's inputDetail JSON. */
    inputDetail: string;
}

/** What Logtail collects on a host of `role`. */
export function logtailInput(role: LogRole): LogtailInput {
    if (role === "origin") {
        const file = NGINX_PATHS.accessLog;
        const cut = file.lastIndexOf("/");
        return {
            inputType: "file",
            inputDetail: JSON.stringify({
                logType: "json_log", logPath: file.slice(0, cut), filePattern: file.slice(cut + 1), topicFormat: "none",
                discardUnmatch: false, enableRawLog: false, fileEncoding: "utf8", maxDepth: 0,
            }),
        };
    }
    return {
        inputType: "plugin",
        inputDetail: JSON.stringify({
            plugin: {
                inputs: [{ type: "service_journal", detail: { JournalPaths: [JOURNAL_DIRECTORY], Units: ["haproxy.service"], Kernel: false, SeekPosition: "tail" } }],
                // HAProxy's line is one JSON object (the edge's log-format): its fields become the entry's.
                processors: [{ type: "processor_json", detail: { SourceKey: "MESSAGE", KeepSource: false, NoKeyError: false, KeepSourceIfParseError: true, ExpandDepth: 1 } }],
            },
        }),
    };
}

/**
 * The shell script Cloud Assistant runs on each host: the journal made persistent (where the edge's log lives), the
 * host's identifier written, Logtail installed for `region` unless it runs already. Run again, it changes nothing.
 */
export function renderLogtailInstall(region: string, machineId: string): string {
    if (!/^[a-z]{2}(-[a-z0-9]+)+$/.test(region)) {
        throw new Error(`renderLogtailInstall: "${region}" is not a region id`);
    }
    const installer = `http://logtail-release-${region}.oss-${region}-internal.aliyuncs.com/linux64/logtail.sh`;
    return `#!/bin/sh
# Rendered by china-edge: ships this host's access log to Simple Log Service
set -eu
# On a new host, after its first boot's setup (which installs curl).
cloud-init status --wait >/dev/null || true
mkdir -p ${JOURNAL_DIRECTORY}
systemd-tmpfiles --create --prefix ${JOURNAL_DIRECTORY}
journalctl --flush
mkdir -p ${LOGTAIL_ID_FILE.replace(/\/[^/]+$/, "")}
printf '%s\\n' '${machineId}' > ${LOGTAIL_ID_FILE}
if [ -x /etc/init.d/ilogtaild ] && /etc/init.d/ilogtaild status >/dev/null 2>&1; then
    echo "Logtail runs already"
    exit 0
fi
curl -fsS --retry 5 -o /tmp/china-edge-logtail.sh ${installer}
sh /tmp/china-edge-logtail.sh install ${region}
rm -f /tmp/china-edge-logtail.sh
`;
}
