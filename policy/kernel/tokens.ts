// Resource type tokens more than one layer names (the pack's rules, the plan's artifacts, the tests).

export const ECS_INSTANCE = "alicloud:ecs/instance:Instance";
