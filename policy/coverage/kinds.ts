/** What a provider input decides, as far as the pack's rules are concerned. */
export type InputKind = "instanceType" | "family" | "burstable" | "diskSize" | "ingress";
