// The pack's coverage of the installed provider: each input the scan finds, with the rule that judges it or the
// reason it is waived; written to policy/COVERAGE.md by `npm run policy:coverage`.
import { JUDGED_DISK_INPUTS, JUDGED_INSTANCE_INPUTS, JUDGED_INGRESS, ingressPaths } from "china-edge-policy/coverage/judged";
import { waiverFor } from "china-edge-policy/coverage/waived";
import { ProviderInput, providerVersion, scanProviderInputs } from "./providerInputs";

/** The rule that judges an input, its check, and the size it takes an unset disk to have. */
export interface Judgement {
    rule: string;
    check: string;
    unsetGb?: number;
}

export interface CoverageRow {
    input: ProviderInput;
    judged?: Judgement;
    waived?: string;
}

/** Every judged path of the pack, keyed by `token path` (alternatives split). */
export function judgedPaths(): Map<string, Judgement> {
    const map = new Map<string, Judgement>();
    for (const e of JUDGED_INSTANCE_INPUTS) {
        e.path.split("|").forEach((p) => map.set(`${e.token} ${p}`, { rule: "no-burstable-instances", check: e.check }));
    }
    for (const e of JUDGED_DISK_INPUTS) {
        e.path.split("|").forEach((p) => map.set(`${e.token} ${p}`, { rule: "minimum-disk-size", check: e.check, unsetGb: e.unsetGb }));
    }
    for (const e of JUDGED_INGRESS) {
        ingressPaths(e).forEach((p) => map.set(`${e.token} ${p}`, { rule: "no-public-ssh", check: "ingress" }));
    }
    return map;
}

export function coverage(inputs: ProviderInput[] = scanProviderInputs()): CoverageRow[] {
    const judged = judgedPaths();
    return inputs.map((input) => ({ input, judged: judged.get(`${input.token} ${input.path}`), waived: waiverFor(input.token, input.path)?.reason }));
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

export function coverageDocument(rows: CoverageRow[] = coverage(), version = providerVersion()): string {
    const judged = rows.filter((r) => r.judged);
    const waived = rows.filter((r) => !r.judged && r.waived);
    const reasons = new Map<string, number>();
    waived.forEach((r) => reasons.set(r.waived!, (reasons.get(r.waived!) ?? 0) + 1));
    const lines = [
        "# What the pack judges in the provider",
        "",
        `Written by \`npm run policy:coverage\` from the typed inputs of \`@pulumi/alicloud\` ${version}: every resource input that`,
        "chooses an instance type, family or level, sizes a system or data disk, or opens an ingress rule, with the rule that",
        "judges it (`coverage/judged.ts`) or the reason it is left alone (`coverage/waived.ts`). A test fails when the",
        "installed provider has such an input that is neither.",
        "",
        `${rows.length} inputs: ${judged.length} judged, ${waived.length} waived, ${rows.length - judged.length - waived.length} undecided.`,
        "",
        "## Judged",
        "",
        "| resource | input | type | rule | check | unset means |",
        "|---|---|---|---|---|---|",
        ...judged.map((r) => `| \`${r.input.token}\` | \`${cell(r.input.path)}\` | ${cell(r.input.valueType)} | ${r.judged!.rule} | ${r.judged!.check} | ` +
            `${r.judged!.unsetGb !== undefined ? `${r.judged!.unsetGb} GB` : ""} |`),
        "",
        "## Waived",
        "",
        "| reason | inputs |",
        "|---|---|",
        ...[...reasons.keys()].map((reason) => `| ${cell(reason)} | ${waived.filter((r) => r.waived === reason)
            .map((r) => `\`${r.input.token.replace(/^alicloud:/, "")}\` \`${cell(r.input.path)}\``).join(", ")} |`),
        "",
    ];
    return lines.join("\n");
}
