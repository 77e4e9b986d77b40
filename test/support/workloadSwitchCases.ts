/**
 * The cases of test/workloadSwitches.test.ts (each workload switched off alone, and all three) with
 * what each must plan: shared with the integration half that runs the validators on their rule files.
 */
import { WorkloadName } from "../../components/config/workloads";
import {
    CONFIG_MAP,
    DEPLOYMENT,
    HELM_RELEASE,
    HPA,
    INGRESS,
    NAMESPACE,
    NETWORK_POLICY,
    PDB,
    PVC,
    RANDOM_BYTES,
    RANDOM_PASSWORD,
    ROLE,
    ROLE_BINDING,
    SECRET,
    SERVICE,
    SERVICE_MONITOR,
} from "../../components/resourceTypes";
import { MINIMAL_CONFIG, withWorkloadsOff } from "./harness";

export const BASE = {
    ...MINIMAL_CONFIG,
    network: { defaultDenyWorkloads: true },
    workloads: {
        ...MINIMAL_CONFIG.workloads,
        fastapi: { ...MINIMAL_CONFIG.workloads.fastapi, autoscaling: { minReplicas: 2, maxReplicas: 4 } },
    },
};

export const switchedOff = (off: readonly WorkloadName[], without: readonly string[]) => withWorkloadsOff(BASE, off, without);

const DEFAULT_DENY = ["default-deny", "allow-dns", "allow-same-namespace", "allow-ingress-controller", "allow-prometheus", "allow-external-egress"];
const policies = (namespace: string, names: string[]) => names.map((n) => `${NETWORK_POLICY} ${namespace}-${n}`);
/** The Roles the env's controllers get in each namespace it creates (test/rbac.test.ts has their rules). */
const controllerRoles = (namespace: string) => [
    `${ROLE} ${namespace}/monitoring-dev-operator`,
    `${ROLE_BINDING} ${namespace}/monitoring-dev-operator-binding`,
    `${ROLE} ${namespace}/nfs-dev-provisioner`,
    `${ROLE_BINDING} ${namespace}/nfs-dev-provisioner-binding`,
    `${ROLE} local-path-dev-role-${namespace}`,
    `${ROLE_BINDING} local-path-dev-rolebinding-${namespace}`,
];

/** Every resource (type and Pulumi name) that exists for one workload alone in the dev env. */
export const OWN: Record<WorkloadName, string[]> = {
    fastapi: [
        `${NAMESPACE} fastapi-dev`,
        ...controllerRoles("fastapi-dev"),
        "mlops:workloads:FastapiServing fastapi-dev",
        `${DEPLOYMENT} fastapi-dev-deployment`,
        `${SERVICE} fastapi-dev-service`,
        `${SERVICE_MONITOR} fastapi-dev-servicemonitor`,
        `${INGRESS} fastapi-dev-ingress`,
        `${PVC} fastapi-dev-logs`,
        `${HPA} fastapi-dev-hpa`,
        `${PDB} fastapi-dev-pdb`,
        `${SECRET} app-secrets-dev-fastapi`,
        `${CONFIG_MAP} dashboards-dev-fastapi-overview-dev`,
        `${CONFIG_MAP} dashboards-dev-fastapi-models-dev`,
        ...policies("fastapi-dev", [...DEFAULT_DENY, "allow-env-callers", "allow-env-calls"]),
    ],
    mlflow: [
        `${NAMESPACE} mlflow-dev`,
        ...controllerRoles("mlflow-dev"),
        "mlops:workloads:MlflowTracking mlflow-dev",
        `${DEPLOYMENT} mlflow-dev-deployment`,
        `${SERVICE} mlflow-dev-service`,
        `${INGRESS} mlflow-dev-ingress`,
        `${SECRET} mlflow-dev-backend-store`,
        `${SECRET} mlflow-dev-object-store`,
        ...policies("mlflow-dev", [...DEFAULT_DENY, "allow-env-callers"]),
    ],
    airflow: [
        `${NAMESPACE} airflow-dev`,
        ...controllerRoles("airflow-dev"),
        "mlops:workloads:Airflow airflow-dev",
        `${HELM_RELEASE} airflow-dev-release`,
        `${SECRET} airflow-dev-metadata`,
        `${SECRET} airflow-dev-fernet-key`,
        `${SECRET} airflow-dev-api-secret-key`,
        `${SECRET} airflow-dev-jwt-secret`,
        `${SECRET} airflow-dev-object-store-connection`,
        `${RANDOM_BYTES} airflow-dev-fernet-key`,
        `${RANDOM_PASSWORD} airflow-dev-api-secret-key`,
        `${RANDOM_PASSWORD} airflow-dev-jwt-secret`,
        `${SECRET} app-secrets-dev-airflow`,
        `${CONFIG_MAP} dashboards-dev-data-pipeline-dev`,
        ...policies("airflow-dev", [...DEFAULT_DENY, "allow-env-calls"]),
    ],
};

const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
const tcp = (port: number) => [{ protocol: "TCP", port }];
const callers =
    (...from: string[]) =>
    (port: number) => ({ podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: from.map(ns), ports: tcp(port) }] });
const calls = (...to: [string, number][]) => ({ podSelector: {}, policyTypes: ["Egress"], egress: to.map(([n, port]) => ({ to: [ns(n)], ports: tcp(port) })) });

interface Case {
    readonly off: readonly WorkloadName[];
    /** Secret config nothing switched on reads: left out of the config, and the plan must still work. */
    readonly unneededSecrets: readonly string[];
    /** Resources of other workloads that only existed to reach a switched-off one. */
    readonly alsoRemoved: readonly string[];
    readonly namespaces: readonly string[];
    /** Every same-env allowance left, by `<namespace>/<policy>`. */
    readonly envCallPolicies: Record<string, unknown>;
    readonly alertGroups: Record<string, string[]>;
    readonly logAlertGroups: Record<string, string[]>;
    readonly dashboards: readonly string[];
    readonly inventory: readonly string[];
    readonly requiredSecrets: readonly string[];
}

const LOGGING_ALERTS = ["LogAgentDown", "LokiDown", "LokiIngestionFailing"];
const STORAGE_ALERTS = ["NfsVolumeFillingUp", "PrometheusTsdbFillingUp"];
const FASTAPI_ALERTS = ["FastAPIHighErrorRate", "FastAPIP95LatencyHigh", "FastAPIInstanceDown", "FastAPITargetsMissing"];
const PLATFORM_INVENTORY = [
    "nfs-subdir-external-provisioner",
    "local-path-provisioner",
    "prometheus-operator",
    "prometheus",
    "alertmanager",
    "grafana",
    "kube-state-metrics",
    "node-exporter",
    "loki",
    "promtail",
];
const AIRFLOW_INVENTORY = ["airflow-scheduler", "airflow-apiServer", "airflow-dagProcessor", "airflow-triggerer"];
export const PLATFORM_NAMESPACES = ["storage-dev", "monitoring-dev", "observability-dev"];

export const CASES: Case[] = [
    {
        off: ["fastapi"],
        // Airflow still sends notifications and reload requests.
        unneededSecrets: [],
        alsoRemoved: [],
        namespaces: [...PLATFORM_NAMESPACES, "mlflow-dev", "airflow-dev"],
        envCallPolicies: {
            "mlflow-dev/allow-env-callers": callers("airflow-dev")(5000),
            "airflow-dev/allow-env-calls": calls(["mlflow-dev", 5000]),
        },
        alertGroups: { "logging.dev": LOGGING_ALERTS, "workloads.dev": ["MLflowDown", "AirflowSchedulerDown"], "storage.dev": STORAGE_ALERTS },
        logAlertGroups: { "logs.dev": ["DataPipelineFailed"] },
        dashboards: ["platform-k8s-dev", "data-pipeline-dev"],
        inventory: [...PLATFORM_INVENTORY, "mlflow", ...AIRFLOW_INVENTORY],
        requiredSecrets: [
            "alertmanagerSlackWebhook",
            "appSlackWebhookUrl",
            "mlflowDatabasePassword",
            "airflowDatabasePassword",
            "s3AccessKeyId",
            "s3SecretAccessKey",
        ],
    },
    {
        off: ["mlflow"],
        // Airflow's remote logs still need the object store.
        unneededSecrets: ["mlflowDatabasePassword"],
        alsoRemoved: policies("fastapi-dev", ["allow-env-calls"]),
        namespaces: [...PLATFORM_NAMESPACES, "fastapi-dev", "airflow-dev"],
        envCallPolicies: {
            "fastapi-dev/allow-env-callers": callers("airflow-dev")(8000),
            "airflow-dev/allow-env-calls": calls(["fastapi-dev", 8000]),
        },
        alertGroups: {
            "fastapi.dev": FASTAPI_ALERTS,
            "logging.dev": LOGGING_ALERTS,
            "workloads.dev": ["AirflowSchedulerDown"],
            "storage.dev": STORAGE_ALERTS,
        },
        logAlertGroups: { "logs.dev": ["FastAPIErrorLogSpike", "DataPipelineFailed"] },
        dashboards: ["fastapi-overview-dev", "fastapi-models-dev", "platform-k8s-dev", "data-pipeline-dev"],
        inventory: [...PLATFORM_INVENTORY, "fastapi", ...AIRFLOW_INVENTORY],
        requiredSecrets: ["alertmanagerSlackWebhook", "appSlackWebhookUrl", "airflowDatabasePassword", "s3AccessKeyId", "s3SecretAccessKey"],
    },
    {
        off: ["airflow"],
        // FastAPI still notifies; MLflow still stores artifacts.
        unneededSecrets: ["airflowDatabasePassword"],
        alsoRemoved: policies("fastapi-dev", ["allow-env-callers"]),
        namespaces: [...PLATFORM_NAMESPACES, "fastapi-dev", "mlflow-dev"],
        envCallPolicies: {
            "fastapi-dev/allow-env-calls": calls(["mlflow-dev", 5000]),
            "mlflow-dev/allow-env-callers": callers("fastapi-dev")(5000),
        },
        alertGroups: { "fastapi.dev": FASTAPI_ALERTS, "logging.dev": LOGGING_ALERTS, "workloads.dev": ["MLflowDown"], "storage.dev": STORAGE_ALERTS },
        logAlertGroups: { "logs.dev": ["FastAPIErrorLogSpike"] },
        dashboards: ["fastapi-overview-dev", "fastapi-models-dev", "platform-k8s-dev"],
        inventory: [...PLATFORM_INVENTORY, "fastapi", "mlflow"],
        requiredSecrets: ["alertmanagerSlackWebhook", "appSlackWebhookUrl", "mlflowDatabasePassword", "s3AccessKeyId", "s3SecretAccessKey"],
    },
    {
        off: ["fastapi", "mlflow", "airflow"],
        unneededSecrets: ["appSlackWebhookUrl", "mlflowDatabasePassword", "airflowDatabasePassword", "s3AccessKeyId", "s3SecretAccessKey"],
        // The shared app Secret's component and its generated reload token have no reader left.
        alsoRemoved: ["mlops:workloads:AppSecrets app-secrets-dev", `${RANDOM_PASSWORD} app-secrets-dev-reload-token`],
        namespaces: PLATFORM_NAMESPACES,
        envCallPolicies: {},
        alertGroups: { "logging.dev": LOGGING_ALERTS, "storage.dev": STORAGE_ALERTS },
        logAlertGroups: {},
        dashboards: ["platform-k8s-dev"],
        inventory: PLATFORM_INVENTORY,
        requiredSecrets: ["alertmanagerSlackWebhook"],
    },
];
