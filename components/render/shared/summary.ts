/**
 * A list for a config's first comment: the first few items, then how many more (a line of every served name would
 * outgrow what nginx reads as one line, 4 KB, or HAProxy, 2 KB).
 */
export function fewOf(items: string[], shown = 4): string {
    const named = items.slice(0, shown).join(", ");
    return items.length > shown ? `${named} and ${items.length - shown} more` : named;
}
