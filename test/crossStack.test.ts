/**
 * Properties that only hold across stacks: dev and prod share no cluster-scoped name, host port or
 * written host path, and every string that names an env names the stack's own env.
 */
import { describe, expect, it } from "vitest";
import { SYSTEM_NAMESPACE } from "../components/naming";
import { Plan } from "../scripts/lib/planWriter";
import { StackRun, allStrings, valuesOf, useBothStacks } from "./support/harness";
import { alertmanagerDir, amtoolReceivers } from "./support/validators";

const runs: Record<string, StackRun> = useBothStacks();

const CLUSTER_SCOPED = [
    "kubernetes:core/v1:Namespace",
    "kubernetes:storage.k8s.io/v1:StorageClass",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
];

/**
 * Names of cluster-scoped objects and of objects in the shared kube-system: the program's own, plus
 * what each chart derives from its release.
 */
function clusterScopedNames(plan: Plan, env: string): string[] {
    const shared = (r: Plan["resources"][number]) => CLUSTER_SCOPED.includes(r.type) || (r.inputs as any)?.metadata?.namespace === SYSTEM_NAMESPACE;
    const own = plan.resources.filter(shared).map((r) => {
        const { namespace, name } = (r.inputs as any).metadata;
        return `${r.type}/${namespace ? `${namespace}/` : ""}${name}`;
    });
    const nfs = valuesOf(plan, `nfs-${env}`).storageClass;
    return [
        ...own,
        `StorageClass/${nfs.name}`,
        `provisioner/${nfs.provisionerName}`,
        // kube-prometheus-stack names its ClusterRoles, webhooks and kubelet Service after the fullname.
        `fullname/${valuesOf(plan, `monitoring-${env}`).fullnameOverride}`,
        ...plan.releases.map((r) => `release/${r.name}`),
    ].sort();
}

/** Host paths a pod may write: hostPath volumes not mounted read-only, and the local-path node directory. */
function writtenHostPaths(plan: Plan, env: string): string[] {
    const promtail = valuesOf(plan, `promtail-${env}`);
    const readOnly = new Set(promtail.defaultVolumeMounts.filter((m: any) => m.readOnly).map((m: any) => m.name));
    const lp = plan.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as any).metadata.name === "local-path-config");
    return [
        ...promtail.defaultVolumes.filter((v: any) => v.hostPath && !readOnly.has(v.name)).map((v: any) => v.hostPath.path),
        ...JSON.parse((lp!.inputs as any).data["config.json"]).nodePathMap.flatMap((n: any) => n.paths),
    ];
}

describe("dev and prod on one cluster", () => {
    it("share no cluster-scoped object name", () => {
        const dev = clusterScopedNames(runs.dev.plan, "dev");
        const prod = clusterScopedNames(runs.prod.plan, "prod");
        // Sorted: the program registers them in dependency order, which says nothing here.
        expect(dev).toEqual([
            "StorageClass/nfs-dev",
            "fullname/monitoring-dev",
            "kubernetes:core/v1:Namespace/airflow-dev",
            "kubernetes:core/v1:Namespace/fastapi-dev",
            "kubernetes:core/v1:Namespace/mlflow-dev",
            "kubernetes:core/v1:Namespace/monitoring-dev",
            "kubernetes:core/v1:Namespace/observability-dev",
            "kubernetes:core/v1:Namespace/storage-dev",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole/local-path-provisioner-dev",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole/monitoring-dev-admission-patch",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole/monitoring-dev-operator-cluster-read",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole/monitoring-dev-prometheus-discovery",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole/nfs-dev-provisioner",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding/local-path-provisioner-dev",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding/monitoring-dev-admission-patch",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding/monitoring-dev-operator-cluster-read",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding/monitoring-dev-prometheus-discovery",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding/nfs-dev-provisioner",
            "kubernetes:rbac.authorization.k8s.io/v1:Role/kube-system/monitoring-dev-operator-kubelet",
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding/kube-system/monitoring-dev-operator-kubelet",
            "kubernetes:storage.k8s.io/v1:StorageClass/local-path-dev",
            "provisioner/nfs.platform.mlops/dev",
            "release/airflow-dev",
            "release/loki-dev",
            "release/monitoring-dev",
            "release/nfs-dev",
            "release/promtail-dev",
        ]);
        expect(dev.filter((n) => prod.includes(n))).toEqual([]);
    });

    it("share no written host path", () => {
        expect(writtenHostPaths(runs.dev.plan, "dev")).toEqual(["/run/promtail-dev", "/opt/local-path-provisioner/dev"]);
        expect(writtenHostPaths(runs.prod.plan, "prod")).toEqual(["/run/promtail-prod", "/opt/local-path-provisioner/prod"]);
    });

    it("use no host port at all", () => {
        for (const env of ["dev", "prod"]) {
            const text = JSON.stringify(runs[env].plan);
            expect(text).not.toContain("hostPort");
            expect(text).not.toMatch(/"hostNetwork":\s*true/);
        }
    });

    it.each<[string, Record<string, string>]>([
        ["a kube-system alert", { alertname: "KubeDaemonSetRolloutStuck", severity: "warning", namespace: "kube-system" }],
        ["an alert without namespace", { alertname: "KubeletDown", severity: "critical" }],
        ["a node-exporter host alert", { alertname: "NodeFilesystemAlmostOutOfSpace", severity: "critical", job: "node-exporter", instance: "node-1" }],
    ])("page one human channel, prod's, for %s that both envs' Alertmanagers receive (amtool)", (_label, labels) => {
        // Each Prometheus labels its node-exporter series with its own monitoring namespace.
        const receivers = (["dev", "prod"] as const).map((env) => {
            const own = labels.job ? { ...labels, namespace: `monitoring-${env}` } : labels;
            return amtoolReceivers(alertmanagerDir(runs[env].plan.artifacts), own);
        });
        expect(receivers).toEqual(["null", "slack-prod"]);
    });

    it.each([
        ["dev", "prod"],
        ["prod", "dev"],
    ])("%s never names %s in a label, selector, regex, host or URL", (env, other) => {
        const strings = allStrings([runs[env].plan.resources, runs[env].plan.values, runs[env].plan.outputs]);
        const mentions = (token: string) => strings.filter((s) => new RegExp(`(^|[^a-z])${token}([^a-z]|$)`).test(s));
        expect(mentions(other)).toEqual([]);
        // And the env's own token is there, so the check above is not vacuous.
        expect(mentions(env).length).toBeGreaterThan(50);
    });
});
