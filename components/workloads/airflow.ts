import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PlatformConfig } from "../config/schema";
import { AirflowConfig, WorkloadSwitches, WorkloadsConfig } from "../config/workloads";
import { helmRelease } from "../helm";
import { ingressAnnotations } from "../ingress";
import { EnvNames } from "../naming";
import { ChartSource } from "../chartSources";
import { airflowDefault } from "../versions";
import { APP_SECRET_KEYS } from "./appSecrets";
import { ownedSecret } from "../secrets";
import { s3Uri } from "./mlflow";
import { postgresUri } from "./postgres";

/** Key names the chart expects inside the Secrets it is pointed at. */
export const AIRFLOW_SECRET_KEYS = {
    metadata: "connection",
    fernetKey: "fernet-key",
    apiSecretKey: "api-secret-key",
    jwtSecret: "jwt-secret",
    gitSshKey: "gitSshKey",
    connection: "connection",
} as const;

/** Airflow connection id of the env's object store (remote task logs). */
export const OBJECT_STORE_CONN_ID = "mlops_object_store";

export interface AirflowArgs {
    readonly names: EnvNames;
    /** Where the Airflow chart comes from (pin or mirror). */
    readonly chart: ChartSource;
    readonly namespace: string;
    readonly airflow: AirflowConfig;
    /** Which of the env's workloads exist: Airflow's containers only point at the env's MLflow and FastAPI if they do. */
    readonly workloads: WorkloadSwitches;
    readonly objectStore: WorkloadsConfig["objectStore"];
    readonly ingress: PlatformConfig["ingress"];
    readonly appSecretName: string;
    readonly databasePassword: pulumi.Input<string>;
    readonly s3AccessKeyId: pulumi.Input<string>;
    readonly s3SecretAccessKey: pulumi.Input<string>;
    readonly gitSshKey?: pulumi.Input<string>;
}

/** The exact values the official Airflow chart receives for one env (no secret in them). */
export function airflowValues(
    args: Omit<AirflowArgs, "namespace" | "chart" | "databasePassword" | "s3AccessKeyId" | "s3SecretAccessKey">,
): Record<string, unknown> {
    const { names, airflow: af } = args;
    const s = names.secrets;
    const fromSecret = (envName: string, secretName: string, secretKey: string) => ({ envName, secretName, secretKey });
    const ssh = args.gitSshKey !== undefined;
    const image = af.image && { repository: af.image.repository, tag: af.image.tag, pullPolicy: "IfNotPresent" };
    return {
        executor: "KubernetesExecutor",
        // The chart picks commands, config and templates by `airflowVersion`, and its defaults move
        // with the chart: every key that names a version or image is set here. The default image
        // (migrations if told to use it, and whatever names no image of its own) is the official
        // image of the same version; a custom image is built FROM it.
        airflowVersion: af.airflowVersion,
        defaultAirflowRepository: airflowDefault.repository,
        defaultAirflowTag: af.airflowVersion,
        // Task pods run `images.airflow` (the chart's kubernetes_executor.worker_container_*); the
        // pod template names the same image so it never shows the default one.
        ...(image ? { images: { airflow: image, pod_template: image } } : {}),
        // External PostgreSQL; no Bitnami database, no Redis (KubernetesExecutor has no broker), no
        // StatsD exporter (scheduler health is alerted on from kube-state-metrics).
        postgresql: { enabled: false },
        redis: { enabled: false },
        statsd: { enabled: false },
        data: { metadataSecretName: s.airflowMetadata },
        // The chart would generate these itself, but its API and JWT secrets are re-generated on
        // every upgrade (logging every user out) and its fernet key only exists via a hook: the
        // program's @pulumi/random values stay stable for the life of the stack.
        fernetKeySecretName: s.airflowFernetKey,
        apiSecretKeySecretName: s.airflowApiSecretKey,
        jwtSecretName: s.airflowJwtSecret,
        dags: {
            gitSync: {
                enabled: true,
                repo: af.dags.repository,
                // git-sync v4 reads `ref`; `branch` feeds the v3 variables of older images.
                ref: af.dags.branch,
                branch: af.dags.branch,
                rev: "HEAD",
                subPath: af.dags.subPath,
                depth: 1,
                period: "60s",
                ...(ssh ? { sshKeySecret: s.airflowGitSshKey } : {}),
                ...(af.dags.knownHosts ? { knownHosts: af.dags.knownHosts } : {}),
            },
        },
        config: {
            core: { load_examples: "False", dags_are_paused_at_creation: "True" },
            api: { base_url: `https://${names.hosts.airflow}` },
            logging: {
                remote_logging: "True",
                remote_base_log_folder: s3Uri(af.logs),
                remote_log_conn_id: OBJECT_STORE_CONN_ID,
            },
        },
        // Every Airflow container (scheduler, API server, DAG processor, task pods) gets the same
        // env's MLflow and FastAPI (those that are switched on), and the env's own secrets.
        env: [
            ...(args.workloads.mlflow ? [{ name: "MLFLOW_TRACKING_URI", value: names.endpoints.mlflow }] : []),
            ...(args.workloads.fastapi ? [{ name: "FASTAPI_RELOAD_URL", value: names.endpoints.fastapi }] : []),
            { name: "MLOPS_ENV", value: names.env },
        ],
        secret: [
            fromSecret(`AIRFLOW_CONN_${OBJECT_STORE_CONN_ID.toUpperCase()}`, s.airflowObjectStoreConnection, AIRFLOW_SECRET_KEYS.connection),
            fromSecret(APP_SECRET_KEYS.slackWebhookUrl, args.appSecretName, APP_SECRET_KEYS.slackWebhookUrl),
            fromSecret(APP_SECRET_KEYS.reloadToken, args.appSecretName, APP_SECRET_KEYS.reloadToken),
        ],
        ingress: {
            apiServer: {
                enabled: true,
                ingressClassName: args.ingress.className,
                annotations: ingressAnnotations(args.ingress),
                path: "/",
                pathType: "Prefix",
                hosts: [{ name: names.hosts.airflow, tls: { enabled: true, secretName: names.tlsSecrets.airflow } }],
            },
        },
        // Helm hooks: the chart's database migration Job is a post-install/post-upgrade hook by
        // default, and Helm runs post-install hooks only after the release's pods are ready, while
        // the scheduler and API server wait for the migration in an init container: with an atomic,
        // waiting release the first install would time out and roll back. The Job is therefore an
        // ordinary release object (the values that avoid the hook), without the custom env, so its
        // spec does not change with every env value. The default-user Job is off: its password would
        // be a plaintext chart value (admin/admin by default); the first admin is created as
        // docs/config.md "Workloads" describes.
        migrateDatabaseJob: { enabled: true, useHelmHooks: false, applyCustomEnv: false },
        createUserJob: { enabled: false },
        // Task logs go to S3; the triggerer's default 100Gi claim on the default class is not needed.
        triggerer: { persistence: { enabled: false }, resources: af.resources.triggerer },
        scheduler: { resources: af.resources.scheduler },
        apiServer: { resources: af.resources.apiServer },
        dagProcessor: { resources: af.resources.dagProcessor },
        workers: { kubernetes: { resources: af.resources.workers } },
        logs: { persistence: { enabled: false } },
    };
}

/** The AWS connection remote logging uses, as the JSON form of an `AIRFLOW_CONN_*` variable. */
function objectStoreConnection(objectStore: WorkloadsConfig["objectStore"], accessKeyId: pulumi.Input<string>, secretAccessKey: pulumi.Input<string>) {
    return pulumi.secret(
        pulumi.all([accessKeyId, secretAccessKey]).apply(([login, password]) =>
            JSON.stringify({
                conn_type: "aws",
                login,
                password,
                extra: { region_name: objectStore.region, ...(objectStore.endpointUrl ? { endpoint_url: objectStore.endpointUrl } : {}) },
            }),
        ),
    );
}

/**
 * Airflow of one env from the official chart: KubernetesExecutor, DAGs by git-sync, an external
 * PostgreSQL metadata database and remote task logs in the env's S3 prefix. Every secret the
 * chart reads is created here in the Airflow namespace; the chart values hold none.
 */
export class Airflow extends pulumi.ComponentResource {
    readonly releaseName: string;

    constructor(name: string, args: AirflowArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:workloads:Airflow", name, {}, opts);
        const { names } = args;
        const s = names.secrets;
        const secret = (key: string, secretName: string, data: Record<string, pulumi.Input<string>>) =>
            ownedSecret(`${name}-${key}`, { names, component: "airflow", name: secretName, namespace: args.namespace, data }, { parent: this });

        // Fernet keys are 32 random bytes in URL-safe base64.
        const fernet = new random.RandomBytes(`${name}-fernet-key`, { length: 32 }, { parent: this });
        const apiSecretKey = new random.RandomPassword(`${name}-api-secret-key`, { length: 32, special: false }, { parent: this });
        const jwtSecret = new random.RandomPassword(`${name}-jwt-secret`, { length: 64, special: false }, { parent: this });

        const secrets = [
            secret("metadata", s.airflowMetadata, { [AIRFLOW_SECRET_KEYS.metadata]: postgresUri(args.airflow.database, args.databasePassword) }),
            secret("fernet-key", s.airflowFernetKey, {
                [AIRFLOW_SECRET_KEYS.fernetKey]: fernet.base64.apply((b) => b.replace(/\+/g, "-").replace(/\//g, "_")),
            }),
            secret("api-secret-key", s.airflowApiSecretKey, { [AIRFLOW_SECRET_KEYS.apiSecretKey]: apiSecretKey.result }),
            secret("jwt-secret", s.airflowJwtSecret, { [AIRFLOW_SECRET_KEYS.jwtSecret]: jwtSecret.result }),
            secret("object-store-connection", s.airflowObjectStoreConnection, {
                [AIRFLOW_SECRET_KEYS.connection]: objectStoreConnection(args.objectStore, args.s3AccessKeyId, args.s3SecretAccessKey),
            }),
            ...(args.gitSshKey !== undefined ? [secret("git-ssh-key", s.airflowGitSshKey, { [AIRFLOW_SECRET_KEYS.gitSshKey]: args.gitSshKey })] : []),
        ];

        helmRelease(
            `${name}-release`,
            { source: args.chart, releaseName: names.releases.airflow, namespace: args.namespace, values: airflowValues(args) },
            { parent: this, dependsOn: secrets },
        );
        this.releaseName = names.releases.airflow;
        this.registerOutputs({ releaseName: this.releaseName, chartSource: args.chart });
    }
}
