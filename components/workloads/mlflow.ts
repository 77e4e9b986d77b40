import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/schema";
import { MlflowConfig, S3Location, WorkloadsConfig } from "../config/workloads";
import { tlsIngress } from "../ingress";
import { EnvNames } from "../naming";
import { k8sResources } from "../sizing";
import { ownedSecret } from "../secrets";
import { httpService, workloadIdentity } from "./common";
import { postgresUri } from "./postgres";
import { TMP_MOUNT, TMP_VOLUME, containerSecurityContext, podSecurityContext } from "./podSecurity";

export const MLFLOW_BACKEND_STORE_KEY = "uri";

export interface MlflowTrackingArgs {
    readonly names: EnvNames;
    readonly namespace: string;
    readonly mlflow: MlflowConfig;
    readonly objectStore: WorkloadsConfig["objectStore"];
    readonly ingress: PlatformConfig["ingress"];
    readonly databasePassword: pulumi.Input<string>;
    readonly s3AccessKeyId: pulumi.Input<string>;
    readonly s3SecretAccessKey: pulumi.Input<string>;
}

export const s3Uri = (loc: S3Location) => `s3://${loc.bucket}/${loc.prefix}`;

/** AWS SDK settings every S3 client of the env uses (credentials come from a Secret). */
export function objectStoreEnv(objectStore: WorkloadsConfig["objectStore"]) {
    return [
        { name: "AWS_DEFAULT_REGION", value: objectStore.region },
        ...(objectStore.endpointUrl ? [{ name: "MLFLOW_S3_ENDPOINT_URL", value: objectStore.endpointUrl }] : []),
    ];
}

/**
 * MLflow tracking server of one env, declared as a Deployment rather than community-charts'
 * chart: that chart pulls Bitnami database subcharts whose free images were withdrawn, and the
 * server needs nothing a chart adds. Metadata lives in an external PostgreSQL database; artifacts
 * go to the env's S3 prefix through the server (`--serve-artifacts`), so clients (FastAPI, Airflow)
 * need no object-store credentials to log or load models.
 */
export class MlflowTracking extends pulumi.ComponentResource {
    readonly serviceName: string;

    constructor(name: string, args: MlflowTrackingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:workloads:MlflowTracking", name, {}, opts);
        const { names, mlflow } = args;
        const wl = names.workloads.mlflow;
        const { selector, labels, meta } = workloadIdentity(names.env, "mlflow", wl.name, args.namespace);

        const secret = (key: string, secretName: string, data: Record<string, pulumi.Input<string>>) =>
            ownedSecret(`${name}-${key}`, { names, component: "mlflow", name: secretName, namespace: args.namespace, data }, { parent: this });
        const backend = secret("backend-store", names.secrets.mlflowBackendStore, {
            [MLFLOW_BACKEND_STORE_KEY]: postgresUri(mlflow.database, args.databasePassword),
        });
        const objectStore = secret("object-store", names.secrets.mlflowObjectStore, {
            AWS_ACCESS_KEY_ID: args.s3AccessKeyId,
            AWS_SECRET_ACCESS_KEY: args.s3SecretAccessKey,
        });

        new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta(wl.name),
                spec: {
                    replicas: mlflow.replicas,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels },
                        spec: {
                            securityContext: podSecurityContext(mlflow.runAsUser, mlflow.runAsUser),
                            containers: [
                                {
                                    name: "mlflow",
                                    image: mlflow.image,
                                    command: ["mlflow", "server"],
                                    // The backend URI (with its password) is read from the environment,
                                    // so it never appears in the pod spec or the process arguments.
                                    args: ["--host=0.0.0.0", `--port=${wl.port}`, "--serve-artifacts", `--artifacts-destination=${s3Uri(mlflow.artifacts)}`],
                                    env: [
                                        {
                                            name: "MLFLOW_BACKEND_STORE_URI",
                                            valueFrom: { secretKeyRef: { name: names.secrets.mlflowBackendStore, key: MLFLOW_BACKEND_STORE_KEY } },
                                        },
                                        ...objectStoreEnv(args.objectStore),
                                        // MLflow 3.5+ answers 403 to a Host header it does not know (DNS-rebinding
                                        // guard; its defaults only cover localhost and private IPs) and blocks
                                        // the UI's cross-origin writes unless the public origin is listed.
                                        { name: "MLFLOW_SERVER_ALLOWED_HOSTS", value: mlflowAllowedHosts(names).join(",") },
                                        { name: "MLFLOW_SERVER_CORS_ALLOWED_ORIGINS", value: `https://${names.hosts.mlflow}` },
                                        { name: "HOME", value: "/tmp" },
                                    ],
                                    envFrom: [{ secretRef: { name: names.secrets.mlflowObjectStore } }],
                                    ports: [{ name: "http", containerPort: wl.port, protocol: "TCP" }],
                                    livenessProbe: {
                                        httpGet: { path: "/health", port: "http" },
                                        initialDelaySeconds: 10,
                                        periodSeconds: 10,
                                        failureThreshold: 3,
                                    },
                                    readinessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 5, failureThreshold: 3 },
                                    resources: k8sResources(mlflow.resources),
                                    securityContext: containerSecurityContext(true),
                                    volumeMounts: [TMP_MOUNT],
                                },
                            ],
                            volumes: [TMP_VOLUME],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [backend, objectStore] },
        );

        const service = httpService(`${name}-service`, { name: wl.service, namespace: args.namespace, labels, selector, port: wl.port }, { parent: this });

        tlsIngress(
            `${name}-ingress`,
            {
                ingress: args.ingress,
                name: wl.name,
                namespace: args.namespace,
                labels,
                host: names.hosts.mlflow,
                tlsSecret: names.tlsSecrets.mlflow,
                service: { name: wl.service, portName: "http" },
                paths: [{ path: "/", pathType: "Prefix" }],
                // Model artifacts are uploaded through the server; nginx's 1 MiB default rejects them.
                extraAnnotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "1g" },
            },
            { parent: this, dependsOn: [service] },
        );

        this.serviceName = wl.service;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}

/**
 * Host headers MLflow accepts: its Service names (in-cluster clients), the public host, and
 * localhost for `kubectl port-forward`. Patterns match the whole header, port included.
 */
export function mlflowAllowedHosts(names: EnvNames): string[] {
    const wl = names.workloads.mlflow;
    const fqdn = `${wl.service}.${names.namespaces.mlflow}.svc.cluster.local`;
    return [wl.service, `${wl.service}:*`, fqdn, `${fqdn}:*`, names.hosts.mlflow, `${names.hosts.mlflow}:*`, "localhost:*"];
}
