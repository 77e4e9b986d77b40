import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { PlatformConfig } from "../config/schema";
import { WorkloadSwitches } from "../config/workloads";
import { helmRelease } from "../helm";
import { authenticatedIngressAnnotations } from "../ingress";
import { platformLabels } from "../labels";
import { lokiRuleGroups } from "../monitoring/alertRules";
import { EnvNames } from "../naming";
import { ChartSource } from "../chartSources";

export interface LokiArgs {
    readonly names: EnvNames;
    /** Where the Loki chart comes from (pin or mirror). */
    readonly chart: ChartSource;
    readonly namespace: string;
    readonly loki: PlatformConfig["logging"]["loki"];
    readonly ingress: PlatformConfig["ingress"];
    /** The env's NFS class: Loki's chunks, index and compactor state live there. */
    readonly storageClassName: string;
    /** Keep the volume claim when the release or the stack goes away. */
    readonly retainVolumes: boolean;
    /** The ruler gets no log alerts of a switched-off workload. */
    readonly workloads: WorkloadSwitches;
}

/** UID and GID of the Loki image; pods writing to NFS run as the owner of what they write. */
export const LOKI_UID = 10001;

/** With auth disabled every request belongs to tenant `fake`; the local ruler reads <dir>/<tenant>/. */
export const LOKI_TENANT = "fake";
export const LOKI_RULES_DIR = "/etc/loki/rules";
export const LOKI_RULES_FILE = "platform-alerts.yaml";

export function lokiValues(args: LokiArgs): Record<string, unknown> {
    const { names, loki, storageClassName } = args;
    return {
        deploymentMode: "Monolithic",
        loki: {
            auth_enabled: false,
            commonConfig: { replication_factor: 1 },
            storage: { type: "filesystem" },
            schemaConfig: {
                configs: [
                    {
                        from: "2024-04-01",
                        store: "tsdb",
                        object_store: "filesystem",
                        schema: "v13",
                        index: { prefix: "loki_index_", period: "24h" },
                    },
                ],
            },
            // Retention is only enforced by the compactor, and only with a delete-request store.
            compactor: {
                working_directory: "/var/loki/compactor",
                compaction_interval: "10m",
                retention_enabled: true,
                retention_delete_delay: "2h",
                delete_request_store: "filesystem",
            },
            limits_config: { retention_period: loki.retention },
            // The single binary runs the ruler too; it reads the rules ConfigMap mounted below and
            // sends to this env's Alertmanager only.
            rulerConfig: {
                alertmanager_url: names.endpoints.alertmanager,
                storage: { type: "local", local: { directory: LOKI_RULES_DIR } },
                // Scratch copy of the rules: the root filesystem is read-only, /tmp is an emptyDir.
                rule_path: "/tmp/loki-rules-scratch",
                enable_api: true,
            },
            podSecurityContext: {
                runAsNonRoot: true,
                runAsUser: LOKI_UID,
                runAsGroup: LOKI_UID,
                fsGroup: LOKI_UID,
                fsGroupChangePolicy: "OnRootMismatch",
            },
        },
        // The chart only renders loki.rulerConfig when the ruler is enabled; in Monolithic mode this
        // creates no separate ruler workload.
        ruler: { enabled: true },
        singleBinary: {
            replicas: 1,
            resources: loki.resources,
            // ruler.directories is only mounted into the Distributed-mode ruler, so the program
            // mounts its own rules ConfigMap into the single binary.
            extraVolumes: [{ name: "platform-rules", configMap: { name: names.configMaps.lokiRules } }],
            extraVolumeMounts: [{ name: "platform-rules", mountPath: `${LOKI_RULES_DIR}/${LOKI_TENANT}`, readOnly: true }],
            persistence: {
                enabled: true,
                storageClass: storageClassName,
                size: loki.storageSize,
                accessModes: ["ReadWriteOnce"],
                enableStatefulSetAutoDeletePVC: true,
                whenDeleted: args.retainVolumes ? "Retain" : "Delete",
                whenScaled: "Retain",
            },
        },
        // Filesystem storage supports exactly one writer: no scalable targets, no caches.
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        // The canary is a second DaemonSet and the helm test needs it; neither belongs on a lab budget.
        lokiCanary: { enabled: false },
        test: { enabled: false },
        // The single binary serves every path itself, so the nginx gateway is dropped and the chart's
        // top-level Ingress routes straight to it.
        gateway: { enabled: false },
        sidecar: { rules: { enabled: false } },
        // Namespaced RBAC: the chart then creates no ClusterRole that both envs could collide on.
        rbac: { namespaced: true },
        ingress: {
            enabled: true,
            ingressClassName: args.ingress.className,
            // Loki has no login of its own (auth_enabled only picks a tenant): the ingress authenticates.
            annotations: authenticatedIngressAnnotations(args.ingress, names),
            hosts: [names.hosts.loki],
            tls: [{ hosts: [names.hosts.loki], secretName: names.tlsSecrets.loki }],
            // Read paths only (query and rules APIs): pushes come from the env's Promtail inside the
            // cluster, and deleting logs is not a public operation.
            paths: { distributor: [], compactor: [] },
        },
        monitoring: {
            serviceMonitor: { enabled: true, labels: { ...names.monitoringReleaseLabel } },
        },
    };
}

/** Loki for one env: a single binary with filesystem storage on the env's NFS class, and its log alert rules. */
export class Loki extends pulumi.ComponentResource {
    readonly releaseName: string;
    readonly artifacts: Record<string, string>;

    constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:logging:Loki", name, {}, opts);
        const rules = yaml.dump({ groups: lokiRuleGroups(args.names, args.workloads) }, { lineWidth: -1, noRefs: true });
        const rulesConfigMap = new k8s.core.v1.ConfigMap(
            `${name}-rules`,
            {
                metadata: { name: args.names.configMaps.lokiRules, namespace: args.namespace, labels: platformLabels(args.names.env, "loki") },
                data: { [LOKI_RULES_FILE]: rules },
            },
            { parent: this },
        );
        helmRelease(
            args.names.releases.loki,
            { source: args.chart, releaseName: args.names.releases.loki, namespace: args.namespace, values: lokiValues(args) },
            { parent: this, dependsOn: [rulesConfigMap] },
        );
        this.releaseName = args.names.releases.loki;
        this.artifacts = { [`rules/loki-${LOKI_TENANT}.yaml`]: rules };
        this.registerOutputs({ releaseName: this.releaseName, artifacts: this.artifacts, chartSource: args.chart });
    }
}
