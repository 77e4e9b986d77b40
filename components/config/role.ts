/**
 * The `role` setting: which of the program's two kinds of stack a stack file describes. An env
 * stack is named after its env (its name is its env); a cluster stack is named `cluster`, or
 * `cluster-<name>` where one project manages several clusters (`cluster-staging`). The name and the
 * role must agree, so `pulumi up -s cluster` can never build an env called cluster, and a stack
 * named after an env can never become the owner of a cluster's CRDs.
 */
import { ObjectReader, describeValue } from "./reader";

export const STACK_ROLES = ["env", "cluster"] as const;
export type StackRole = (typeof STACK_ROLES)[number];

export const ROLE_EXPECTED = '"env" (one env\'s platform; the default) or "cluster" (what every env of the cluster shares: the prometheus-operator CRDs)';

/** The names of cluster stacks: `cluster`, or `cluster-<name>`. */
export const CLUSTER_STACK_NAME = /^cluster(-[a-z0-9]+)*$/;

/** The role a raw `role` value asks for (`env` when unset); each role's schema validates it. */
export function rawRole(value: string | undefined): string {
    return value ?? "env";
}

/**
 * Reads `role` for the schema of `role` and checks that the stack's name agrees with it; a role of
 * the other kind never reaches here (components/config/stack.ts dispatches on it).
 */
export function readRole(top: ObjectReader, role: StackRole, stack: string): void {
    // Always read (with "" for unset), so an unknown key's message lists role among the known ones.
    const given = top.string("role", { expected: ROLE_EXPECTED, oneOf: [role], default: "" });
    if (given !== "" && given !== role) return;
    if (role === "cluster" && !CLUSTER_STACK_NAME.test(stack)) {
        top.problems.add(
            "role",
            `"cluster" only on a stack named cluster or cluster-<name> (an env stack is named after its env)`,
            `"cluster" on the stack ${JSON.stringify(stack)}`,
        );
    }
    if (role === "env" && CLUSTER_STACK_NAME.test(stack)) {
        top.problems.add(
            "role",
            `"cluster" on the stack ${JSON.stringify(stack)} (cluster and cluster-<name> are the names of cluster stacks; an env stack is named after its env)`,
            given === "" ? describeValue(undefined) : describeValue(given),
        );
    }
}
