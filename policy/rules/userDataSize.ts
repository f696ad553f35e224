import { ResourceValidationPolicy } from "@pulumi/policy";
import { USER_DATA_LIMIT_BYTES } from "../kernel/limits";
import { Check, forTypes, schemaOf } from "./dispatch";
import { ECS_INSTANCE } from "../kernel/tokens";

const defaults = { maxBytes: USER_DATA_LIMIT_BYTES };
type Config = typeof defaults;

/** Size of user data before base64: decoded when it is base64, as the provider recommends passing it. */
export function userDataBytes(userData: string): number {
    const compact = userData.replace(/\s+/g, "");
    if (compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
        return Buffer.from(compact, "base64").length;
    }
    return Buffer.byteLength(userData, "utf8");
}

const check: Check<Config> = (p, report, config) => {
    if (typeof p.userData !== "string") {
        return;
    }
    const bytes = userDataBytes(p.userData);
    if (bytes > config.maxBytes) {
        report(`userData is ${bytes} bytes before base64, over the ${config.maxBytes}-byte limit: the instance would be ` +
            `refused; move large files to an OSS object or an image and fetch them at boot.`);
    }
};

export const userDataSize: ResourceValidationPolicy = {
    name: "user-data-size",
    description: "Rendered user data must fit Alibaba Cloud's 32 KB limit before base64.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema: schemaOf(defaults, { maxBytes: "Largest user data accepted, bytes before base64." }),
    validateResource: forTypes(defaults, {
        [ECS_INSTANCE]: check,
        "alicloud:ecs/ecsLaunchTemplate:EcsLaunchTemplate": check,
        "alicloud:ecs/launchTemplate:LaunchTemplate": check,
        "alicloud:ess/scalingConfiguration:ScalingConfiguration": check,
        "alicloud:cs/nodePool:NodePool": check,
    }),
};
