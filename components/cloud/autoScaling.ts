// Auto Scaling's instances of a group: DescribeScalingInstances (version 2014-08-28, as the Terraform provider's SDK
// calls it), https://www.alibabacloud.com/help/en/auto-scaling/developer-reference/api-describescalinginstances.
import { rpc } from "./openApi";

/** The group's instances in service, by id, as Auto Scaling lists them (100 a page). */
export async function instancesInService(region: string, scalingGroupId: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
    const call = rpc("ess", "2014-08-28", `ess.${region}.aliyuncs.com`, env);
    const ids: string[] = [];
    for (let page = 1; ; page++) {
        const body = await call("DescribeScalingInstances", {
            RegionId: region, ScalingGroupId: scalingGroupId, LifecycleState: "InService", PageSize: "100", PageNumber: String(page),
        });
        const found = ((body.ScalingInstances as { ScalingInstance?: { InstanceId?: string }[] } | undefined)?.ScalingInstance ?? [])
            .map((i) => i.InstanceId).filter((id): id is string => typeof id === "string");
        ids.push(...found);
        if (found.length < 100 || ids.length >= Number(body.TotalCount ?? 0)) {
            return ids;
        }
    }
}
