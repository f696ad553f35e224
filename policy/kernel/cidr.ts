import * as ipaddr from "ipaddr.js";

/** An IPv4 range as integers: first and last address, inclusive. */
export interface Ipv4Range {
    text: string;
    prefix: number;
    first: number;
    last: number;
}

/** Parses an IPv4 CIDR whose host bits are zero; returns undefined for anything else. */
export function parseIpv4Cidr(text: unknown): Ipv4Range | undefined {
    if (typeof text !== "string" || !ipaddr.IPv4.isValidCIDR(text)) {
        return undefined;
    }
    const [addr, prefix] = ipaddr.IPv4.parseCIDR(text);
    const base = addr.toByteArray().reduce((n, byte) => n * 256 + byte, 0);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) {
        return undefined;
    }
    return { text, prefix, first: base, last: base + size - 1 };
}

/** The aligned network a CIDR with host bits set most likely meant, for error messages. */
export function alignedNetwork(text: string): string | undefined {
    if (!ipaddr.IPv4.isValidCIDR(text)) {
        return undefined;
    }
    const prefix = ipaddr.IPv4.parseCIDR(text)[1];
    return `${ipaddr.IPv4.networkAddressFromCIDR(text).toString()}/${prefix}`;
}

/** Whether a text is any valid CIDR, IPv4 or IPv6, with the prefix length it declares. */
export function anyCidrPrefix(text: string): number | undefined {
    if (typeof text !== "string" || !ipaddr.isValidCIDR(text)) {
        return undefined;
    }
    return ipaddr.parseCIDR(text)[1];
}

export function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
    return a.first <= b.last && b.first <= a.last;
}

export function contains(outer: Ipv4Range, inner: Ipv4Range): boolean {
    return outer.first <= inner.first && inner.last <= outer.last;
}

/** The n-th address of an IPv4 range (0 is the network address). */
export function hostAddress(range: Ipv4Range, n: number): string {
    const value = range.first + n;
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}
