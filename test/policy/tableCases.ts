// Cases written from the pack's coverage table: for every judged input of every resource type, a resource that
// sets each of its rule's inputs well passes, and the same resource with that one input set badly (or left
// unset where the provider's default is too small) is refused with a message naming the input.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { DiskCheck, InstanceCheck, JUDGED_DISK_INPUTS, JUDGED_INSTANCE_INPUTS, JudgedInput } from "china-edge-policy/coverage/judged";
import { byToken } from "china-edge-policy/coverage/paths";
import { noBurstableInstances } from "../../policy/rules/noBurstableInstances";
import { minimumDiskSize } from "../../policy/rules/minimumDiskSize";
import { Judge, assertionsOf } from "./args";

type Props = Record<string, unknown>;

const VALUES: Record<InstanceCheck | DiskCheck, { good: unknown; bad: unknown }> = {
    instanceType: { good: "ecs.g8i.large", bad: "ecs.t6-c1m1.large" },
    instanceFamily: { good: "ecs.g8i", bad: "ecs.t6" },
    familyLevel: { good: "EnterpriseLevel", bad: "CreditEntryLevel" },
    instanceCategory: { good: "General-purpose", bad: "Shared" },
    burstablePerformance: { good: "Exclude", bad: "Include" },
    creditSpecification: { good: undefined, bad: "Standard" },
    systemDiskSize: { good: 100, bad: 40 },
    dataDiskSize: { good: 100, bad: 40 },
};

/** Sets a value at a path, making the blocks and one-entry lists on the way: `a[].b` → `{ a: [{ b }] }`. */
export function writePath(props: Props, path: string, value: unknown): void {
    const segments = path.split(".");
    let at: Props = props;
    segments.forEach((segment, i) => {
        const many = segment.endsWith("[]");
        const name = many ? segment.slice(0, -2) : segment;
        if (i === segments.length - 1) {
            at[name] = many ? [value] : value;
        } else if (many) {
            const list = (at[name] as Props[] | undefined) ?? (at[name] = [{}] as Props[]);
            at = (list as Props[])[0];
        } else {
            at = (at[name] as Props | undefined) ?? ((at[name] = {}) as Props);
        }
    });
}

/** A resource with every one of these inputs set well (first alternative; an input well left unset stays out). */
function wellSet(entries: JudgedInput[]): Props {
    const props: Props = {};
    for (const e of entries) {
        const good = VALUES[e.check].good;
        if (good !== undefined) {
            writePath(props, e.path.split("|")[0], good);
        }
    }
    return props;
}

/** The same resource with one alternative of one input set to `value`, its other alternatives removed. */
function withOne(entries: JudgedInput[], entry: JudgedInput, alternative: string, value: unknown): Props {
    const props = wellSet(entries.filter((e) => e !== entry));
    writePath(props, alternative, value);
    return props;
}

/** The same resource with the input left unset in a block that is there: `dataDisks[].size` → `dataDisks: [{}]`. */
function withUnset(entries: JudgedInput[], entry: JudgedInput): Props {
    const props = wellSet(entries.filter((e) => e !== entry));
    const parent = entry.path.split("|")[0].split(".").slice(0, -1).join(".");
    if (parent) {
        writePath(props, parent, {});
    }
    return props;
}

/** `dataDisks[].size` as a message names the first entry: `dataDisks[0].size`. */
const fieldOf = (path: string) => path.replace(/\[\]/g, "[0]");

function casesOf(judge: Judge, policy: ResourceValidationPolicy, table: JudgedInput[]): void {
    const { assertPasses, assertViolation } = assertionsOf(judge);
    describe(`policy: ${policy.name} over its coverage table`, () => {
        for (const [token, entries] of byToken(table)) {
            it(`judges every input of ${token.replace(/^alicloud:/, "")} the table names (${entries.map((e) => e.path).join(", ")})`, async () => {
                await assertPasses(policy, token, wellSet(entries));
                for (const entry of entries) {
                    const { bad } = VALUES[entry.check];
                    for (const alternative of entry.path.split("|")) {
                        await assertViolation(policy, token, withOne(entries, entry, alternative, bad), `${fieldOf(alternative)} ${JSON.stringify(bad)}`.replace(/ (\d+)$/, " is $1 GB"));
                        if (typeof bad === "number") {
                            await assertViolation(policy, token, withOne(entries, entry, alternative, String(bad)), `${fieldOf(alternative)} is ${bad} GB`);
                            await assertPasses(policy, token, withOne(entries, entry, alternative, String(VALUES[entry.check].good)));
                        }
                    }
                    if (entry.unsetGb !== undefined) {
                        await assertViolation(policy, token, withUnset(entries, entry), `gives the ${entry.check === "systemDiskSize" ? "system" : "data"} disk ${entry.unsetGb} GB`);
                    }
                }
            });
        }
    });
}

export function tableCases(judge: Judge): void {
    casesOf(judge, noBurstableInstances, JUDGED_INSTANCE_INPUTS);
    casesOf(judge, minimumDiskSize, JUDGED_DISK_INPUTS);
}
