// What Auto Scaling runs on a new instance while its scale-out lifecycle hook holds it out of service: a CloudOps
// Orchestration Service (OOS) template that runs a Cloud Assistant command on it and then ends the wait with
// CompleteLifecycleAction, CONTINUE when the command succeeded (the instance joins the group and its server groups),
// ABANDON when it failed (the instance is released). Modelled on Alibaba Cloud's public template
// ACS-ESS-LifeCycleRunCommand (https://github.com/aliyun/oos-templates, PublicTemplates/YAML/ACS-ESS-LifeCycleRunCommand.yml);
// Auto Scaling fills the ${…} defaults when it starts the template
// (https://www.alibabacloud.com/help/en/auto-scaling/use-cases/overview-6).

/** What the template runs: a shell script, how long it may take, and the RAM role OOS runs it with. */
export interface LifecycleCommand {
    script: string;
    timeoutSeconds: number;
    /** The role OOS assumes (trusting oos.aliyuncs.com; RunCommand and CompleteLifecycleAction). */
    role: string;
}

/** The RAM actions the template's role needs, as the public template's policy lists them. */
export const LIFECYCLE_ROLE_ACTIONS = ["ecs:RunCommand", "ecs:DescribeInvocations", "ecs:DescribeInvocationResults", "ess:CompleteLifecycleAction"];

const complete = (result: string) => ({
    Service: "ESS",
    API: "CompleteLifecycleAction",
    Parameters: {
        RegionId: "{{ regionId }}",
        LifecycleHookId: "{{ lifecycleHookId }}",
        LifecycleActionToken: "{{ lifecycleActionToken }}",
        LifecycleActionResult: result,
    },
});

/** The OOS template (JSON, format OOS-2019-06-01). */
export function renderLifecycleTemplate(name: string, command: LifecycleCommand): string {
    const text = (description: string, value: string | number, type = "String") => ({ Description: description, Type: type, Default: value });
    return JSON.stringify({
        FormatVersion: "OOS-2019-06-01",
        Description: `china-edge: ${name}, run on each instance the scaling activity holds, then the activity continues (or the instance is abandoned)`,
        Parameters: {
            regionId: text("the scaling group's region (Auto Scaling fills it)", "${regionId}"),
            instanceIds: { Description: "the instances the activity holds (Auto Scaling fills them)", Type: "List", Default: ["${instanceIds}"] },
            lifecycleHookId: text("the hook (Auto Scaling fills it)", "${lifecycleHookId}"),
            lifecycleActionToken: text("the activity's token (Auto Scaling fills it)", "${lifecycleActionToken}"),
            commandContent: text("the script run on each instance", command.script),
            timeout: text("seconds the script may take", command.timeoutSeconds, "Number"),
            OOSAssumeRole: text("the RAM role OOS runs with", command.role),
        },
        RamRole: "{{ OOSAssumeRole }}",
        Tasks: [
            {
                Name: "runCommand",
                Action: "ACS::ECS::RunCommand",
                OnError: "abandon",
                OnSuccess: "continue",
                Properties: {
                    regionId: "{{ regionId }}",
                    commandContent: "{{ commandContent }}",
                    instanceId: "{{ ACS::TaskLoopItem }}",
                    commandType: "RunShellScript",
                    timeout: "{{ timeout }}",
                },
                Loop: { RateControl: { Mode: "Concurrency", MaxErrors: 0, Concurrency: 10 }, Items: "{{ instanceIds }}" },
            },
            { Name: "continue", Action: "ACS::ExecuteAPI", OnSuccess: "ACS::END", Properties: complete("CONTINUE") },
            { Name: "abandon", Action: "ACS::ExecuteAPI", Properties: complete("ABANDON") },
        ],
    }, null, 2);
}
