/**
 * What every long-running container of an env requests, derived from the same config the chart
 * values are built from. The offline plan adds it up; tests check the chart values carry exactly
 * these resources, so the inventory cannot drift from what is deployed.
 */
import { PlatformConfig, Resources } from "./config/schema";
import { parseBytes, parseMillicores } from "./config/quantities";

export interface WorkloadSizing {
    readonly workload: string;
    readonly kind: "Deployment" | "StatefulSet" | "DaemonSet";
    /** Pods per workload; DaemonSets run one pod per node. */
    readonly replicas: number;
    readonly containers: readonly { readonly name: string; readonly resources: Resources }[];
}

export function workloadInventory(cfg: PlatformConfig): WorkloadSizing[] {
    const m = cfg.monitoring;
    const { fastapi, mlflow, airflow } = cfg.workloads;
    const reloader = { name: "config-reloader", resources: m.operator.configReloaderResources };
    return [
        {
            workload: "nfs-subdir-external-provisioner",
            kind: "Deployment",
            replicas: 1,
            containers: [{ name: "provisioner", resources: cfg.storage.nfs.resources }],
        },
        ...(cfg.storage.localPath.mode === "install"
            ? [
                  {
                      workload: "local-path-provisioner",
                      kind: "Deployment" as const,
                      replicas: 1,
                      containers: [{ name: "provisioner", resources: cfg.storage.localPath.resources }],
                  },
              ]
            : []),
        { workload: "prometheus-operator", kind: "Deployment", replicas: 1, containers: [{ name: "operator", resources: m.operator.resources }] },
        {
            workload: "prometheus",
            kind: "StatefulSet",
            replicas: m.prometheus.replicas,
            containers: [{ name: "prometheus", resources: m.prometheus.resources }, reloader],
        },
        {
            workload: "alertmanager",
            kind: "StatefulSet",
            replicas: m.alertmanager.replicas,
            containers: [{ name: "alertmanager", resources: m.alertmanager.resources }, reloader],
        },
        {
            workload: "grafana",
            kind: "Deployment",
            replicas: 1,
            containers: [
                { name: "grafana", resources: m.grafana.resources },
                { name: "sidecar-dashboards", resources: m.grafana.sidecarResources },
                { name: "sidecar-datasources", resources: m.grafana.sidecarResources },
            ],
        },
        {
            workload: "kube-state-metrics",
            kind: "Deployment",
            replicas: 1,
            containers: [{ name: "kube-state-metrics", resources: m.kubeStateMetrics.resources }],
        },
        { workload: "node-exporter", kind: "DaemonSet", replicas: 1, containers: [{ name: "node-exporter", resources: m.nodeExporter.resources }] },
        { workload: "loki", kind: "StatefulSet", replicas: 1, containers: [{ name: "loki", resources: cfg.logging.loki.resources }] },
        { workload: "promtail", kind: "DaemonSet", replicas: 1, containers: [{ name: "promtail", resources: cfg.logging.promtail.resources }] },
        // Workloads that are switched on, at their minimum scale; Airflow task pods (workers) come and
        // go and are not counted.
        ...(fastapi.enabled
            ? [
                  {
                      workload: "fastapi",
                      kind: "Deployment" as const,
                      replicas: fastapi.autoscaling?.minReplicas ?? fastapi.replicas ?? 1,
                      containers: [{ name: "fastapi", resources: fastapi.resources }],
                  },
              ]
            : []),
        ...(mlflow.enabled
            ? [{ workload: "mlflow", kind: "Deployment" as const, replicas: mlflow.replicas, containers: [{ name: "mlflow", resources: mlflow.resources }] }]
            : []),
        ...(airflow.enabled
            ? (["scheduler", "apiServer", "dagProcessor", "triggerer"] as const).map((c) => ({
                  workload: `airflow-${c}`,
                  kind: "Deployment" as const,
                  replicas: 1,
                  containers: [{ name: c, resources: airflow.resources[c] }],
              }))
            : []),
    ];
}

export interface RequestTotals {
    /** Deployments and StatefulSets. */
    readonly fixed: { readonly cpuMillis: number; readonly memoryBytes: number };
    /** One pod of every DaemonSet, i.e. what each node adds. */
    readonly perNode: { readonly cpuMillis: number; readonly memoryBytes: number };
}

export function requestTotals(inventory: readonly WorkloadSizing[]): RequestTotals {
    const sum = (daemon: boolean) =>
        inventory
            .filter((w) => (w.kind === "DaemonSet") === daemon)
            .reduce(
                (acc, w) => {
                    for (const c of w.containers) {
                        acc.cpuMillis += w.replicas * (parseMillicores(c.resources.requests.cpu) ?? 0);
                        acc.memoryBytes += w.replicas * (parseBytes(c.resources.requests.memory) ?? 0);
                    }
                    return acc;
                },
                { cpuMillis: 0, memoryBytes: 0 },
            );
    return { fixed: sum(false), perNode: sum(true) };
}

/** A Resources value in the shape the Kubernetes SDK types accept (plain records). */
export function k8sResources(r: Resources) {
    return { requests: { ...r.requests }, limits: { ...r.limits } };
}
