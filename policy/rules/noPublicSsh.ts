import * as ipaddr from "ipaddr.js";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { SSH_PORT } from "../kernel/limits";
import { JUDGED_INGRESS, JudgedIngress } from "../coverage/judged";
import { readPath } from "../coverage/paths";
import { Check, Props, forTypes, schemaOf } from "./dispatch";

const defaults = { port: SSH_PORT, cidrs: ["0.0.0.0/0", "::/0"] };
type Config = typeof defaults;

/** Whether a rule's port range ("a/b"; "-1/-1" is every port) holds the port. */
export function rangeHolds(portRange: unknown, port: number): boolean {
    if (portRange === undefined || portRange === null || portRange === "" || portRange === "-1/-1") {
        return true;
    }
    const m = /^(\d+)\/(\d+)$/.exec(String(portRange));
    return m ? Number(m[1]) <= port && port <= Number(m[2]) : true;
}

/** Whether a source range covers one of the refused ranges (10.0.0.0/0 is the whole internet too). */
export function coversAny(source: unknown, refused: string[]): string | undefined {
    if (typeof source !== "string" || !ipaddr.isValidCIDR(source)) {
        return undefined;
    }
    const [addr, prefix] = ipaddr.parseCIDR(source);
    return refused.find((r) => {
        if (!ipaddr.isValidCIDR(r)) {
            return false;
        }
        const [rAddr, rPrefix] = ipaddr.parseCIDR(r);
        return rAddr.kind() === addr.kind() && prefix <= rPrefix && rAddr.match(addr, prefix);
    });
}

function checkRule(shape: JudgedIngress, rule: Props, where: string, report: (m: string) => void, config: Config): void {
    if (rule[shape.direction.field] !== shape.direction.ingress || rule[shape.policy] === "drop") {
        return;
    }
    const protocol = String(rule[shape.protocol] ?? "").toLowerCase();
    if (protocol !== "tcp" && protocol !== "all") {
        return;
    }
    const ports = rule[shape.ports];
    if (!rangeHolds(ports, config.port)) {
        return;
    }
    for (const field of shape.sources) {
        const source = rule[field];
        const hit = coversAny(source, config.cidrs);
        if (hit) {
            report(`${where}ingress ${protocol} ${ports ?? "-1/-1"} from ${source} opens port ${config.port} to ${hit}; ` +
                `allow SSH only from admin ranges (china-edge:adminCidrs) or reach the hosts through a bastion.`);
        }
    }
}

const checks: Record<string, Check<Config>> = {};
for (const shape of JUDGED_INGRESS) {
    checks[shape.token] = (props, report, config) => {
        if (!shape.holder) {
            checkRule(shape, props, "", report, config);
            return;
        }
        for (const found of readPath(props, shape.holder)) {
            checkRule(shape, (found.value ?? {}) as Props, `${found.field}: `, report, config);
        }
    };
}

export const noPublicSsh: ResourceValidationPolicy = {
    name: "no-public-ssh",
    description: "No security-group ingress may open SSH to the whole internet.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: schemaOf(defaults, {
        port: "The port guarded (SSH).",
        cidrs: "Source ranges refused; any source that covers one of them is refused too.",
    }),
    validateResource: forTypes(defaults, checks),
};
