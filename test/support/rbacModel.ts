/**
 * Kubernetes RBAC authorization as a model, to ask what a ServiceAccount may do across both envs'
 * stacks on one cluster, the way `kubectl auth can-i --as system:serviceaccount:<ns>:<name>` asks a
 * real API server. Its inputs:
 *
 * - the roles and bindings the program declares (the plan's Role, ClusterRole, RoleBinding and
 *   ClusterRoleBinding resources);
 * - the roles and bindings the program's Helm releases render, modelled from the pinned charts'
 *   templates for the values the plan gives them (`chartRbac`). Modelled: kube-prometheus-stack
 *   88.5.3 (prometheus-operator, Prometheus, the admission-webhook Jobs) and
 *   nfs-subdir-external-provisioner 4.0.18, the charts whose RBAC writes. Not modelled, because
 *   their roles only read or stay in their own namespace (their tests assert the values that make
 *   them so): Grafana (`rbac.namespaced`: a Role in the monitoring namespace), kube-state-metrics and
 *   Promtail (read-only ClusterRoles), node-exporter (none), Loki (`rbac.namespaced`, rules sidecar
 *   off: none), Airflow (`multiNamespaceMode` off: Roles in its own namespace);
 * - nothing else: the cluster's own bootstrap roles (system:*) give ServiceAccounts only discovery
 *   and self-review, and the aggregated admin/edit/view roles are bound to people.
 *
 * Matching follows the RBAC authorizer: a ClusterRoleBinding grants its ClusterRole everywhere, a
 * RoleBinding grants its Role or ClusterRole in its own namespace only; a rule matches on verb,
 * API group and resource (`*`, `<resource>/<subresource>`, `*\/<subresource>`), and a rule with
 * resourceNames only matches a request that names one of them (never create, list or watch).
 */
import { Plan } from "../../scripts/lib/planWriter";
import { OPERATOR_RESOURCES } from "../../components/monitoring/monitoringRbac";
import { RbacRule, ServiceAccountRef } from "../../components/rbac";

export interface RbacObject {
    readonly kind: "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding";
    readonly name: string;
    readonly namespace?: string;
    readonly rules?: readonly RbacRule[];
    readonly roleRef?: { readonly kind: string; readonly name: string };
    readonly subjects?: readonly { readonly kind: string; readonly name: string; readonly namespace?: string }[];
    /** Where it comes from: `plan <stack>` or `chart <release>`. */
    readonly origin: string;
}

/** One API request. `namespace` absent: a cluster-scoped resource, or a namespaced one across all namespaces. */
export interface Access {
    readonly verb: string;
    readonly group: string;
    readonly resource: string;
    readonly namespace?: string;
    /** The object's name; absent for create, list and watch. */
    readonly name?: string;
}

const RBAC_TYPE = /^kubernetes:rbac\.authorization\.k8s\.io\/v1:(Role|ClusterRole|RoleBinding|ClusterRoleBinding)$/;

/** The roles and bindings a plan declares. */
export function planRbac(plan: Plan, stack: string): RbacObject[] {
    return plan.resources.flatMap((r) => {
        const kind = RBAC_TYPE.exec(r.type)?.[1] as RbacObject["kind"] | undefined;
        if (!kind) return [];
        const inputs = r.inputs as { metadata: { name: string; namespace?: string }; rules?: RbacRule[]; roleRef?: any; subjects?: any[] };
        return [{ kind, ...inputs.metadata, rules: inputs.rules, roleRef: inputs.roleRef, subjects: inputs.subjects, origin: `plan ${stack}` }];
    });
}

const read = ["get", "list", "watch"];

/** kube-prometheus-stack 88.5.3, templates/prometheus-operator/clusterrole.yaml: every rule, bound cluster-wide. */
const KPS_OPERATOR_CLUSTER_ROLE: readonly RbacRule[] = [
    {
        apiGroups: ["monitoring.coreos.com"],
        // The same list as the program's Role for the operator's own namespace.
        resources: OPERATOR_RESOURCES,
        verbs: ["*"],
    },
    { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["*"] },
    { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["*"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["list", "delete"] },
    { apiGroups: [""], resources: ["services", "services/finalizers", "endpoints"], verbs: ["get", "create", "update", "delete"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
    { apiGroups: [""], resources: ["namespaces"], verbs: read },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["patch", "create"] },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: read },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "create", "list", "watch", "update", "delete"] },
];

/** templates/prometheus/clusterrole.yaml, resource rules only (its non-resource URLs grant no object access). */
const KPS_PROMETHEUS_CLUSTER_ROLE: readonly RbacRule[] = [
    { apiGroups: [""], resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"], verbs: read },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: read },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: read },
];

/** nfs-subdir-external-provisioner 4.0.18, templates/clusterrole.yaml and role.yaml. */
const NFS_RUNNER_CLUSTER_ROLE: readonly RbacRule[] = [
    { apiGroups: [""], resources: ["nodes"], verbs: read },
    { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch", "create", "delete"] },
    { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "list", "watch", "update"] },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: read },
    { apiGroups: [""], resources: ["events"], verbs: ["create", "update", "patch"] },
];
const NFS_LEADER_ROLE: readonly RbacRule[] = [{ apiGroups: [""], resources: ["endpoints"], verbs: ["get", "list", "watch", "create", "update", "patch"] }];

type Values = Record<string, any>;

const trunc = (name: string, max: number) => name.slice(0, max).replace(/-$/, "");

/** The charts' common `fullname` helper: fullnameOverride, else the release if it contains the chart's name, else both. */
function chartFullname(release: string, chart: string, v: Values, max: number): string {
    if (v.fullnameOverride) return trunc(String(v.fullnameOverride), max);
    const name = String(v.nameOverride ?? chart);
    return trunc(release.includes(name) ? release : `${release}-${name}`, max);
}

/** A role and its binding to one ServiceAccount, as a chart template renders them. */
function bound(
    origin: string,
    role: { kind: "Role" | "ClusterRole"; name: string; namespace?: string; rules: readonly RbacRule[] },
    binding: string,
    sa: ServiceAccountRef,
) {
    const bindingKind = role.kind === "Role" ? "RoleBinding" : "ClusterRoleBinding";
    return [
        { ...role, origin },
        {
            kind: bindingKind,
            name: binding,
            ...(role.namespace ? { namespace: role.namespace } : {}),
            roleRef: { kind: role.kind, name: role.name },
            subjects: [{ kind: "ServiceAccount", ...sa }],
            origin,
        },
    ] as RbacObject[];
}

/** `default` unless the value is set: Helm's `if` on a missing key is false only where the chart's values.yaml says so. */
const flag = (value: unknown, chartDefault: boolean) => (value === undefined ? chartDefault : value === true);

/** kube-prometheus-stack 88.5.3 for `v` in `namespace` (the templates' conditions, names and subjects). */
export function kubePrometheusStackRbac(release: string, namespace: string, v: Values): RbacObject[] {
    const origin = `chart ${release}`;
    const fullname = chartFullname(release, "kube-prometheus-stack", v, 26);
    const rbacCreate = flag(v.global?.rbac?.create, true);
    const op = v.prometheusOperator ?? {};
    const operatorOn = flag(op.enabled, true);
    const out: RbacObject[] = [];
    if (operatorOn && rbacCreate) {
        const name = op.fullnameOverride ? trunc(op.fullnameOverride, 35) : `${fullname}-operator`;
        const sa = flag(op.serviceAccount?.create, true) ? (op.serviceAccount?.name ?? name) : (op.serviceAccount?.name ?? "default");
        out.push(...bound(origin, { kind: "ClusterRole", name, rules: KPS_OPERATOR_CLUSTER_ROLE }, name, { namespace, name: sa }));
    }
    const prom = v.prometheus ?? {};
    if (flag(prom.enabled, true) && rbacCreate) {
        const name = `${fullname}-prometheus`;
        const sa = flag(prom.serviceAccount?.create, true) ? (prom.serviceAccount?.name ?? name) : (prom.serviceAccount?.name ?? "default");
        out.push(...bound(origin, { kind: "ClusterRole", name, rules: KPS_PROMETHEUS_CLUSTER_ROLE }, name, { namespace, name: sa }));
    }
    const aw = op.admissionWebhooks ?? {};
    if (operatorOn && flag(aw.enabled, true) && flag(aw.patch?.enabled, true) && rbacCreate && !flag(aw.certManager?.enabled, false)) {
        // job-patch/clusterrole.yaml and role.yaml: no resourceNames, so any webhook configuration.
        const name = `${fullname}-admission`;
        const sa = { namespace, name };
        const webhooks = ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"];
        out.push(
            ...bound(
                origin,
                { kind: "ClusterRole", name, rules: [{ apiGroups: ["admissionregistration.k8s.io"], resources: webhooks, verbs: ["get", "update", "patch"] }] },
                name,
                sa,
            ),
            ...bound(origin, { kind: "Role", name, namespace, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "create"] }] }, name, sa),
        );
    }
    return out;
}

/** nfs-subdir-external-provisioner 4.0.18 for `v` as release `release` in `namespace`. */
export function nfsProvisionerRbac(release: string, namespace: string, v: Values): RbacObject[] {
    if (!flag(v.rbac?.create, true)) return [];
    const fullname = chartFullname(release, "nfs-subdir-external-provisioner", v, 63);
    const sa = { namespace, name: flag(v.serviceAccount?.create, true) ? (v.serviceAccount?.name ?? fullname) : (v.serviceAccount?.name ?? "default") };
    const origin = `chart ${release}`;
    return [
        ...bound(origin, { kind: "ClusterRole", name: `${fullname}-runner`, rules: NFS_RUNNER_CLUSTER_ROLE }, `run-${fullname}`, sa),
        ...bound(origin, { kind: "Role", name: `leader-locking-${fullname}`, namespace, rules: NFS_LEADER_ROLE }, `leader-locking-${fullname}`, sa),
    ];
}

const CHART_MODELS: Record<string, (release: string, namespace: string, values: Values) => RbacObject[]> = {
    "kube-prometheus-stack": kubePrometheusStackRbac,
    "nfs-subdir-external-provisioner": nfsProvisionerRbac,
};

/** The roles and bindings the plan's releases would render, for the charts modelled here. */
export function chartRbac(plan: Plan): RbacObject[] {
    return plan.releases.flatMap((r) => CHART_MODELS[r.chart]?.(r.name, r.namespace, plan.values[r.name] as Values) ?? []);
}

function resourceMatches(ruleResource: string, resource: string): boolean {
    if (ruleResource === "*" || ruleResource === resource) return true;
    const slash = resource.indexOf("/");
    return slash > 0 && ruleResource === `*/${resource.slice(slash + 1)}`;
}

export function ruleAllows(rule: RbacRule, a: Access): boolean {
    const has = (list: readonly string[] | undefined, x: string) => (list ?? []).includes("*") || (list ?? []).includes(x);
    if (!has(rule.verbs, a.verb) || !has(rule.apiGroups, a.group)) return false;
    if (!(rule.resources ?? []).some((r) => resourceMatches(r, a.resource))) return false;
    if (!rule.resourceNames?.length) return true;
    return a.name !== undefined && rule.resourceNames.includes(a.name);
}

/** Whether a binding subject is this ServiceAccount (by name, or by its groups). */
function subjectIs(subject: { kind: string; name: string; namespace?: string }, sa: ServiceAccountRef): boolean {
    if (subject.kind === "ServiceAccount") return subject.name === sa.name && subject.namespace === sa.namespace;
    if (subject.kind === "User") return subject.name === `system:serviceaccount:${sa.namespace}:${sa.name}`;
    if (subject.kind === "Group") return ["system:serviceaccounts", `system:serviceaccounts:${sa.namespace}`, "system:authenticated"].includes(subject.name);
    return false;
}

/** Rules that reach a ServiceAccount, each with where it applies: a namespace, or everywhere (`*`). */
export interface EffectiveRule {
    readonly scope: string;
    readonly rule: RbacRule;
    readonly via: string;
}

export class Authorizer {
    constructor(private readonly objects: readonly RbacObject[]) {}

    private role(kind: string, name: string, namespace?: string): RbacObject | undefined {
        return this.objects.find((o) => o.kind === kind && o.name === name && (kind === "ClusterRole" || o.namespace === namespace));
    }

    effectiveRules(sa: ServiceAccountRef): EffectiveRule[] {
        return this.objects
            .filter((b) => (b.kind === "RoleBinding" || b.kind === "ClusterRoleBinding") && (b.subjects ?? []).some((s) => subjectIs(s, sa)))
            .flatMap((b) => {
                const role = this.role(b.roleRef!.kind, b.roleRef!.name, b.namespace);
                const scope = b.kind === "ClusterRoleBinding" ? "*" : b.namespace!;
                return (role?.rules ?? []).map((rule) => ({ scope, rule, via: `${b.kind} ${b.namespace ? `${b.namespace}/` : ""}${b.name} (${b.origin})` }));
            });
    }

    can(sa: ServiceAccountRef, a: Access): boolean {
        return this.effectiveRules(sa).some((e) => (e.scope === "*" || e.scope === a.namespace) && ruleAllows(e.rule, a));
    }

    /** Every ServiceAccount some binding names. */
    serviceAccounts(): ServiceAccountRef[] {
        const seen = new Map<string, ServiceAccountRef>();
        for (const b of this.objects) {
            for (const s of b.subjects ?? [])
                if (s.kind === "ServiceAccount" && s.namespace) seen.set(`${s.namespace}/${s.name}`, { namespace: s.namespace, name: s.name });
        }
        return [...seen.values()];
    }
}
