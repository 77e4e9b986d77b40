import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/schema";
import { FastapiConfig, WorkloadSwitches } from "../config/workloads";
import { IngressPath, tlsIngress } from "../ingress";
import { serviceMonitor } from "../monitoring/serviceMonitor";
import { EnvNames } from "../naming";
import { k8sResources } from "../sizing";
import { httpService, workloadIdentity } from "./common";
import { TMP_MOUNT, TMP_VOLUME, containerSecurityContext, podSecurityContext } from "./podSecurity";

/**
 * The HTTP contract between the platform and the serving image (docs/config.md "FastAPI HTTP contract").
 * Probes, the ServiceMonitor and the Ingress are built from these paths, so a change here is a
 * change of the contract.
 */
export const FASTAPI_CONTRACT = {
    containerPort: 8000,
    predict: "/predict",
    variantPredict: "/variant/{alias}/predict",
    variantReload: "/variant/{alias}/reload",
    models: "/models",
    metrics: "/metrics",
    /** 200 while the process serves requests: liveness. */
    health: "/health",
    /** 503 until at least one model alias is loaded: readiness. */
    ready: "/ready",
    logDir: "/app/logs",
} as const;

/** What the public Ingress routes; everything else (notably /metrics) is not published. */
export const FASTAPI_PUBLIC_PATHS: readonly IngressPath[] = [
    { path: FASTAPI_CONTRACT.predict, pathType: "Exact" },
    { path: "/variant", pathType: "Prefix" },
    { path: FASTAPI_CONTRACT.models, pathType: "Exact" },
];

export interface FastapiServingArgs {
    readonly names: EnvNames;
    readonly namespace: string;
    readonly fastapi: FastapiConfig;
    /** Which of the env's workloads exist: the serving pods only point at the env's MLflow if it does. */
    readonly workloads: WorkloadSwitches;
    readonly ingress: PlatformConfig["ingress"];
    /** The env's NFS class, for the application log volume. */
    readonly logStorageClassName: string;
    /** Name of the Secret with the Slack webhook and the model-reload token (in this namespace). */
    readonly appSecretName: string;
    /** Keep the log claim when the stack goes away (prod). */
    readonly retainVolumes: boolean;
}

/**
 * The env config the serving image reads (pydantic settings, case-insensitive). Without the env's
 * MLflow (switched off) there is no tracking URI to give: the image then has no registry to load from.
 */
export function fastapiEnv(names: EnvNames, fastapi: FastapiConfig, on: WorkloadSwitches) {
    return [
        { name: "APP_ENV", value: names.env },
        ...(on.mlflow ? [{ name: "MLFLOW_TRACKING_URI", value: names.endpoints.mlflow }] : []),
        { name: "MODEL_NAME", value: fastapi.modelName },
        { name: "ALIAS_SELECTION_MODE", value: fastapi.aliasSelectionMode },
        { name: "DEFAULT_ALIAS", value: fastapi.defaultAlias },
        { name: "CANARY_PERCENT", value: String(fastapi.canaryPercent) },
        { name: "LOG_LEVEL", value: fastapi.logLevel },
        { name: "LOG_DIR", value: FASTAPI_CONTRACT.logDir },
        // Python and MLflow write caches under $HOME; with a read-only root filesystem that is /tmp.
        { name: "HOME", value: "/tmp" },
    ];
}

/** FastAPI model serving of one env: Deployment, Service, one ServiceMonitor, Ingress, log volume. */
export class FastapiServing extends pulumi.ComponentResource {
    readonly serviceName: string;

    constructor(name: string, args: FastapiServingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:workloads:FastapiServing", name, {}, opts);
        const { names, fastapi } = args;
        const wl = names.workloads.fastapi;
        const { selector, labels, meta } = workloadIdentity(names.env, "fastapi", wl.name, args.namespace);

        const logs = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-logs`,
            {
                metadata: meta(names.volumeClaims.fastapiLogs),
                spec: {
                    storageClassName: args.logStorageClassName,
                    // Every replica appends to the same NFS directory.
                    accessModes: ["ReadWriteMany"],
                    resources: { requests: { storage: fastapi.logStorageSize } },
                },
            },
            { parent: this, retainOnDelete: args.retainVolumes },
        );

        const minReplicas = fastapi.autoscaling?.minReplicas ?? fastapi.replicas ?? 1;
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta(wl.name),
                spec: {
                    // The autoscaler owns the replica count when there is one; Pulumi would reset it.
                    ...(fastapi.autoscaling ? {} : { replicas: fastapi.replicas }),
                    selector: { matchLabels: selector },
                    // A new pod must be Ready (a model loaded) before an old one goes.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels },
                        spec: {
                            securityContext: podSecurityContext(fastapi.runAsUser, fastapi.runAsGroup),
                            ...(minReplicas > 1
                                ? {
                                      topologySpreadConstraints: [
                                          {
                                              maxSkew: 1,
                                              topologyKey: "kubernetes.io/hostname",
                                              whenUnsatisfiable: "ScheduleAnyway",
                                              labelSelector: { matchLabels: selector },
                                          },
                                      ],
                                  }
                                : {}),
                            containers: [
                                {
                                    name: "fastapi",
                                    image: fastapi.image,
                                    ports: [{ name: "http", containerPort: FASTAPI_CONTRACT.containerPort, protocol: "TCP" }],
                                    env: fastapiEnv(names, fastapi, args.workloads),
                                    envFrom: [{ secretRef: { name: args.appSecretName } }],
                                    // Model download on start may take minutes; liveness only counts after it.
                                    startupProbe: { httpGet: { path: FASTAPI_CONTRACT.health, port: "http" }, periodSeconds: 5, failureThreshold: 60 },
                                    livenessProbe: {
                                        httpGet: { path: FASTAPI_CONTRACT.health, port: "http" },
                                        periodSeconds: 10,
                                        timeoutSeconds: 2,
                                        failureThreshold: 3,
                                    },
                                    readinessProbe: {
                                        httpGet: { path: FASTAPI_CONTRACT.ready, port: "http" },
                                        periodSeconds: 5,
                                        timeoutSeconds: 2,
                                        failureThreshold: 3,
                                    },
                                    resources: k8sResources(fastapi.resources),
                                    securityContext: containerSecurityContext(fastapi.readOnlyRootFilesystem),
                                    volumeMounts: [{ name: "logs", mountPath: FASTAPI_CONTRACT.logDir }, TMP_MOUNT],
                                },
                            ],
                            volumes: [{ name: "logs", persistentVolumeClaim: { claimName: names.volumeClaims.fastapiLogs } }, TMP_VOLUME],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [logs] },
        );

        const service = httpService(`${name}-service`, { name: wl.service, namespace: args.namespace, labels, selector, port: wl.port }, { parent: this });

        // The only monitor of these pods: Prometheus names the job after the Service (`fastapi-<env>`),
        // which the alert rules and dashboards match on.
        serviceMonitor(
            `${name}-servicemonitor`,
            {
                names,
                name: wl.name,
                namespace: args.namespace,
                labels,
                selector,
                endpoints: [{ port: "http", path: FASTAPI_CONTRACT.metrics, interval: "15s", scrapeTimeout: "10s", scheme: "http" }],
            },
            { parent: this, dependsOn: [service] },
        );

        tlsIngress(
            `${name}-ingress`,
            {
                ingress: args.ingress,
                name: wl.name,
                namespace: args.namespace,
                labels,
                host: names.hosts.fastapi,
                tlsSecret: names.tlsSecrets.fastapi,
                service: { name: wl.service, portName: "http" },
                paths: FASTAPI_PUBLIC_PATHS,
            },
            { parent: this, dependsOn: [service] },
        );

        if (minReplicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                // One pod at a time, however far the autoscaler has scaled out.
                { metadata: meta(wl.name), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
                { parent: this },
            );
        }
        if (fastapi.autoscaling) {
            const as = fastapi.autoscaling;
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                {
                    metadata: meta(wl.name),
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: wl.name },
                        minReplicas: as.minReplicas,
                        maxReplicas: as.maxReplicas,
                        metrics: [
                            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: as.targetCpuUtilization } } },
                        ],
                    },
                },
                { parent: this, dependsOn: [deployment] },
            );
        }

        this.serviceName = wl.service;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
