/** An env with two Prometheus replicas and remote write, shared by test/prometheusHa.test.ts and its integration half. */
import { MINIMAL_CONFIG, stackFromConfig } from "./harness";

export const MIMIR = {
    name: "mimir",
    url: "https://mimir.example.com/api/v1/push",
    auth: "basic",
    headers: { "X-Scope-OrgID": "mlops-dev" },
    queueConfig: {
        capacity: 20000,
        minShards: 2,
        maxShards: 30,
        maxSamplesPerSend: 5000,
        batchSendDeadline: "10s",
        minBackoff: "100ms",
        maxBackoff: "10s",
        retryOnRateLimit: true,
    },
    writeRelabelConfigs: [
        { action: "drop", sourceLabels: ["__name__"], regex: "(?i)go_.*|process_.*" },
        { action: "labeldrop", regex: "pod_template_hash" },
        { action: "replace", sourceLabels: ["namespace"], regex: "(.*)-dev", targetLabel: "team_namespace", replacement: "$1" },
    ],
};
export const THANOS = { name: "thanos", url: "https://thanos-receive.example.com/api/v1/receive", auth: "bearer" };
export const HA_MONITORING = { prometheus: { replicas: 2, remoteWrite: [MIMIR, THANOS] }, alertmanager: { replicas: 2 } };
export const HA_AUTH = { mimir: { username: "mlops-dev", password: "mimir-password-never-printed" }, thanos: { token: "thanos-token-never-printed" } };
export const HA_CONFIG = { ...MINIMAL_CONFIG, monitoring: HA_MONITORING, prometheusRemoteWriteAuth: HA_AUTH };
export const haStack = () => stackFromConfig(HA_CONFIG, ["prometheusRemoteWriteAuth"]);

/**
 * What prometheus-operator v0.93 makes of the Prometheus values for one replica (pod): its
 * external labels and alert relabelings (pkg/prometheus/promcfg.go, buildExternalLabels and the
 * `alert_relabel_configs` it writes). The replica and instance labels win over `externalLabels`.
 */
export function operatorRendering(spec: Record<string, any>, namespace: string, crName: string, pod: string) {
    const replica: string = spec.replicaExternalLabelName ?? "prometheus_replica";
    const instance: string = spec.prometheusExternalLabelName ?? "prometheus";
    return {
        externalLabels: { ...spec.externalLabels, ...(instance ? { [instance]: `${namespace}/${crName}` } : {}), ...(replica ? { [replica]: pod } : {}) },
        alertRelabelConfigs: replica ? [{ action: "labeldrop", regex: replica.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") }] : [],
    };
}
