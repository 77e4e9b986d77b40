import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { PlatformConfig } from "../config/schema";
import { helmRelease } from "../helm";
import { authenticatedIngressAnnotations, ingressAnnotations } from "../ingress";
import { ownedSecret } from "../secrets";
import { ENV_LABEL, EnvNames, SYSTEM_NAMESPACE } from "../naming";
import { ChartSource } from "../chartSources";
import { platformLabels } from "../labels";
import { declareGrants } from "../rbac";
import { SLACK_TEMPLATE_KEY, SLACK_WEBHOOK_KEY, alertmanagerConfig, slackTemplates } from "./alertmanagerConfig";
import { DASHBOARD_SIDECAR_LABEL } from "./dashboards/grafana";
import { GRAFANA_ADMIN_PASSWORD_KEY, GRAFANA_ADMIN_USER_KEY } from "./grafanaAdmin";
import { needsRemoteWriteSecret, remoteWriteSecretData, remoteWriteValues } from "./remoteWrite";
import { RemoteWriteCredentials } from "../config/remoteWrite";
import { monitoringGrants } from "./monitoringRbac";

export interface MonitoringArgs {
    readonly names: EnvNames;
    /** Where kube-prometheus-stack comes from (pin or mirror). */
    readonly chart: ChartSource;
    readonly namespace: string;
    /** Every namespace the env creates: the operator's Roles are there (monitoringRbac.ts). */
    readonly envNamespaces: readonly string[];
    readonly monitoring: PlatformConfig["monitoring"];
    readonly alerting: PlatformConfig["alerting"];
    readonly ingress: PlatformConfig["ingress"];
    readonly storageClasses: { readonly nfs: string; readonly localPath: string };
    /** Keep Grafana's claim when the release is uninstalled (prod). */
    readonly retainVolumes: boolean;
    /** Slack incoming-webhook URL from secret config; unset leaves the webhook file empty. */
    readonly slackWebhook: pulumi.Output<string>;
    /** Secret config: credentials of the remote-write targets by target name. */
    readonly remoteWriteCredentials: pulumi.Output<Readonly<Record<string, RemoteWriteCredentials>>>;
}

/** Inputs of the values builder: everything but the secrets, which only the Secrets hold. */
export type MonitoringValuesInput = Omit<MonitoringArgs, "namespace" | "slackWebhook" | "remoteWriteCredentials" | "chart" | "envNamespaces">;

/**
 * External label naming the replica (the operator's value: the pod name). Set explicitly, since
 * the downstream store deduplicates on it, and the operator drops exactly this label from alerts,
 * so both replicas send Alertmanager identical alerts, which it merges into one.
 */
export const REPLICA_EXTERNAL_LABEL = "prometheus_replica";
/** External label naming the Prometheus pair (`<namespace>/<name>`, the same on every replica). */
export const PROMETHEUS_EXTERNAL_LABEL = "prometheus";
/** External label carrying the env on every series and alert that leaves Prometheus. */
export const ENV_EXTERNAL_LABEL = "env";

/** With two replicas or more, a drain or rollout may take only one of them at a time. */
const keepOneUp = (replicas: number) => (replicas >= 2 ? { podDisruptionBudget: { enabled: true, minAvailable: 1 } } : {});

const keepNamespaces = (regex: string) => ({ action: "keep", sourceLabels: ["namespace"], regex });

/** kubelet endpoints: keep only the kubelet Service of this env's operator (both operators create one). */
const keepOwnKubeletService = (service: string) => ({
    action: "keep",
    sourceLabels: ["__meta_kubernetes_service_name"],
    regex: service,
});

/** The chart's default target relabeling for every kubelet endpoint; setting our list replaces it. */
const METRICS_PATH_LABEL = { action: "replace", sourceLabels: ["__metrics_path__"], targetLabel: "metrics_path" };

/** The chart's default cAdvisor metric drops (kept, since our list replaces the default). */
const CADVISOR_DEFAULT_DROPS = [
    {
        sourceLabels: ["__name__"],
        action: "drop",
        regex: "container_cpu_(cfs_throttled_seconds_total|load_average_10s|system_seconds_total|user_seconds_total)",
    },
    {
        sourceLabels: ["__name__"],
        action: "drop",
        regex: "container_fs_(io_current|io_time_seconds_total|io_time_weighted_seconds_total|reads_merged_total|sector_reads_total|sector_writes_total|writes_merged_total)",
    },
    { sourceLabels: ["__name__"], action: "drop", regex: "container_memory_(mapped_file|swap)" },
    { sourceLabels: ["__name__"], action: "drop", regex: "container_(file_descriptors|tasks_state|threads_max)" },
    { sourceLabels: ["__name__", "scope"], action: "drop", regex: "container_memory_failures_total;hierarchy" },
    { sourceLabels: ["__name__", "interface"], action: "drop", regex: "container_network_.*;(cali|cilium|cni|lxc|nodelocaldns|tunl).*" },
    { sourceLabels: ["__name__"], action: "drop", regex: "container_spec.*" },
    { sourceLabels: ["id", "pod"], action: "drop", regex: ".+;" },
];

/** Prometheus and Alertmanager ingress shape (`paths` list); Grafana's chart takes a single `path`. */
function ingressValues(args: MonitoringValuesInput, host: string, tlsSecret: string, annotations: Record<string, string>, pathKey: "paths" | "path") {
    return {
        enabled: true,
        ingressClassName: args.ingress.className,
        annotations,
        hosts: [host],
        ...(pathKey === "paths" ? { paths: ["/"] } : { path: "/" }),
        pathType: "Prefix",
        tls: [{ hosts: [host], secretName: tlsSecret }],
    };
}

const volumeClaim = (storageClassName: string, size: string) => ({
    volumeClaimTemplate: {
        spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } },
    },
});

/** The exact values kube-prometheus-stack receives for one env. */
export function kubePrometheusStackValues(args: MonitoringValuesInput): Record<string, unknown> {
    const { names, monitoring: m } = args;
    const envNs = [names.namespaces.monitoring];
    const releaseSelector = { matchLabels: { ...names.monitoringReleaseLabel } };
    // Monitors are only honoured in namespaces the program labelled for this env.
    const envNamespaceSelector = { matchLabels: { [ENV_LABEL]: names.env } };
    const keepEnv = keepNamespaces(names.metricNamespaceRegex);
    // Prometheus and Alertmanager have no login of their own: their ingresses authenticate.
    const apiIngressAnnotations = authenticatedIngressAnnotations(args.ingress, names);
    const ownKubelet = keepOwnKubeletService(names.kubeletService);
    const selectOwn = (kind: string) => ({
        [`${kind}SelectorNilUsesHelmValues`]: false,
        [`${kind}Selector`]: releaseSelector,
        [`${kind}NamespaceSelector`]: envNamespaceSelector,
    });
    return {
        fullnameOverride: names.monitoringFullname,
        // The chart's RBAC for the operator, Prometheus and the webhook Jobs is cluster-wide with
        // cluster-wide writes, and it has no namespaced mode; the program declares it instead.
        global: { rbac: { create: false } },
        // The prometheus-operator CRDs belong to the cluster stack (components/cluster/): an env never
        // installs, upgrades or deletes them. false drops the chart's `crds` subchart (its crds/ and
        // its CRD upgrade Job); the release's skipCrds is the second lock.
        crds: { enabled: false },
        defaultRules: {
            create: true,
            // kubernetes-apps rules (crash loops, stuck rollouts) only look at this env's namespaces.
            appNamespacesTarget: names.logNamespaceRegex,
            rules: { etcd: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeControllerManager: false, kubeProxy: false },
        },
        // Control-plane endpoints are not reachable on kubeadm defaults and belong to no env.
        kubeEtcd: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeProxy: { enabled: false },
        coreDns: { enabled: false },
        prometheusOperator: {
            // Each env's operator reconciles only its own Prometheus and Alertmanager.
            prometheusInstanceNamespaces: envNs,
            alertmanagerInstanceNamespaces: envNs,
            alertmanagerConfigNamespaces: envNs,
            thanosRulerInstanceNamespaces: envNs,
            // Without a selector both envs' webhooks would mutate and validate every namespace's
            // PrometheusRules and AlertmanagerConfigs.
            admissionWebhooks: { namespaceSelector: envNamespaceSelector },
            kubeletService: { enabled: true, namespace: SYSTEM_NAMESPACE },
            resources: m.operator.resources,
            prometheusConfigReloader: { resources: m.operator.configReloaderResources },
        },
        kubelet: {
            enabled: true,
            namespace: SYSTEM_NAMESPACE,
            serviceMonitor: {
                // Scrape each node's kubelet once per env: through this env's operator's Service only.
                relabelings: [ownKubelet, METRICS_PATH_LABEL],
                cAdvisorRelabelings: [ownKubelet, METRICS_PATH_LABEL],
                probesRelabelings: [ownKubelet, METRICS_PATH_LABEL],
                resourceRelabelings: [ownKubelet, METRICS_PATH_LABEL],
                metricRelabelings: [keepEnv],
                cAdvisorMetricRelabelings: [...CADVISOR_DEFAULT_DROPS, keepEnv],
                probesMetricRelabelings: [keepEnv],
                resourceMetricRelabelings: [keepEnv],
            },
        },
        "kube-state-metrics": {
            resources: m.kubeStateMetrics.resources,
            prometheus: { monitor: { http: { metricRelabelings: [keepEnv] } } },
        },
        "prometheus-node-exporter": {
            resources: m.nodeExporter.resources,
            // No hostNetwork and so no host port: any number of envs' DaemonSets coexist on a node.
            // The price: node_network_* series describe the pod's network namespace, not the host's.
            hostNetwork: false,
        },
        prometheus: {
            ingress: ingressValues(args, names.hosts.prometheus, names.tlsSecrets.prometheus, apiIngressAnnotations, "paths"),
            ...keepOneUp(m.prometheus.replicas),
            // Replicas scrape on their own schedules, so their answers differ slightly: Grafana (one
            // client) sticks to one replica and a dashboard does not flicker between them.
            ...(m.prometheus.replicas >= 2 ? { service: { sessionAffinity: "ClientIP" } } : {}),
            prometheusSpec: {
                ...selectOwn("serviceMonitor"),
                ...selectOwn("podMonitor"),
                ...selectOwn("probe"),
                ...selectOwn("scrapeConfig"),
                ...selectOwn("rule"),
                externalUrl: `https://${names.hosts.prometheus}`,
                replicas: m.prometheus.replicas,
                // Each replica is a whole Prometheus with its own TSDB claim (volumeClaimTemplate) on
                // its node's local-path disk; apart, one node's loss leaves the other running.
                podAntiAffinity: m.prometheus.podAntiAffinity,
                podAntiAffinityTopologyKey: "kubernetes.io/hostname",
                externalLabels: { [ENV_EXTERNAL_LABEL]: names.env },
                replicaExternalLabelName: REPLICA_EXTERNAL_LABEL,
                prometheusExternalLabelName: PROMETHEUS_EXTERNAL_LABEL,
                ...(m.prometheus.remoteWrite.length ? { remoteWrite: remoteWriteValues(names, m.prometheus.remoteWrite), remoteWriteDashboards: true } : {}),
                retention: m.prometheus.retention,
                retentionSize: m.prometheus.retentionSize,
                // TSDB on node-local disk: NFS is too slow and unsafe for it.
                storageSpec: volumeClaim(args.storageClasses.localPath, m.prometheus.storageSize),
                resources: m.prometheus.resources,
            },
        },
        alertmanager: {
            ingress: ingressValues(args, names.hosts.alertmanager, names.tlsSecrets.alertmanager, apiIngressAnnotations, "paths"),
            ...keepOneUp(m.alertmanager.replicas),
            alertmanagerSpec: {
                // The program owns this Secret. configSecret alone does not stop the chart from rendering
                // its own default config Secret; useExistingSecret does.
                useExistingSecret: true,
                configSecret: names.secrets.alertmanagerConfig,
                // Mounted at /etc/alertmanager/secrets/<name>/; the Slack receiver reads its webhook there.
                secrets: [names.secrets.alertmanagerSlack],
                alertmanagerConfigSelector: releaseSelector,
                alertmanagerConfigNamespaceSelector: envNamespaceSelector,
                externalUrl: `https://${names.hosts.alertmanager}`,
                // The operator peers the replicas through the governing Service `alertmanager-operated`
                // of this namespace only; no additionalPeers. The cluster label (the operator's own
                // default, set so it cannot drift) makes each member refuse gossip from the other env's.
                replicas: m.alertmanager.replicas,
                clusterLabel: names.alertmanagerClusterLabel,
                // NFS claims follow a pod to any node: replicas may share a node (a one-node lab) but prefer not to.
                podAntiAffinity: "soft",
                storage: volumeClaim(args.storageClasses.nfs, m.alertmanager.storageSize),
                resources: m.alertmanager.resources,
                securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000, fsGroupChangePolicy: "OnRootMismatch" },
            },
        },
        grafana: {
            admin: { existingSecret: names.secrets.grafanaAdmin, userKey: GRAFANA_ADMIN_USER_KEY, passwordKey: GRAFANA_ADMIN_PASSWORD_KEY },
            // Grafana has its own login; an ingress login in front of it would ask twice.
            ingress: ingressValues(args, names.hosts.grafana, names.tlsSecrets.grafana, ingressAnnotations(args.ingress), "path"),
            "grafana.ini": { server: { root_url: `https://${names.hosts.grafana}` } },
            persistence: {
                enabled: true,
                type: "pvc",
                storageClassName: args.storageClasses.nfs,
                size: m.grafana.storageSize,
                accessModes: ["ReadWriteOnce"],
                ...(args.retainVolumes ? { annotations: { "helm.sh/resource-policy": "keep" } } : {}),
            },
            // The NFS provisioner creates world-writable directories; a root chown would fail on
            // root_squash exports, so Grafana writes as its own user and group instead.
            initChownData: { enabled: false },
            securityContext: { runAsNonRoot: true, runAsUser: 472, runAsGroup: 472, fsGroup: 472, fsGroupChangePolicy: "OnRootMismatch" },
            // Namespaced RBAC: the sidecars can only read this env's ConfigMaps, never the other env's.
            rbac: { namespaced: true },
            resources: m.grafana.resources,
            sidecar: {
                resources: m.grafana.sidecarResources,
                // kube-prometheus-stack sets the dashboards sidecar to ALL namespaces; an env's Grafana
                // must only load dashboards and datasources from its own namespace.
                dashboards: { enabled: true, ...DASHBOARD_SIDECAR_LABEL, searchNamespace: [names.namespaces.monitoring] },
                datasources: {
                    searchNamespace: [names.namespaces.monitoring],
                    uid: names.datasourceUids.prometheus,
                    alertmanager: { uid: names.datasourceUids.alertmanager },
                },
            },
            additionalDataSources: [
                {
                    name: "Loki",
                    type: "loki",
                    uid: names.datasourceUids.loki,
                    url: names.endpoints.lokiQuery,
                    access: "proxy",
                    isDefault: false,
                    jsonData: { maxLines: 1000 },
                },
            ],
            testFramework: { enabled: false },
        },
    };
}

/** kube-prometheus-stack for one env, with the Alertmanager config and Slack webhook Secrets it reads. */
export class Monitoring extends pulumi.ComponentResource {
    readonly releaseName: string;
    readonly alertmanagerConfigSecret: string;
    /** Generated files shown in the offline plan (path under out/<stack>/ to content); never secret. */
    readonly artifacts: Record<string, string>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:monitoring:Monitoring", name, {}, opts);
        const { names } = args;
        const configYaml = yaml.dump(alertmanagerConfig(names, args.alerting), { lineWidth: -1 });
        const templates = slackTemplates(names);
        const secret = (suffix: string, secretName: string, data: Record<string, pulumi.Input<string>>) =>
            ownedSecret(
                `${name}-alertmanager-${suffix}`,
                { names, component: "alertmanager", name: secretName, namespace: args.namespace, data },
                { parent: this },
            );
        // Its own Secret, read by file: the config holds no secret and the webhook rotates alone.
        const slackSecret = secret("slack", names.secrets.alertmanagerSlack, { [SLACK_WEBHOOK_KEY]: args.slackWebhook });
        const configSecret = secret("config", names.secrets.alertmanagerConfig, { "alertmanager.yaml": configYaml, [SLACK_TEMPLATE_KEY]: templates });
        const remoteWrite = args.monitoring.prometheus.remoteWrite;
        // In the operator's watched namespace: it reads the credentials from the Prometheus object's own.
        const remoteWriteSecret = needsRemoteWriteSecret(remoteWrite)
            ? ownedSecret(
                  `${name}-prometheus-remote-write`,
                  {
                      names,
                      component: "prometheus",
                      name: names.secrets.prometheusRemoteWrite,
                      namespace: args.namespace,
                      data: remoteWriteSecretData(remoteWrite, args.remoteWriteCredentials),
                  },
                  { parent: this },
              )
            : undefined;
        // Before the release: its pre-install hook Job and the operator start with these permissions.
        const rbac = declareGrants(monitoringGrants(names, args.envNamespaces), platformLabels(names.env, "monitoring-rbac"), { parent: this });
        helmRelease(
            names.releases.monitoring,
            {
                source: args.chart,
                releaseName: names.releases.monitoring,
                namespace: args.namespace,
                values: kubePrometheusStackValues(args),
            },
            { parent: this, dependsOn: [configSecret, slackSecret, ...rbac, ...(remoteWriteSecret ? [remoteWriteSecret] : [])] },
        );
        this.releaseName = names.releases.monitoring;
        this.alertmanagerConfigSecret = names.secrets.alertmanagerConfig;
        this.artifacts = { "alertmanager/alertmanager.yaml": configYaml, [`alertmanager/${SLACK_TEMPLATE_KEY}`]: templates };
        this.registerOutputs({
            releaseName: this.releaseName,
            alertmanagerConfigSecret: this.alertmanagerConfigSecret,
            artifacts: this.artifacts,
            chartSource: args.chart,
        });
    }
}
