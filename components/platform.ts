import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LokiSecrets } from "./config/loki";
import { PlatformConfig } from "./config/schema";
import { WorkloadName, WorkloadSecrets, WorkloadSwitches, workloadSwitches } from "./config/workloads";
import { IngressAuth } from "./ingressAuth";
import { Alloy } from "./logging/alloy";
import { Loki } from "./logging/loki";
import { Promtail } from "./logging/promtail";
import { parseBytes } from "./config/quantities";
import { AlertRules } from "./monitoring/alertRules";
import { Dashboards } from "./monitoring/dashboards";
import { GrafanaAdmin, SecretReference } from "./monitoring/grafanaAdmin";
import { Monitoring } from "./monitoring/kubePrometheusStack";
import { EnvNames, LogAgentKind, createdNamespaces, envNames } from "./naming";
import { EnvNamespaces } from "./namespaces";
import { NetworkPolicies } from "./network/networkPolicies";
import { LocalPathStorage } from "./storage/localPath";
import { NfsProvisioner } from "./storage/nfsProvisioner";
import { Airflow } from "./workloads/airflow";
import { AppSecrets } from "./workloads/appSecrets";
import { FastapiServing } from "./workloads/fastapi";
import { MlflowTracking } from "./workloads/mlflow";

export interface PlatformArgs {
    readonly config: PlatformConfig;
    /**
     * The env's Kubernetes provider (components/cluster.ts), made before the Platform: the cluster's
     * identity is checked through it before anything of the Platform is registered.
     */
    readonly kubernetesProvider: k8s.Provider;
    /** Secret config override for the Grafana admin password. */
    readonly grafanaAdminPassword?: pulumi.Output<string>;
    /** The workloads' secret config, each value already marked secret; present while a workload reading it is on. */
    readonly workloadSecrets: { readonly [K in keyof WorkloadSecrets]-?: pulumi.Output<string> | undefined };
    /** Secret config: the Slack webhook of the env's Alertmanager. */
    readonly alertmanagerSlackWebhook: pulumi.Output<string>;
    /** Secret config: credentials of the Prometheus remote-write targets by target name. */
    readonly prometheusRemoteWriteAuth: pulumi.Output<PlatformConfig["prometheusRemoteWriteAuth"]>;
    /** Secret config: the credentials of Loki's bucket, each marked secret; present in distributed mode. */
    readonly lokiSecrets: { readonly [K in keyof LokiSecrets]-?: pulumi.Output<string> | undefined };
}

/** Where a workload answers: null while it is switched off, since nothing answers there. */
type WorkloadAddresses = { [W in WorkloadName]: string | null };

/** The documented stack outputs (see docs/outputs.md "Outputs contract"). Bump `contractVersion` on breaking changes. */
export interface PlatformOutputs {
    contractVersion: number;
    env: string;
    /** Which workloads the env runs. */
    workloads: WorkloadSwitches;
    /** Every namespace the env names, created or not (a switched-off workload's is not created). */
    namespaces: EnvNames["namespaces"];
    urls: { grafana: string; prometheus: string; alertmanager: string; loki: string } & WorkloadAddresses;
    endpoints: Omit<EnvNames["endpoints"], WorkloadName> & WorkloadAddresses;
    storageClasses: { nfs: string; localPath: string };
    releases: EnvNames["releases"];
    monitoringReleaseLabel: EnvNames["monitoringReleaseLabel"];
    grafanaDatasourceUids: EnvNames["datasourceUids"];
    grafanaAdminSecret: SecretReference;
    /**
     * Where the generated basic-auth credentials of the Prometheus, Alertmanager and Loki ingresses
     * are (never the credentials); null with `ingress.auth.mode: external`, where none are generated.
     */
    ingressAuthSecret: SecretReference | null;
    /** Whether this env's Alertmanager pages for shared infrastructure (kube-system, node alerts). */
    alerting: { sharedInfrastructure: boolean };
    /** The env's log agent (`logging.agent`): its release and the Prometheus job of its metrics. */
    logAgent: { agent: LogAgentKind; release: string; job: string };
}

export const PLATFORM_TYPE = "mlops:platform:Platform";

/** The whole observability platform of one env. */
export class Platform extends pulumi.ComponentResource {
    readonly outputs: PlatformOutputs;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        // Children inherit `protect` from here: a protected (prod) stack cannot be destroyed by accident.
        super(PLATFORM_TYPE, name, {}, { ...opts, protect: args.config.protect });
        const cfg = args.config;
        const names = envNames(cfg.env, cfg.domain, cfg.logging.loki.mode);
        // Explicit providers for every package the program uses, so no resource falls back to a default
        // provider (which the engine registers outside the program and no option of ours can protect).
        const providers = {
            kubernetes: args.kubernetesProvider,
            random: new random.Provider(`random-${cfg.env}`, {}, { parent: this }),
        };
        const ns = names.namespaces;
        const w = cfg.workloads;
        const on = workloadSwitches(w);
        const namespaces = new EnvNamespaces(`namespaces-${cfg.env}`, { names, retainOnDelete: cfg.protect, workloads: on }, { parent: this, providers });
        // Where the env's controllers get their namespaced permissions (and nowhere else).
        const envNamespaces = Object.values(createdNamespaces(ns, on));
        // Every name below is a plain value from the naming module, known in a first preview; what must
        // exist first is said with `dependsOn` (on a component: on all of its resources).
        // A dependency that is not there (a switched-off workload's) is left out.
        const child = (...after: (pulumi.Resource | undefined)[]): pulumi.ComponentResourceOptions => ({
            parent: this,
            providers,
            dependsOn: [namespaces, ...after.filter((r) => r !== undefined)],
        });

        new NetworkPolicies(
            `network-${cfg.env}`,
            { names, ingressControllerNamespace: cfg.ingress.controllerNamespace, ...cfg.network, workloads: on, logAgent: cfg.logging.agent },
            child(),
        );
        const nfs = new NfsProvisioner(
            `nfs-${cfg.env}`,
            { names, chart: cfg.charts.nfsSubdirProvisioner, namespace: ns.storage, nfs: cfg.storage.nfs, envNamespaces },
            child(),
        );
        const localPath = new LocalPathStorage(
            `local-path-${cfg.env}`,
            {
                names,
                namespace: ns.storage,
                localPath: cfg.storage.localPath,
                reclaimPolicy: cfg.storage.nfs.reclaimPolicy,
                envNamespaces,
            },
            child(),
        );
        // Every Ingress that names the htpasswd Secret needs it in its own namespace before it is served.
        const ingressAuth =
            cfg.ingress.auth.mode === "basic"
                ? new IngressAuth(
                      `ingress-auth-${cfg.env}`,
                      { names, credentialsNamespace: ns.monitoring, ingressNamespaces: { monitoring: ns.monitoring, observability: ns.observability } },
                      child(),
                  )
                : undefined;
        const grafanaAdmin = new GrafanaAdmin(`grafana-admin-${cfg.env}`, { names, namespace: ns.monitoring, password: args.grafanaAdminPassword }, child());
        const monitoring = new Monitoring(
            `monitoring-${cfg.env}`,
            {
                names,
                chart: cfg.charts.kubePrometheusStack,
                namespace: ns.monitoring,
                envNamespaces,
                monitoring: cfg.monitoring,
                alerting: cfg.alerting,
                ingress: cfg.ingress,
                storageClasses: { nfs: nfs.storageClassName, localPath: localPath.storageClassName },
                retainVolumes: cfg.protect,
                slackWebhook: args.alertmanagerSlackWebhook,
                remoteWriteCredentials: args.prometheusRemoteWriteAuth,
            },
            // Grafana's and Alertmanager's claims are on the NFS class, Prometheus's on local-path.
            child(grafanaAdmin, nfs, localPath, ingressAuth),
        );
        // After the monitoring release, whose operator and admission webhook act on PrometheusRules.
        new AlertRules(
            `alert-rules-${cfg.env}`,
            {
                names,
                namespace: ns.monitoring,
                options: { tsdbClaimBytes: parseBytes(cfg.monitoring.prometheus.storageSize) ?? 0, workloads: on, logAgent: cfg.logging.agent },
            },
            child(monitoring),
        );
        new Dashboards(`dashboards-${cfg.env}`, { names, namespace: ns.monitoring, workloads: on }, child());
        // Loki and the log agent create ServiceMonitors, which the env's operator (the monitoring release) reconciles.
        const loki = new Loki(
            `loki-${cfg.env}`,
            {
                names,
                chart: cfg.charts.loki,
                namespace: ns.observability,
                loki: cfg.logging.loki,
                ingress: cfg.ingress,
                storageClasses: { nfs: nfs.storageClassName, localPath: localPath.storageClassName },
                retainVolumes: cfg.protect,
                workloads: on,
                objectStoreCredentials:
                    cfg.logging.loki.mode === "distributed"
                        ? {
                              accessKeyId: present(args.lokiSecrets.lokiS3AccessKeyId, "lokiS3AccessKeyId"),
                              secretAccessKey: present(args.lokiSecrets.lokiS3SecretAccessKey, "lokiS3SecretAccessKey"),
                          }
                        : undefined,
            },
            // Distributed mode keeps the ingesters' WAL on the local-path class.
            child(monitoring, nfs, ingressAuth, cfg.logging.loki.mode === "distributed" ? localPath : undefined),
        );
        // One log agent per env; switching it is this one setting (docs/scaling-out.md, "Choosing and switching the log agent").
        if (cfg.logging.agent === "alloy") {
            new Alloy(
                `alloy-${cfg.env}`,
                { names, chart: cfg.charts.alloy, namespace: ns.observability, alloy: cfg.logging.alloy, workloads: on },
                child(monitoring, loki),
            );
        } else {
            new Promtail(
                `promtail-${cfg.env}`,
                { names, chart: cfg.charts.promtail, namespace: ns.observability, promtail: cfg.logging.promtail },
                child(monitoring, loki),
            );
        }

        // Workloads, each only while switched on; everything above that refers to one (policies,
        // rules, dashboards) and the others' settings that point at it follow the same switches.
        // FastAPI's ServiceMonitor is reconciled by the env's operator (the monitoring release).
        const ws = args.workloadSecrets;
        const appReaders = createdNamespaces({ fastapi: ns.fastapi, airflow: ns.airflow }, on);
        const appSecrets = Object.keys(appReaders).length
            ? new AppSecrets(
                  `app-secrets-${cfg.env}`,
                  {
                      names,
                      namespaces: appReaders,
                      slackWebhookUrl: present(ws.appSlackWebhookUrl, "appSlackWebhookUrl"),
                      reloadToken: ws.fastapiReloadToken,
                  },
                  child(),
              )
            : undefined;
        // MLflow's artifacts and Airflow's task logs share the object-store credentials; read only by what is on.
        const s3Credentials = () => ({
            s3AccessKeyId: present(ws.s3AccessKeyId, "s3AccessKeyId"),
            s3SecretAccessKey: present(ws.s3SecretAccessKey, "s3SecretAccessKey"),
        });
        if (w.mlflow.enabled) {
            new MlflowTracking(
                `mlflow-${cfg.env}`,
                {
                    names,
                    namespace: ns.mlflow,
                    mlflow: w.mlflow,
                    objectStore: w.objectStore,
                    ingress: cfg.ingress,
                    databasePassword: present(ws.mlflowDatabasePassword, "mlflowDatabasePassword"),
                    ...s3Credentials(),
                },
                child(),
            );
        }
        if (w.fastapi.enabled) {
            new FastapiServing(
                `fastapi-${cfg.env}`,
                {
                    names,
                    namespace: ns.fastapi,
                    fastapi: w.fastapi,
                    workloads: on,
                    ingress: cfg.ingress,
                    logStorageClassName: nfs.storageClassName,
                    appSecretName: names.secrets.workloadApp,
                    retainVolumes: cfg.protect,
                },
                child(monitoring, appSecrets, nfs),
            );
        }
        if (w.airflow.enabled) {
            new Airflow(
                `airflow-${cfg.env}`,
                {
                    names,
                    chart: cfg.charts.airflow,
                    namespace: ns.airflow,
                    airflow: w.airflow,
                    workloads: on,
                    objectStore: w.objectStore,
                    ingress: cfg.ingress,
                    appSecretName: names.secrets.workloadApp,
                    databasePassword: present(ws.airflowDatabasePassword, "airflowDatabasePassword"),
                    ...s3Credentials(),
                    gitSshKey: ws.airflowGitSshKey,
                },
                child(appSecrets),
            );
        }

        const ifOn = (workload: WorkloadName, address: string) => (on[workload] ? address : null);
        this.outputs = {
            // 2: a switched-off workload's `urls` and `endpoints` entries are null (were always strings).
            contractVersion: 2,
            env: cfg.env,
            workloads: on,
            namespaces: names.namespaces,
            urls: {
                grafana: `https://${names.hosts.grafana}`,
                prometheus: `https://${names.hosts.prometheus}`,
                alertmanager: `https://${names.hosts.alertmanager}`,
                loki: `https://${names.hosts.loki}`,
                fastapi: ifOn("fastapi", `https://${names.hosts.fastapi}`),
                mlflow: ifOn("mlflow", `https://${names.hosts.mlflow}`),
                airflow: ifOn("airflow", `https://${names.hosts.airflow}`),
            },
            endpoints: {
                ...names.endpoints,
                fastapi: ifOn("fastapi", names.endpoints.fastapi),
                mlflow: ifOn("mlflow", names.endpoints.mlflow),
                airflow: ifOn("airflow", names.endpoints.airflow),
            },
            storageClasses: { nfs: nfs.storageClassName, localPath: localPath.storageClassName },
            releases: names.releases,
            monitoringReleaseLabel: names.monitoringReleaseLabel,
            grafanaDatasourceUids: names.datasourceUids,
            grafanaAdminSecret: grafanaAdmin.reference,
            ingressAuthSecret: ingressAuth?.reference ?? null,
            alerting: { sharedInfrastructure: cfg.alerting.sharedInfrastructure },
            logAgent: { agent: cfg.logging.agent, release: names.logAgents[cfg.logging.agent].release, job: names.logAgents[cfg.logging.agent].job },
        };
        this.registerOutputs({ ...this.outputs });
    }
}

/** A secret the config schema requires while a component reading it is on, as it is wherever this is called. */
function present<T>(value: T | undefined, key: string): T {
    if (value === undefined) throw new Error(`secret config ${key} is missing although a component that reads it is switched on`);
    return value;
}
