/**
 * Properties that only hold across stacks: dev and prod share no cluster-scoped name, host port or
 * written host path, and every string that names an env names the stack's own env.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Plan } from "../scripts/lib/planWriter";
import { alloyStandIn } from "./support/chartStandIns";
import { MINIMAL_CONFIG, StackRun, allStrings, runLoaded, stackFromConfig, valuesOf, useBothStacks } from "./support/harness";
import { alertmanagerDir, amtoolReceivers } from "./support/validators";

const runs: Record<string, StackRun> = useBothStacks();

const CLUSTER_SCOPED = [
    "kubernetes:core/v1:Namespace",
    "kubernetes:storage.k8s.io/v1:StorageClass",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
];

/** Names of cluster-scoped objects: the program's own, plus what each chart derives from its release. */
function clusterScopedNames(plan: Plan, env: string): string[] {
    const own = plan.resources.filter((r) => CLUSTER_SCOPED.includes(r.type)).map((r) => `${r.type}/${(r.inputs as any).metadata.name}`);
    const nfs = valuesOf(plan, `nfs-${env}`).storageClass;
    return [
        ...own,
        `StorageClass/${nfs.name}`,
        `provisioner/${nfs.provisionerName}`,
        // kube-prometheus-stack names its ClusterRoles, webhooks and kubelet Service after the fullname.
        `fullname/${valuesOf(plan, `monitoring-${env}`).fullnameOverride}`,
        ...plan.releases.map((r) => `release/${r.name}`),
        // The alloy chart names its ClusterRole and binding after its fullname (the release: it contains "alloy").
        ...(plan.values[`alloy-${env}`] ? alloyClusterScoped(plan, env) : []),
    ];
}

function alloyClusterScoped(plan: Plan, env: string): string[] {
    const release = plan.releases.find((r) => r.name === `alloy-${env}`)!;
    return alloyStandIn({ ...release, release: release.name, values: valuesOf(plan, release.name), crdsInstalled: true })
        .filter((o) => o.metadata.namespace === undefined)
        .map((o) => `${o.kind}/${o.metadata.name}`);
}

/** Host paths a pod may write: hostPath volumes not mounted read-only, and the local-path node directory. */
function writtenHostPaths(plan: Plan, env: string): string[] {
    const promtail = plan.values[`promtail-${env}`] as Record<string, any> | undefined;
    const alloy = plan.values[`alloy-${env}`] as Record<string, any> | undefined;
    // Promtail's volumes and mounts, or Alloy's extra ones (its chart's own hostPath mounts are read-only).
    const [volumes, mounts] = promtail ? [promtail.defaultVolumes, promtail.defaultVolumeMounts] : [alloy!.controller.volumes.extra, alloy!.alloy.mounts.extra];
    const readOnly = new Set(mounts.filter((m: any) => m.readOnly).map((m: any) => m.name));
    const lp = plan.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as any).metadata.name === "local-path-config");
    return [
        ...volumes.filter((v: any) => v.hostPath && !readOnly.has(v.name)).map((v: any) => v.hostPath.path),
        ...JSON.parse((lp!.inputs as any).data["config.json"]).nodePathMap.flatMap((n: any) => n.paths),
    ];
}

describe("dev and prod on one cluster", () => {
    it("share no cluster-scoped object name", () => {
        const dev = clusterScopedNames(runs.dev.plan, "dev");
        const prod = clusterScopedNames(runs.prod.plan, "prod");
        expect(dev).toEqual([
            "kubernetes:core/v1:Namespace/storage-dev",
            "kubernetes:core/v1:Namespace/monitoring-dev",
            "kubernetes:core/v1:Namespace/observability-dev",
            "kubernetes:core/v1:Namespace/fastapi-dev",
            "kubernetes:core/v1:Namespace/mlflow-dev",
            "kubernetes:core/v1:Namespace/airflow-dev",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole/local-path-provisioner-dev",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding/local-path-provisioner-dev",
            "kubernetes:storage.k8s.io/v1:StorageClass/local-path-dev",
            "StorageClass/nfs-dev",
            "provisioner/nfs.platform.mlops/dev",
            "fullname/monitoring-dev",
            "release/nfs-dev",
            "release/airflow-dev",
            "release/monitoring-dev",
            "release/loki-dev",
            "release/promtail-dev",
        ]);
        expect(dev.filter((n) => prod.includes(n))).toEqual([]);
    });

    it("share no written host path", () => {
        expect(writtenHostPaths(runs.dev.plan, "dev")).toEqual(["/run/promtail-dev", "/opt/local-path-provisioner/dev"]);
        expect(writtenHostPaths(runs.prod.plan, "prod")).toEqual(["/run/promtail-prod", "/opt/local-path-provisioner/prod"]);
    });

    describe("with Alloy as the log agent of one or both envs (during a switch, or after it)", () => {
        const alloyRuns: Record<string, StackRun> = {};
        beforeAll(async () => {
            for (const env of ["dev", "prod"]) alloyRuns[env] = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, env, logging: { agent: "alloy" } }));
        });

        it("names its cluster-scoped objects and written host path for its env only", () => {
            expect(clusterScopedNames(alloyRuns.dev!.plan, "dev").filter((n) => /alloy/.test(n))).toEqual([
                "release/alloy-dev",
                "ClusterRole/alloy-dev",
                "ClusterRoleBinding/alloy-dev",
            ]);
            expect(writtenHostPaths(alloyRuns.dev!.plan, "dev")).toEqual(["/var/lib/alloy-dev", "/opt/local-path-provisioner/dev"]);
            expect(writtenHostPaths(alloyRuns.prod!.plan, "prod")).toEqual(["/var/lib/alloy-prod", "/opt/local-path-provisioner/prod"]);
        });

        it.each([
            ["Alloy", "Alloy"],
            ["Promtail", "Alloy"],
            ["Alloy", "Promtail"],
        ])("dev on %s and prod on %s share no cluster-scoped name, written host path or env token", (devAgent, prodAgent) => {
            const dev = devAgent === "Alloy" ? alloyRuns.dev!.plan : runs.dev.plan;
            const prod = prodAgent === "Alloy" ? alloyRuns.prod!.plan : runs.prod.plan;
            expect(clusterScopedNames(dev, "dev").filter((n) => clusterScopedNames(prod, "prod").includes(n))).toEqual([]);
            expect(writtenHostPaths(dev, "dev").filter((p) => writtenHostPaths(prod, "prod").includes(p))).toEqual([]);
            const strings = allStrings([dev.resources, dev.values, dev.outputs, dev.artifacts]);
            expect(strings.filter((s) => /(^|[^a-z])prod([^a-z]|$)/.test(s))).toEqual([]);
        });
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
