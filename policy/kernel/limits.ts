// The thresholds the pack enforces by default. The stack programs validate their config against the same
// values, so a config the program accepts is one the pack passes.

/**
 * Burstable (t5, t6) and shared or entry-level families: Alibaba Cloud, "Overview of burstable instances" and
 * "Overview of instance families" (https://www.alibabacloud.com/help/en/ecs/user-guide/burst-performance-instance-overview).
 */
export const FORBIDDEN_FAMILIES = ["t5", "t6", "e", "s6", "xn4", "n4", "mn4", "e4", "v5"];

/** The family of an instance type: "ecs.g8i.large" → "g8i", "ecs.t6-c1m1.large" → "t6". */
export function instanceFamily(instanceType: string): string | undefined {
    const match = /^ecs\.([a-z0-9]+)[-.]/.exec(instanceType);
    return match ? match[1] : undefined;
}

/** The family an instance pattern names: "ecs.g8i" → "g8i" (a whole type works too). */
export function familyOfPattern(family: string): string | undefined {
    const match = /^ecs\.([a-z0-9]+)(?:[-.]|$)/.exec(family);
    return match ? match[1] : undefined;
}

/**
 * Levels of an instance pattern that admit shared or burstable types: "EntryLevel: entry-level, that is, shared
 * instance specifications" (ACK node pool, instance_patterns.instance_family_level) and CreditEntryLevel, the
 * burstable level (Auto Scaling API, CreateScalingConfiguration, InstancePatternInfos.N.InstanceFamilyLevel:
 * https://www.alibabacloud.com/help/en/auto-scaling/developer-reference/api-ess-2022-02-22-createscalingconfiguration).
 */
export const FORBIDDEN_FAMILY_LEVELS = ["EntryLevel", "CreditEntryLevel"];

/** Categories of an instance pattern that admit shared types (same API, InstancePatternInfos.N.InstanceCategories). */
export const FORBIDDEN_CATEGORIES = ["Shared"];

export const MIN_DISK_GB = 100;

export const SSH_PORT = 22;

/**
 * Instance user data limit, before base64: "The instance user data cannot exceed 32 KB in size before Base64
 * encoding" (ECS API RunInstances and CreateInstance, parameter UserData:
 * https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-runinstances). Older user-guide
 * pages still say 16 KB; the API reference and the official SDKs generated from it say 32 KB.
 */
export const USER_DATA_LIMIT_BYTES = 32 * 1024;
