/** Chart mirrors the chart-source tests configure (the `charts` stack setting). */
export const HTTP_MIRROR = "https://charts.mirror.example.com/helm";
export const OCI_MIRROR = "oci://registry.example.com/charts";

/** Loki over HTTP with another version; kube-prometheus-stack (with a version) and Promtail (without) from OCI. */
export const MIRRORED = {
    loki: { repository: HTTP_MIRROR, version: "18.12.0" },
    kubePrometheusStack: { repository: OCI_MIRROR, version: "88.5.3" },
    promtail: { repository: OCI_MIRROR },
};
