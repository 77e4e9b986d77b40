/**
 * Every Helm chart the platform installs, pinned to an exact version in this one place.
 * Bumping a chart is a one-line change here plus a re-check of the values keys the
 * components set (Helm silently ignores keys a chart does not read).
 */
export interface ChartPin {
    /** Chart name inside its repository. */
    readonly chart: string;
    /** Public Helm repository URL. */
    readonly repo: string;
    /** Exact chart version; never a range. */
    readonly version: string;
}

export const charts = {
    // Runs prometheus-operator `prometheusOperator.version` below (the chart's appVersion). Bumping it
    // means bumping `prometheusOperator.version` and `prometheusOperatorCrds` to the CRDs chart of that
    // operator too, then `pulumi up -s cluster` before any env (docs/operations.md "Upgrading kube-prometheus-stack").
    kubePrometheusStack: {
        chart: "kube-prometheus-stack",
        repo: "https://prometheus-community.github.io/helm-charts",
        version: "88.5.3",
    },
    // The prometheus-operator CRDs alone, versioned with the operator: 31.0.1 is operator v0.93.1 (its
    // appVersion), the operator of kube-prometheus-stack 88.5.3. Installed only by the cluster stack.
    prometheusOperatorCrds: {
        chart: "prometheus-operator-crds",
        repo: "https://prometheus-community.github.io/helm-charts",
        version: "31.0.1",
    },
    // The open-source Loki chart moved to grafana-community in March 2026; `loki` 7.x in the
    // grafana repository is the Enterprise Logs chart.
    loki: {
        chart: "loki",
        repo: "https://grafana-community.github.io/helm-charts",
        version: "18.11.0",
    },
    // Final release: Promtail reached end of life on 2026-03-02 (Alloy is its successor).
    promtail: {
        chart: "promtail",
        repo: "https://grafana.github.io/helm-charts",
        version: "6.17.1",
    },
    // Promtail's successor; release `alloy-<env>` (logging.agent: alloy). App version v1.18.1.
    alloy: {
        chart: "alloy",
        repo: "https://grafana.github.io/helm-charts",
        version: "1.11.1",
    },
    nfsSubdirProvisioner: {
        chart: "nfs-subdir-external-provisioner",
        repo: "https://kubernetes-sigs.github.io/nfs-subdir-external-provisioner/",
        version: "4.0.18",
    },
    // The official chart; its 1.x line still serves Airflow 3 (chart defaults: Airflow 3.2.x).
    airflow: {
        chart: "airflow",
        repo: "https://airflow.apache.org",
        version: "1.22.0",
    },
} as const satisfies Record<string, ChartPin>;

export type ChartKey = keyof typeof charts;

/**
 * The prometheus-operator that kube-prometheus-stack's pin runs (its Chart.yaml appVersion, v0.93.1
 * for 88.5.3), which is the least CRD version an env accepts: every env stack reads the
 * `operator.prometheus.io/version` annotation of the cluster's Prometheus CRD and stops before any
 * change below this. The `prometheusOperatorCrds` pin carries exactly this version; a bump of
 * kube-prometheus-stack moves all three together.
 */
export const prometheusOperator = { version: "0.93.1" } as const;

/**
 * The Airflow a stack runs when it sets no custom image (`workloads.airflow.image`): the official
 * image of this version, which is chart 1.22.0's own default (3.2.2). Pinned here rather than left
 * to the chart so a chart bump never moves Airflow by itself; a stack with a custom image or
 * `protect: true` must name its version (`workloads.airflow.airflowVersion`) instead.
 */
export const airflowDefault = { repository: "apache/airflow", version: "3.2.2" } as const;

/**
 * Container images the program references directly (charts pin their own). local-path-provisioner
 * has no Helm repository, so its Deployment is declared in components/storage/localPath.ts.
 * v0.0.36+ validates the helper-pod template (CVE-2026-44543); never pin below it.
 */
export const images = {
    localPathProvisioner: "rancher/local-path-provisioner:v0.0.37",
    localPathHelper: "busybox:1.37.0",
} as const;
