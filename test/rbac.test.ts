/**
 * Every cluster-wide hook acts on its own env only: each env's controllers may write only its own
 * env's objects (the webhooks: webhooks.test.ts). The permissions are
 * computed from what both stacks declare on the one cluster (the plans' roles and bindings) plus what
 * their Helm releases render for their values (test/support/rbacModel.ts), the way
 * `kubectl auth can-i --as system:serviceaccount:<ns>:<name>` answers on a real API server.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { OPERATOR_RESOURCES } from "../components/monitoring/monitoringRbac";
import { WRITE_VERBS, RbacRule, ServiceAccountRef } from "../components/rbac";
import { isEnvNamespace } from "../components/naming";
import { Plan } from "../scripts/lib/planWriter";
import { StackRun, useBothStacks, valuesOf } from "./support/harness";
import { Access, Authorizer, RbacObject, chartRbac, planRbac } from "./support/rbacModel";
import { NAMESPACE } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();
const ENVS = [
    ["dev", "prod"],
    ["prod", "dev"],
] as const;

/** Both stacks on one cluster: everything either declares or has a chart render. */
const clusterRbac = (plans: Record<string, Plan>): RbacObject[] =>
    Object.entries(plans).flatMap(([stack, plan]) => [...planRbac(plan, stack), ...chartRbac(plan)]);
let cluster: Authorizer;
beforeAll(() => {
    cluster = new Authorizer(clusterRbac({ dev: runs.dev.plan, prod: runs.prod.plan }));
});

const createdNamespaces = (plan: Plan) =>
    plan.resources.filter((r) => r.type === NAMESPACE).map((r) => (r.inputs as any).metadata as { name: string; labels: Record<string, string> });

/** `<api groups> <resources> [<names>]: <verbs>`, the core group as `core`. */
const fmt = (r: RbacRule) =>
    r.nonResourceURLs
        ? `urls ${r.nonResourceURLs.join(",")}: ${r.verbs.join(",")}`
        : `${r.apiGroups!.map((g) => g || "core").join(",")} ${r.resources!.join(",")}${r.resourceNames ? ` [${r.resourceNames.join(",")}]` : ""}: ${r.verbs.join(",")}`;

/** The plan's roles with their bindings, by `<namespace or cluster> <name>`. */
function declaredGrants(plan: Plan, stack: string): Record<string, { subject: string; rules: string[] }> {
    const objects = planRbac(plan, stack);
    const roles = objects.filter((o) => o.kind === "Role" || o.kind === "ClusterRole");
    return Object.fromEntries(
        roles.map((role) => {
            const bindingKind = role.kind === "Role" ? "RoleBinding" : "ClusterRoleBinding";
            const binding = objects.find((o) => o.kind === bindingKind && o.name === role.name && o.namespace === role.namespace)!;
            expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: role.kind, name: role.name });
            const subjects = binding.subjects!.map((s) => `${s.kind} ${s.namespace}/${s.name}`);
            expect(subjects).toHaveLength(1);
            return [`${role.namespace ?? "cluster"} ${role.name}`, { subject: subjects[0]!, rules: role.rules!.map(fmt) }];
        }),
    );
}

const OPERATOR_CRDS = OPERATOR_RESOURCES.join(",");

it("the operator's custom resources are its ten kinds, with their status and finalizers subresources", () => {
    const kinds = OPERATOR_RESOURCES.filter((r) => !r.includes("/"));
    expect(kinds).toEqual([
        "alertmanagers",
        "alertmanagerconfigs",
        "prometheuses",
        "prometheusagents",
        "thanosrulers",
        "scrapeconfigs",
        "servicemonitors",
        "podmonitors",
        "probes",
        "prometheusrules",
    ]);
    expect(OPERATOR_RESOURCES.filter((r) => r.includes("/"))).toEqual([
        "alertmanagers/finalizers",
        "alertmanagers/status",
        "prometheuses/finalizers",
        "prometheuses/status",
        "prometheusagents/finalizers",
        "prometheusagents/status",
        "thanosrulers/finalizers",
        "thanosrulers/status",
        "scrapeconfigs/status",
        "servicemonitors/status",
        "podmonitors/status",
        "probes/status",
        "prometheusrules/status",
    ]);
});

describe.each(ENVS)("%s's declared permissions", (env) => {
    const ns = (c: string) => `${c}-${env}`;
    const operator = `ServiceAccount monitoring-${env}/monitoring-${env}-operator`;
    const nfs = `ServiceAccount storage-${env}/nfs-${env}-nfs-subdir-external-provisioner`;
    const localPath = `ServiceAccount storage-${env}/local-path-provisioner`;
    const others = ["storage", "observability", "fastapi", "mlflow", "airflow"].map(ns);
    const all = ["storage", "monitoring", "observability", "fastapi", "mlflow", "airflow"].map(ns);

    it("switch the charts' own RBAC off", () => {
        expect(valuesOf(runs[env].plan, `monitoring-${env}`).global).toEqual({ rbac: { create: false } });
        expect(valuesOf(runs[env].plan, `nfs-${env}`).rbac).toEqual({ create: false });
        expect(chartRbac(runs[env].plan)).toEqual([]);
    });

    it("are exactly these roles, each bound to one ServiceAccount", () => {
        const eachNs = (namespaces: string[], name: string, subject: string, rules: (n: string) => string[]) =>
            Object.fromEntries(namespaces.map((n) => [`${n} ${name}`, { subject, rules: rules(n) }]));
        expect(declaredGrants(runs[env].plan, env)).toEqual({
            // prometheus-operator: everything it writes, in its own namespace only.
            [`monitoring-${env} monitoring-${env}-operator`]: {
                subject: operator,
                rules: [
                    `monitoring.coreos.com ${OPERATOR_CRDS}: *`,
                    "apps statefulsets: *",
                    "core configmaps,secrets: *",
                    "core pods: list,delete",
                    "core services,services/finalizers: get,create,update,delete",
                ],
            },
            ...eachNs(others, `monitoring-${env}-operator`, operator, () => ["core configmaps,secrets: get"]),
            [`kube-system monitoring-${env}-operator-kubelet`]: {
                subject: operator,
                rules: [`core services,endpoints [monitoring-${env}-kubelet]: get,update`, "core services,endpoints: create"],
            },
            [`cluster monitoring-${env}-operator-cluster-read`]: {
                subject: operator,
                rules: [
                    "monitoring.coreos.com servicemonitors,podmonitors,probes,scrapeconfigs,prometheusrules: get,list,watch",
                    "core namespaces: get,list,watch",
                    "core nodes: list,watch",
                    "storage.k8s.io storageclasses: get",
                ],
            },
            [`cluster monitoring-${env}-prometheus-discovery`]: {
                subject: `ServiceAccount monitoring-${env}/monitoring-${env}-prometheus`,
                rules: [
                    "core nodes,nodes/metrics,services,endpoints,pods: get,list,watch",
                    "discovery.k8s.io endpointslices: get,list,watch",
                    "networking.k8s.io ingresses: get,list,watch",
                    "urls /metrics,/metrics/cadvisor: get",
                ],
            },
            [`cluster monitoring-${env}-admission-patch`]: {
                subject: `ServiceAccount monitoring-${env}/monitoring-${env}-admission`,
                rules: [
                    `admissionregistration.k8s.io validatingwebhookconfigurations,mutatingwebhookconfigurations [monitoring-${env}-admission]: get,update,patch`,
                ],
            },
            [`monitoring-${env} monitoring-${env}-admission-patch`]: {
                subject: `ServiceAccount monitoring-${env}/monitoring-${env}-admission`,
                rules: [`core secrets [monitoring-${env}-admission]: get`, "core secrets: create"],
            },
            // The NFS provisioner: volumes cluster-wide (they are cluster-scoped), claims and events in the env.
            [`cluster nfs-${env}-provisioner`]: {
                subject: nfs,
                rules: [
                    "core nodes,persistentvolumeclaims: get,list,watch",
                    "core persistentvolumes: get,list,watch,create,delete",
                    "storage.k8s.io storageclasses: get,list,watch",
                ],
            },
            ...eachNs(all, `nfs-${env}-provisioner`, nfs, (n) => [
                ...(n === ns("storage") ? ["core endpoints: get,list,watch,create,update,patch"] : []),
                "core persistentvolumeclaims: update",
                "core events: create,update,patch",
            ]),
            [`cluster local-path-provisioner-${env}`]: {
                subject: localPath,
                rules: [
                    "core nodes,persistentvolumeclaims: get,list,watch",
                    "core persistentvolumes: get,list,watch,create,patch,update,delete",
                    "storage.k8s.io storageclasses: get,list,watch",
                ],
            },
            ...eachNs(all, "local-path-provisioner", localPath, (n) => [
                ...(n === ns("storage") ? ["core pods: get,list,watch,create,patch,update,delete", "core pods/log,configmaps: get,list,watch"] : []),
                "core events: create,patch",
            ]),
        });
    });
});

describe.each(ENVS)("%s's prometheus-operator on the cluster both stacks share", (env, other) => {
    const sa: ServiceAccountRef = { namespace: `monitoring-${env}`, name: `monitoring-${env}-operator` };
    const updates = (namespace: string): Access[] => [
        { verb: "update", group: "", resource: "secrets", namespace, name: "any" },
        { verb: "update", group: "apps", resource: "statefulsets", namespace, name: "any" },
        { verb: "update", group: "monitoring.coreos.com", resource: "prometheuses", namespace, name: "any" },
    ];

    it("may update Secrets, StatefulSets and Prometheus objects in its own monitoring namespace", () => {
        expect(updates(`monitoring-${env}`).map((a) => cluster.can(sa, a))).toEqual([true, true, true]);
    });

    it("may update none of them in any namespace of the other env, nor across all namespaces", () => {
        const otherNamespaces = createdNamespaces(runs[other].plan).map((n) => n.name);
        expect(otherNamespaces).toContain(`monitoring-${other}`);
        const allowed = [...otherNamespaces, undefined].flatMap((n) => updates(n as string)).filter((a) => cluster.can(sa, a));
        expect(allowed).toEqual([]);
    });

    it("may update its own kubelet Service and Endpoints in kube-system and not the other env's", () => {
        const kubelet = (verb: string, resource: string, name?: string) => cluster.can(sa, { verb, group: "", resource, namespace: "kube-system", name });
        expect([kubelet("update", "services", `monitoring-${env}-kubelet`), kubelet("update", "endpoints", `monitoring-${env}-kubelet`)]).toEqual([true, true]);
        expect([kubelet("update", "services", `monitoring-${other}-kubelet`), kubelet("update", "endpoints", `monitoring-${other}-kubelet`)]).toEqual([
            false,
            false,
        ]);
        // RBAC cannot name what a create makes: creating a Service in kube-system stays possible.
        expect([kubelet("create", "services"), kubelet("delete", "services", `monitoring-${env}-kubelet`)]).toEqual([true, false]);
    });

    it("could, with the chart's own RBAC: the model sees the hole the program closes", () => {
        const withChartRbac = structuredClone(runs[env].plan);
        delete (withChartRbac.values[`monitoring-${env}`] as any).global;
        const model = new Authorizer(clusterRbac({ [env]: withChartRbac, [other]: runs[other].plan }));
        expect(updates(`fastapi-${other}`).map((a) => model.can(sa, a))).toEqual([true, true, true]);
        expect(model.can(sa, { verb: "update", group: "", resource: "services", namespace: "kube-system", name: `monitoring-${other}-kubelet` })).toBe(true);
        // And the chart's certificate Job could rewrite the other env's webhooks.
        const job = { namespace: `monitoring-${env}`, name: `monitoring-${env}-admission` };
        const otherWebhook = {
            verb: "update",
            group: "admissionregistration.k8s.io",
            resource: "validatingwebhookconfigurations",
            name: `monitoring-${other}-admission`,
        };
        expect([model.can(job, otherWebhook), cluster.can(job, otherWebhook)]).toEqual([true, false]);
    });
});

/** Resources a `*` rule stands for when enumerating writes. */
const STAR_RESOURCES = ["secrets", "configmaps", "pods", "services", "statefulsets", "deployments", "persistentvolumeclaims", "events"];
const CLUSTER_SCOPED = new Set([
    "nodes",
    "nodes/metrics",
    "namespaces",
    "persistentvolumes",
    "storageclasses",
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
]);

describe.each(ENVS)("every ServiceAccount of %s", (env, other) => {
    const accounts = () => cluster.serviceAccounts().filter((sa) => isEnvNamespace(sa.namespace, env));

    it("is one of the env's controllers", () => {
        expect(
            accounts()
                .map((sa) => `${sa.namespace}/${sa.name}`)
                .sort(),
        ).toEqual(
            [
                `monitoring-${env}/monitoring-${env}-admission`,
                `monitoring-${env}/monitoring-${env}-operator`,
                `monitoring-${env}/monitoring-${env}-prometheus`,
                `storage-${env}/local-path-provisioner`,
                `storage-${env}/nfs-${env}-nfs-subdir-external-provisioner`,
            ].sort(),
        );
    });

    it(`writes nothing in any namespace of ${other}`, () => {
        // Every namespaced resource and every object name any rule of the env's accounts mentions.
        const rules = accounts().flatMap((sa) => cluster.effectiveRules(sa).map((e) => e.rule));
        const pairs = new Map<string, [string, string]>();
        for (const rule of rules) {
            for (const g of rule.apiGroups ?? []) {
                for (const r of rule.resources ?? []) {
                    for (const res of r === "*" ? STAR_RESOURCES : [r]) if (!CLUSTER_SCOPED.has(res)) pairs.set(`${g}/${res}`, [g, res]);
                }
            }
        }
        const names = [undefined, "any", ...new Set(rules.flatMap((r) => r.resourceNames ?? []))];
        const otherNamespaces = createdNamespaces(runs[other].plan).map((n) => n.name);
        const leaks = accounts().flatMap((sa) =>
            otherNamespaces.flatMap((namespace) =>
                [...pairs.values()].flatMap(([group, resource]) =>
                    WRITE_VERBS.filter((verb) => names.some((name) => cluster.can(sa, { verb, group, resource, namespace, name }))).map(
                        (verb) => `${sa.name} ${verb} ${group}/${resource} in ${namespace}`,
                    ),
                ),
            ),
        );
        expect(pairs.size).toBeGreaterThan(15);
        expect(leaks).toEqual([]);
    });

    it("writes cluster-wide only what Kubernetes keeps cluster-scoped: volumes, and its own webhooks by name", () => {
        const writes = accounts().flatMap((sa) =>
            cluster
                .effectiveRules(sa)
                .filter((e) => e.scope === "*" && e.rule.verbs.some((v) => v === "*" || (WRITE_VERBS as readonly string[]).includes(v)))
                .map((e) => `${sa.name} ${fmt(e.rule)}`),
        );
        expect(writes.sort()).toEqual(
            [
                `local-path-provisioner core persistentvolumes: get,list,watch,create,patch,update,delete`,
                `monitoring-${env}-admission admissionregistration.k8s.io validatingwebhookconfigurations,mutatingwebhookconfigurations [monitoring-${env}-admission]: get,update,patch`,
                `nfs-${env}-nfs-subdir-external-provisioner core persistentvolumes: get,list,watch,create,delete`,
            ].sort(),
        );
    });

    it("reads across all namespaces only what it discovers or watches there", () => {
        const reads = accounts().flatMap((sa) =>
            cluster
                .effectiveRules(sa)
                .filter((e) => e.scope === "*")
                .flatMap((e) => (e.rule.resources ?? []).filter((r) => !CLUSTER_SCOPED.has(r)).map((r) => `${sa.name} ${r}: ${e.rule.verbs.join(",")}`)),
        );
        expect(reads.sort()).toEqual(
            [
                "local-path-provisioner persistentvolumeclaims: get,list,watch",
                `monitoring-${env}-operator servicemonitors: get,list,watch`,
                `monitoring-${env}-operator podmonitors: get,list,watch`,
                `monitoring-${env}-operator probes: get,list,watch`,
                `monitoring-${env}-operator scrapeconfigs: get,list,watch`,
                `monitoring-${env}-operator prometheusrules: get,list,watch`,
                `monitoring-${env}-prometheus services: get,list,watch`,
                `monitoring-${env}-prometheus endpoints: get,list,watch`,
                `monitoring-${env}-prometheus pods: get,list,watch`,
                `monitoring-${env}-prometheus endpointslices: get,list,watch`,
                `monitoring-${env}-prometheus ingresses: get,list,watch`,
                `nfs-${env}-nfs-subdir-external-provisioner persistentvolumeclaims: get,list,watch`,
            ].sort(),
        );
    });

    it(`could, with the NFS chart's own RBAC, update ${other}'s claims`, () => {
        const withChartRbac = structuredClone(runs[env].plan);
        delete (withChartRbac.values[`nfs-${env}`] as any).rbac;
        const model = new Authorizer(clusterRbac({ [env]: withChartRbac, [other]: runs[other].plan }));
        const sa = { namespace: `storage-${env}`, name: `nfs-${env}-nfs-subdir-external-provisioner` };
        const claim = { verb: "update", group: "", resource: "persistentvolumeclaims", namespace: `monitoring-${other}`, name: "any" };
        expect([model.can(sa, claim), cluster.can(sa, claim)]).toEqual([true, false]);
    });
});

describe("the other charts' hooks and roles stay in their env", () => {
    it.each(["dev", "prod"])("%s: Loki and Airflow ask their charts for no cluster-wide role", (env) => {
        const loki = valuesOf(runs[env].plan, `loki-${env}`);
        expect([loki.rbac, loki.sidecar]).toEqual([{ namespaced: true }, { rules: { enabled: false } }]);
        // Airflow's pod-launcher roles are Roles in its namespace unless multiNamespaceMode is on.
        expect(valuesOf(runs[env].plan, `airflow-${env}`).multiNamespaceMode).toBeUndefined();
    });
});
