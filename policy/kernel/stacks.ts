// The two stacks of the project, each running the program of its role.

export const ROLES = ["cn", "us"] as const;

/** cn: Shanghai, the edge and the services in front of it; us: US East, the origin proxies. */
export type Role = (typeof ROLES)[number];
