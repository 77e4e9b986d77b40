import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { LOKI_CACHE_CPU, LOKI_REPLICATION_FACTOR, LokiConfig } from "../config/loki";
import { PlatformConfig } from "../config/schema";
import { WorkloadSwitches } from "../config/workloads";
import { helmRelease } from "../helm";
import { authenticatedIngressAnnotations } from "../ingress";
import { platformLabels } from "../labels";
import { ownedSecret } from "../secrets";
import { lokiRuleGroups } from "../monitoring/alertRules";
import { EnvNames } from "../naming";
import { ChartSource } from "../chartSources";

export interface LokiArgs {
    readonly names: EnvNames;
    /** Where the Loki chart comes from (pin or mirror). */
    readonly chart: ChartSource;
    readonly namespace: string;
    readonly loki: LokiConfig;
    readonly ingress: PlatformConfig["ingress"];
    /**
     * The env's classes: monolithic mode keeps chunks, index and compactor state on NFS; distributed
     * mode keeps each ingester's WAL on local-path and the compactor's working directory on NFS.
     */
    readonly storageClasses: { readonly nfs: string; readonly localPath: string };
    /** Keep the volume claims when the release or the stack goes away. */
    readonly retainVolumes: boolean;
    /** The ruler gets no log alerts of a switched-off workload. */
    readonly workloads: WorkloadSwitches;
    /** Distributed mode: the credentials of Loki's bucket (secret config). */
    readonly objectStoreCredentials?: { readonly accessKeyId: pulumi.Input<string>; readonly secretAccessKey: pulumi.Input<string> };
}

/** UID and GID of the Loki image; pods writing to NFS run as the owner of what they write. */
export const LOKI_UID = 10001;

/** With auth disabled every request belongs to tenant `fake`; the local ruler reads <dir>/<tenant>/. */
export const LOKI_TENANT = "fake";
export const LOKI_RULES_DIR = "/etc/loki/rules";
export const LOKI_RULES_FILE = "platform-alerts.yaml";

/**
 * Environment variables holding the bucket's credentials in every Loki pod. The chart always runs
 * Loki with `-config.expand-env=true`, so the rendered config names them and never holds the values.
 */
export const LOKI_S3_ENV = { accessKeyId: "LOKI_S3_ACCESS_KEY_ID", secretAccessKey: "LOKI_S3_SECRET_ACCESS_KEY" } as const;

const schemaConfig = (objectStore: "filesystem" | "s3") => ({
    configs: [{ from: "2024-04-01", store: "tsdb", object_store: objectStore, schema: "v13", index: { prefix: "loki_index_", period: "24h" } }],
});

/** Retention is only enforced by the compactor, and only with a delete-request store. */
const compactorConfig = (deleteRequestStore: "filesystem" | "s3") => ({
    working_directory: "/var/loki/compactor",
    compaction_interval: "10m",
    retention_enabled: true,
    retention_delete_delay: "2h",
    delete_request_store: deleteRequestStore,
});

/** The ruler reads the rules ConfigMap mounted below and sends to this env's Alertmanager only. */
const rulerConfig = (names: EnvNames) => ({
    alertmanager_url: names.endpoints.alertmanager,
    storage: { type: "local", local: { directory: LOKI_RULES_DIR } },
    // Scratch copy of the rules: the root filesystem is read-only, /tmp is an emptyDir.
    rule_path: "/tmp/loki-rules-scratch",
    enable_api: true,
});

const POD_SECURITY_CONTEXT = {
    runAsNonRoot: true,
    runAsUser: LOKI_UID,
    runAsGroup: LOKI_UID,
    fsGroup: LOKI_UID,
    fsGroupChangePolicy: "OnRootMismatch",
};

/** The program's rules ConfigMap, mounted where the local ruler storage looks for tenant `fake`. */
const rulesVolume = (names: EnvNames) => ({
    extraVolumes: [{ name: "platform-rules", configMap: { name: names.configMaps.lokiRules } }],
    extraVolumeMounts: [{ name: "platform-rules", mountPath: `${LOKI_RULES_DIR}/${LOKI_TENANT}`, readOnly: true }],
});

/** A StatefulSet's claims outlive it on a protected stack; scaling down never deletes one. */
const claimRetention = (retain: boolean) => ({ enableStatefulSetAutoDeletePVC: true, whenDeleted: retain ? "Retain" : "Delete", whenScaled: "Retain" });

/**
 * The chart's top-level Ingress in either mode: it routes each path group to the Service that
 * serves it (the single binary, or the query-frontend and the ruler in distributed mode).
 */
export function lokiIngress(args: Pick<LokiArgs, "names" | "ingress">): Record<string, unknown> {
    const { names } = args;
    return {
        enabled: true,
        ingressClassName: args.ingress.className,
        // Loki has no login of its own (auth_enabled only picks a tenant): the ingress authenticates.
        annotations: authenticatedIngressAnnotations(args.ingress, names),
        hosts: [names.hosts.loki],
        tls: [{ hosts: [names.hosts.loki], secretName: names.tlsSecrets.loki }],
        // Read paths only (query and rules APIs): pushes come from the env's log agent inside the
        // cluster, and deleting logs is not a public operation.
        paths: { distributor: [], compactor: [] },
    };
}

/** What both modes set alike. */
function sharedValues(args: LokiArgs) {
    return {
        // The canary is a second DaemonSet and the helm test needs it; neither belongs on a lab budget.
        lokiCanary: { enabled: false },
        test: { enabled: false },
        // The chart's top-level Ingress routes to the serving components directly, so the nginx
        // gateway would be one more hop and one more pod for nothing.
        gateway: { enabled: false },
        sidecar: { rules: { enabled: false } },
        // Namespaced RBAC: the chart then creates no ClusterRole that both envs could collide on.
        rbac: { namespaced: true },
        ingress: lokiIngress(args),
        monitoring: {
            serviceMonitor: { enabled: true, labels: { ...args.names.monitoringReleaseLabel } },
        },
    };
}

function monolithicValues(args: LokiArgs, loki: Extract<LokiConfig, { mode: "monolithic" }>): Record<string, unknown> {
    const { names } = args;
    return {
        deploymentMode: "Monolithic",
        loki: {
            auth_enabled: false,
            commonConfig: { replication_factor: 1 },
            storage: { type: "filesystem" },
            schemaConfig: schemaConfig("filesystem"),
            compactor: compactorConfig("filesystem"),
            limits_config: { retention_period: loki.retention },
            // The single binary runs the ruler too.
            rulerConfig: rulerConfig(names),
            podSecurityContext: POD_SECURITY_CONTEXT,
        },
        // The chart only renders loki.rulerConfig when the ruler is enabled; in Monolithic mode this
        // creates no separate ruler workload.
        ruler: { enabled: true },
        singleBinary: {
            replicas: 1,
            resources: loki.resources,
            // ruler.directories is only mounted into the Distributed-mode ruler, so the program
            // mounts its own rules ConfigMap into the single binary.
            ...rulesVolume(names),
            persistence: {
                enabled: true,
                storageClass: args.storageClasses.nfs,
                size: loki.storageSize,
                accessModes: ["ReadWriteOnce"],
                ...claimRetention(args.retainVolumes),
            },
        },
        // Filesystem storage supports exactly one writer: no scalable targets, no caches.
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        ...sharedValues(args),
    };
}

function distributedValues(args: LokiArgs, loki: Extract<LokiConfig, { mode: "distributed" }>): Record<string, unknown> {
    const { names } = args;
    const os = loki.objectStorage;
    const scaled = (c: { replicas: number; resources: unknown }) => ({ replicas: c.replicas, resources: c.resources });
    return {
        deploymentMode: "Distributed",
        loki: {
            auth_enabled: false,
            commonConfig: { replication_factor: LOKI_REPLICATION_FACTOR },
            storage: {
                type: "s3",
                bucketNames: { chunks: os.bucket },
                s3: {
                    ...(os.endpointUrl ? { endpoint: os.endpointUrl } : {}),
                    region: os.region,
                    s3ForcePathStyle: os.s3ForcePathStyle,
                    accessKeyId: `\${${LOKI_S3_ENV.accessKeyId}}`,
                    secretAccessKey: `\${${LOKI_S3_ENV.secretAccessKey}}`,
                },
            },
            // Every key Loki writes (chunks, index, delete requests) sits under the env's prefix.
            storage_config: { object_prefix: os.prefix },
            schemaConfig: schemaConfig("s3"),
            compactor: compactorConfig("s3"),
            limits_config: { retention_period: loki.retention },
            rulerConfig: rulerConfig(names),
            // Merged into the chart's memberlist block, which keeps joining the env's own
            // `<fullname>-memberlist` Service (loki.memberlistConfig would replace that join list).
            extraMemberlistConfig: { cluster_label: names.loki.ringClusterLabel, cluster_label_verification_disabled: false },
            podSecurityContext: POD_SECURITY_CONTEXT,
        },
        // Every Loki component reads the bucket's credentials from the env's Secret.
        defaults: { extraEnvFrom: [{ secretRef: { name: names.secrets.lokiObjectStore } }] },
        ingester: {
            ...scaled(loki.ingester),
            // One StatefulSet: zone-aware replication needs three, and the rollout-operator with its webhooks.
            zoneAwareReplication: { enabled: false },
            // The WAL is fsynced on every write: node-local disk, never NFS.
            persistence: {
                enabled: true,
                claims: [{ name: "data", accessModes: ["ReadWriteOnce"], size: loki.ingester.walStorageSize, storageClass: args.storageClasses.localPath }],
                ...claimRetention(args.retainVolumes),
            },
        },
        distributor: scaled(loki.distributor),
        querier: scaled(loki.querier),
        queryFrontend: scaled(loki.queryFrontend),
        queryScheduler: scaled(loki.queryScheduler),
        indexGateway: scaled(loki.indexGateway),
        compactor: {
            replicas: 1,
            resources: loki.compactor.resources,
            // Retention marks must survive a restart on another node: a small claim on NFS. An empty
            // claims list makes the chart build the claim from the keys below.
            persistence: {
                enabled: true,
                storageClass: args.storageClasses.nfs,
                size: loki.compactor.storageSize,
                accessModes: ["ReadWriteOnce"],
                claims: [],
                ...claimRetention(args.retainVolumes),
            },
        },
        ruler: { enabled: true, replicas: 1, resources: loki.ruler.resources, ...rulesVolume(names) },
        singleBinary: { replicas: 0 },
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        chunksCache: { enabled: true, allocatedMemory: loki.caches.chunksMemoryMiB, allocatedCPU: LOKI_CACHE_CPU },
        resultsCache: { enabled: true, allocatedMemory: loki.caches.resultsMemoryMiB, allocatedCPU: LOKI_CACHE_CPU },
        ...sharedValues(args),
    };
}

export function lokiValues(args: LokiArgs): Record<string, unknown> {
    return args.loki.mode === "distributed" ? distributedValues(args, args.loki) : monolithicValues(args, args.loki);
}

/**
 * Loki for one env with its log alert rules: a single binary with filesystem storage on the env's NFS
 * class, or (distributed mode) the chart's microservices on the env's bucket with the credentials'
 * Secret they read.
 */
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
        const credentials = args.loki.mode === "distributed" ? objectStoreSecret(name, args, this) : undefined;
        helmRelease(
            args.names.releases.loki,
            { source: args.chart, releaseName: args.names.releases.loki, namespace: args.namespace, values: lokiValues(args) },
            { parent: this, dependsOn: [rulesConfigMap, ...(credentials ? [credentials] : [])] },
        );
        this.releaseName = args.names.releases.loki;
        this.artifacts = { [`rules/loki-${LOKI_TENANT}.yaml`]: rules };
        this.registerOutputs({ releaseName: this.releaseName, artifacts: this.artifacts, chartSource: args.chart });
    }
}

/** The bucket's credentials as the environment variables the rendered Loki config names. */
function objectStoreSecret(name: string, args: LokiArgs, parent: pulumi.Resource): k8s.core.v1.Secret {
    const creds = args.objectStoreCredentials;
    if (!creds) throw new Error(`Loki ${args.names.releases.loki} runs in distributed mode but was given no object storage credentials`);
    return ownedSecret(
        `${name}-object-store`,
        {
            names: args.names,
            component: "loki",
            name: args.names.secrets.lokiObjectStore,
            namespace: args.namespace,
            data: { [LOKI_S3_ENV.accessKeyId]: creds.accessKeyId, [LOKI_S3_ENV.secretAccessKey]: creds.secretAccessKey },
        },
        { parent },
    );
}
