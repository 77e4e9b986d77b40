/**
 * Properties that only hold across stacks: dev, prod and the staging fixture (a third env, on a
 * second cluster) share no cluster-scoped name, host port, written host path, host, database,
 * directory or object-store prefix, and every string that names an env names the stack's own env.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_NAMESPACE } from "../components/naming";
import { Plan } from "../scripts/lib/planWriter";
import { parseStackConfig } from "../scripts/lib/stackFile";
import { alloyStandIn } from "./support/chartStandIns";
import {
    STAGING_STACK_FILE,
    StackRun,
    allStrings,
    minimalConfigFor,
    runLoaded,
    runStack,
    runStackFile,
    stackFromConfig,
    valuesOf,
    useBothStacks,
} from "./support/harness";
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, CONFIG_MAP, NAMESPACE, STORAGE_CLASS } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();
beforeAll(async () => {
    runs.staging = await runStackFile(STAGING_STACK_FILE);
    runs.scaleout = await runStack("scaleout");
});
/** The project's two envs, the staging fixture (another cluster) and the scale-out example. */
const ENVS = ["dev", "prod", "staging", "scaleout"] as const;
/** Every pair of the envs, each once. */
const PAIRS = ENVS.flatMap((a, i) => ENVS.slice(i + 1).map((b) => [a, b] as const));
const shared = (a: readonly string[], b: readonly string[]) => a.filter((x) => b.includes(x));

const CLUSTER_SCOPED = [NAMESPACE, STORAGE_CLASS, CLUSTER_ROLE, CLUSTER_ROLE_BINDING];

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
        // The alloy chart names its ClusterRole and binding after its fullname (the release: it contains "alloy").
        ...(plan.values[`alloy-${env}`] ? alloyClusterScoped(plan, env) : []),
    ].sort();
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
    const lp = plan.resources.find((r) => r.type === CONFIG_MAP && (r.inputs as any).metadata.name === "local-path-config");
    return [
        ...volumes.filter((v: any) => v.hostPath && !readOnly.has(v.name)).map((v: any) => v.hostPath.path),
        ...JSON.parse((lp!.inputs as any).data["config.json"]).nodePathMap.flatMap((n: any) => n.paths),
    ];
}

/**
 * Everything an env names outside the cluster, each with what it is: hosts it serves, the NFS
 * directory and node directory it writes, its databases and its object-store locations.
 */
function externalNames(env: string): string[] {
    const { plan, run } = runs[env]!;
    const cfg = parseStackConfig(run.stack);
    const w = cfg.workloads;
    const nfs = valuesOf(plan, `nfs-${env}`).nfs;
    return [
        ...Object.values(plan.outputs.urls as Record<string, string | null>).map((u) => `host ${u}`),
        `nfs ${nfs.server}:${nfs.path}`,
        ...writtenHostPaths(plan, env).map((p) => `node path ${p}`),
        ...(w.mlflow.enabled ? [`database ${w.mlflow.database.host}/${w.mlflow.database.database}`] : []),
        ...(w.airflow.enabled ? [`database ${w.airflow.database.host}/${w.airflow.database.database}`] : []),
        // Every object-store location the env's objects are handed, wherever the program puts it.
        ...new Set(
            allStrings([plan.resources, plan.values])
                .flatMap((s) => s.match(/s3:\/\/[^\s"',]+/g) ?? [])
                .map((l) => `object store ${l}`),
        ),
    ];
}

describe("dev, prod and staging", () => {
    it("staging names its own host, directories, databases and prefixes", () => {
        expect(externalNames("staging")).toEqual([
            "host https://grafana-staging.mlops-staging.internal",
            "host https://prometheus-staging.mlops-staging.internal",
            "host https://alertmanager-staging.mlops-staging.internal",
            "host https://loki-staging.mlops-staging.internal",
            "host https://fastapi-staging.mlops-staging.internal",
            "host https://mlflow-staging.mlops-staging.internal",
            "host https://airflow-staging.mlops-staging.internal",
            "nfs 192.168.28.141:/mnt/nfs_share/mlops/staging",
            "node path /run/promtail-staging",
            "node path /opt/local-path-provisioner/staging",
            "database 192.168.28.142/mlflow_staging",
            "database 192.168.28.142/airflow_staging",
            "object store s3://mlflow-artifacts-keonho/staging/mlflow",
            "object store s3://mlflow-artifacts-keonho/staging/airflow-logs",
        ]);
    });

    it.each(PAIRS)("%s and %s share no host, directory, database or object-store prefix", (a, b) => {
        const [x, y] = [externalNames(a), externalNames(b)];
        expect(x.length).toBe(14);
        expect(y.length).toBe(14);
        expect(shared(x, y)).toEqual([]);
        // A location is shared when one contains the other (s3://bucket/dev and s3://bucket/dev/mlflow).
        const locations = (names: string[]) => names.filter((n) => /^(nfs|node path|object store) /.test(n)).map((n) => n.replace(/^[a-z ]+ /, ""));
        const nested = locations(x).flatMap((l) => locations(y).filter((m) => l.startsWith(`${m}/`) || m.startsWith(`${l}/`)));
        expect(nested).toEqual([]);
    });

    it.each(PAIRS)("%s and %s share no cluster-scoped object name", (a, b) => {
        expect(shared(clusterScopedNames(runs[a]!.plan, a), clusterScopedNames(runs[b]!.plan, b))).toEqual([]);
    });

    it.each(ENVS.flatMap((env) => ENVS.filter((o) => o !== env).map((other) => [env, other])))(
        "%s never names %s in a label, selector, regex, host or URL",
        (env, other) => {
            const strings = allStrings([runs[env]!.plan.resources, runs[env]!.plan.values, runs[env]!.plan.outputs]);
            const mentions = (token: string) => strings.filter((s) => new RegExp(`(^|[^a-z])${token}([^a-z]|$)`).test(s));
            expect(mentions(other)).toEqual([]);
            // And the env's own token is there, so the check above is not vacuous.
            expect(mentions(env).length).toBeGreaterThan(50);
        },
    );
});

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

    describe("with Alloy as the log agent of one or both envs (during a switch, or after it)", () => {
        const alloyRuns: Record<string, StackRun> = {};
        beforeAll(async () => {
            for (const env of ["dev", "prod"]) alloyRuns[env] = await runLoaded(stackFromConfig({ ...minimalConfigFor(env), logging: { agent: "alloy" } }));
        });

        it("names its cluster-scoped objects and written host path for its env only", () => {
            expect(clusterScopedNames(alloyRuns.dev!.plan, "dev").filter((n) => /alloy/.test(n))).toEqual([
                "ClusterRole/alloy-dev",
                "ClusterRoleBinding/alloy-dev",
                "release/alloy-dev",
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

    it("use no host port at all (staging neither)", () => {
        for (const env of ENVS) {
            const text = JSON.stringify(runs[env].plan);
            expect(text).not.toContain("hostPort");
            expect(text).not.toMatch(/"hostNetwork":\s*true/);
        }
    });
});
