/**
 * The `role` setting: which of the program's two kinds of stack a stack file describes. The stack
 * name cannot say it: one project holds the cluster stacks of several clusters (`cluster`,
 * `cluster-staging`), and an env is named by its `env` setting, not by its stack name.
 */
export const STACK_ROLES = ["env", "cluster"] as const;
export type StackRole = (typeof STACK_ROLES)[number];

export const ROLE_EXPECTED = '"env" (one env\'s platform; the default) or "cluster" (what every env of the cluster shares: the prometheus-operator CRDs)';

/** The role a raw `role` value asks for (`env` when unset); each role's schema validates it. */
export function rawRole(value: string | undefined): string {
    return value ?? "env";
}
