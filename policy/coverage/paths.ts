// Reads the values a judged input names out of a resource's inputs: `dataDisks[].size` is every data disk's size.

/** A place a path reaches: its field as a message names it (`dataDisks[1].size`), its value, the object holding it. */
export interface Found {
    field: string;
    value: unknown;
    holder: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Every place one path reaches. A list that is not there reaches nothing; a single block that is not there
 * reaches its fields unset, so that an unset size inside an absent `systemDisk` block still counts as unset.
 */
export function readPath(props: Record<string, unknown>, path: string): Found[] {
    const segments = path.split(".");
    let frontier: Found[] = [{ field: "", value: props, holder: props }];
    segments.forEach((segment, i) => {
        const many = segment.endsWith("[]");
        const name = many ? segment.slice(0, -2) : segment;
        const last = i === segments.length - 1;
        const next: Found[] = [];
        for (const at of frontier) {
            const holder = isObject(at.value) ? at.value : {};
            const value = holder[name];
            const field = at.field ? `${at.field}.${name}` : name;
            if (many) {
                const items = Array.isArray(value) ? value : [];
                for (let j = 0; j < items.length; j++) {
                    next.push({ field: `${field}[${j}]`, value: items[j], holder });
                }
            } else if (last || value === undefined || value === null || isObject(value)) {
                next.push({ field, value: value ?? undefined, holder });
            }
        }
        frontier = next;
    });
    return frontier;
}

/** The places of the first alternative (`a|b`) that sets a value, or the first's unset places when none does. */
export function readInput(props: Record<string, unknown>, path: string): Found[] {
    const alternatives = path.split("|").map((p) => readPath(props, p));
    const set = alternatives.find((found) => found.some((f) => f.value !== undefined));
    if (set) {
        return set;
    }
    const [first] = alternatives;
    const names = path.split("|");
    return names.length > 1 ? first.map((f) => ({ ...f, field: `${f.field} (or ${names.slice(1).join(", ")})` })) : first;
}

/** The resource types a table names, each with its entries, in the table's order. */
export function byToken<E extends { token: string }>(entries: E[]): Map<string, E[]> {
    const map = new Map<string, E[]>();
    for (const e of entries) {
        map.set(e.token, [...(map.get(e.token) ?? []), e]);
    }
    return map;
}
