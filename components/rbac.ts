/**
 * RBAC as data. Every permission the program grants an env's controllers is an `RbacGrant`: rules
 * given to one ServiceAccount either in one namespace (a Role and RoleBinding there) or cluster-wide
 * (a ClusterRole and ClusterRoleBinding). Components build their grants with pure functions, so the
 * tests assert the exact rules and compute from them what each ServiceAccount may do, and
 * `declareGrants` turns them into objects.
 *
 * The isolation rule they follow: an env's controller writes only in its env's namespaces (plus its
 * own named objects in kube-system); cluster-wide it only reads, except for what Kubernetes keeps
 * cluster-scoped (PersistentVolumes for a provisioner, the env's own webhook configurations by name).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** A Kubernetes PolicyRule. */
export interface RbacRule {
    readonly apiGroups?: readonly string[];
    readonly resources?: readonly string[];
    /**
     * Limits the rule to these objects. Kubernetes checks names only for requests that carry one
     * (get, update, patch, delete): a rule with resourceNames never allows create, list, watch or
     * deletecollection.
     */
    readonly resourceNames?: readonly string[];
    readonly nonResourceURLs?: readonly string[];
    readonly verbs: readonly string[];
}

export interface ServiceAccountRef {
    readonly namespace: string;
    readonly name: string;
}

/** Rules for one ServiceAccount in one namespace, or cluster-wide when `namespace` is absent. */
export interface RbacGrant {
    /** Name of the Role or ClusterRole and of its binding. */
    readonly name: string;
    readonly namespace?: string;
    readonly subject: ServiceAccountRef;
    readonly rules: readonly RbacRule[];
}

/** Verbs that change objects; everything else (get, list, watch) only reads. */
export const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection"] as const;

const READ = ["get", "list", "watch"];

/** The same rules, bound in each of `namespaces` (one Role per namespace). */
export function inNamespaces(namespaces: readonly string[], grant: Omit<RbacGrant, "namespace">): RbacGrant[] {
    return namespaces.map((namespace) => ({ ...grant, namespace }));
}

/** A read-only rule (get, list, watch). */
export function readRule(apiGroups: readonly string[], resources: readonly string[]): RbacRule {
    return { apiGroups, resources, verbs: READ };
}

/** A rule as the object's field: mutable copies of the lists, and no key for a list the rule does not set. */
function policyRule(rule: RbacRule): k8s.types.input.rbac.v1.PolicyRule {
    const { apiGroups, resources, resourceNames, nonResourceURLs, verbs } = rule;
    const lists = { apiGroups, resources, resourceNames, nonResourceURLs };
    const set = Object.entries(lists).filter((e): e is [string, readonly string[]] => e[1] !== undefined);
    return { ...Object.fromEntries(set.map(([k, v]) => [k, [...v]])), verbs: [...verbs] };
}

/** Logical names of a grant's two resources; components that already had RBAC keep their old names. */
export type GrantResourceNames = (grant: RbacGrant) => { role: string; binding: string };

/** Default logical names: `<namespace>/<name>` for a Role, `<name>` for a ClusterRole, `-binding` for its binding. */
export const grantResourceNames: GrantResourceNames = (grant) => {
    const role = grant.namespace ? `${grant.namespace}/${grant.name}` : grant.name;
    return { role, binding: `${role}-binding` };
};

/**
 * Declares each grant as a role and its binding (the binding after the role), children of `parent`.
 * Returns every resource, for whatever must wait for the permissions (a chart's controller, whose
 * ServiceAccount the binding may name before the chart creates it).
 */
export function declareGrants(
    grants: readonly RbacGrant[],
    labels: Readonly<Record<string, string>>,
    opts: Omit<pulumi.CustomResourceOptions, "dependsOn"> & { parent: pulumi.Resource; dependsOn?: pulumi.Resource[] },
    resourceNames: GrantResourceNames = grantResourceNames,
): pulumi.CustomResource[] {
    return grants.flatMap((grant) => {
        const names = resourceNames(grant);
        const metadata = { name: grant.name, labels, ...(grant.namespace ? { namespace: grant.namespace } : {}) };
        const rules = grant.rules.map(policyRule);
        const role = grant.namespace
            ? new k8s.rbac.v1.Role(names.role, { metadata, rules }, opts)
            : new k8s.rbac.v1.ClusterRole(names.role, { metadata, rules }, opts);
        const bindingArgs = {
            metadata,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: grant.namespace ? "Role" : "ClusterRole", name: grant.name },
            subjects: [{ kind: "ServiceAccount", name: grant.subject.name, namespace: grant.subject.namespace }],
        };
        const bindingOpts = { ...opts, dependsOn: [role, ...(opts.dependsOn ?? [])] };
        const binding = grant.namespace
            ? new k8s.rbac.v1.RoleBinding(names.binding, bindingArgs, bindingOpts)
            : new k8s.rbac.v1.ClusterRoleBinding(names.binding, bindingArgs, bindingOpts);
        return [role, binding];
    });
}
