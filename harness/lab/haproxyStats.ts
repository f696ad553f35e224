// What an edge's HAProxy counts and thinks of its origin proxies, read from its admin socket (`show stat`).
import * as net from "net";

/** Every row of `show stat`, each a record of its columns (pxname, svname, status, hrsp_5xx, …). */
export function showStat(adminSocket: string): Promise<Record<string, string>[]> {
    return new Promise((resolve, reject) => {
        let text = "";
        const s = net.connect(adminSocket, () => s.write("show stat\n"));
        s.on("data", (d) => { text += d.toString(); });
        s.on("error", reject);
        s.on("end", () => {
            const [header, ...rows] = text.replace(/^# /, "").trim().split("\n").map((l) => l.split(","));
            resolve(rows.map((r) => Object.fromEntries(header.map((column, i) => [column, r[i]]))));
        });
    });
}

/** Backend be_origin's servers and their status (UP, DOWN, MAINT, "UP 1/2" while rising…). */
export async function originProxyStatus(adminSocket: string): Promise<Record<string, string>> {
    const rows = await showStat(adminSocket);
    return Object.fromEntries(rows.filter((r) => r.pxname === "be_origin" && r.svname !== "BACKEND").map((r) => [r.svname, r.status]));
}
