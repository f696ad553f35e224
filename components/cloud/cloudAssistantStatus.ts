// DescribeCloudAssistantStatus: whether an instance's Cloud Assistant agent is up (CloudAssistantStatus "true"). A
// command sent before it is, is not delivered and ends Aborted after a minute, which the provider's invocation counts
// as a failure (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describecloudassistantstatus).
import { rpc } from "./openApi";

/** Whether the agent on `instanceId` in `region` reports itself running. */
export async function cloudAssistantRunning(region: string, instanceId: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
    const call = rpc("ecs", "2014-05-26", `ecs.${region}.aliyuncs.com`, env);
    const body = await call("DescribeCloudAssistantStatus", { RegionId: region, "InstanceId.1": instanceId });
    const set = (body.InstanceCloudAssistantStatusSet as { InstanceCloudAssistantStatus?: { InstanceId?: string; CloudAssistantStatus?: string }[] } | undefined);
    return (set?.InstanceCloudAssistantStatus ?? []).some((s) => s.InstanceId === instanceId && String(s.CloudAssistantStatus) === "true");
}
