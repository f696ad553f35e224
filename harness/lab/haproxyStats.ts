// What an edge's HAProxy thinks of its origin proxies, read from its admin socket (`show stat`).
import * as net from "net";

/** Backend be_origin's servers and their status (UP, DOWN, MAINT, "UP 1/2" while rising…). */
export function originProxyStatus(adminSocket: string): Promise<Record<string, string>> {
    return new Promise((resolve, reject) => {
        let text = "";
        const s = net.connect(adminSocket, () => s.write("show stat\n"));
        s.on("data", (d) => { text += d.toString(); });
        s.on("error", reject);
        s.on("end", () => {
            const [header, ...rows] = text.replace(/^# /, "").trim().split("\n").map((l) => l.split(","));
            const [px, sv, status] = ["pxname", "svname", "status"].map((c) => header.indexOf(c));
            resolve(Object.fromEntries(rows.filter((r) => r[px] === "be_origin" && r[sv] !== "BACKEND").map((r) => [r[sv], r[status]])));
        });
    });
}
