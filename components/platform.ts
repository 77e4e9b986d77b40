import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PlatformConfig } from "./config/schema";
import { Loki } from "./logging/loki";
import { Promtail } from "./logging/promtail";
import { parseBytes } from "./config/quantities";
import { AlertRules } from "./monitoring/alertRules";
import { Dashboards } from "./monitoring/dashboards";
import { GrafanaAdmin, SecretReference } from "./monitoring/grafanaAdmin";
import { Monitoring } from "./monitoring/kubePrometheusStack";
import { EnvNames, envNames } from "./naming";
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
    /** Secret config override for the Grafana admin password. */
    readonly grafanaAdminPassword?: pulumi.Output<string>;
    /** The workloads' secret config, each value already marked secret. */
    readonly workloadSecrets: {
        readonly [K in keyof PlatformConfig["workloadSecrets"]]-?: PlatformConfig["workloadSecrets"][K] extends string
            ? pulumi.Output<string>
            : pulumi.Output<string> | undefined;
    };
    /** Secret config: the Slack webhook of the env's Alertmanager. */
    readonly alertmanagerSlackWebhook: pulumi.Output<string>;
}

/** The documented stack outputs (see README "Outputs contract"). Bump `contractVersion` on breaking changes. */
export interface PlatformOutputs {
    contractVersion: number;
    env: string;
    namespaces: EnvNames["namespaces"];
    urls: { grafana: string; prometheus: string; alertmanager: string; loki: string; fastapi: string; mlflow: string; airflow: string };
    endpoints: EnvNames["endpoints"];
    storageClasses: { nfs: string; localPath: string };
    releases: EnvNames["releases"];
    monitoringReleaseLabel: EnvNames["monitoringReleaseLabel"];
    grafanaDatasourceUids: EnvNames["datasourceUids"];
    grafanaAdminSecret: SecretReference;
    /** Whether this env's Alertmanager pages for shared infrastructure (kube-system, node alerts). */
    alerting: { sharedInfrastructure: boolean };
}

/** The whole observability platform of one env. */
export class Platform extends pulumi.ComponentResource {
    readonly outputs: PlatformOutputs;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        // Children inherit `protect` from here: a protected (prod) stack cannot be destroyed by accident.
        super("mlops:platform:Platform", name, {}, { ...opts, protect: args.config.protect });
        const cfg = args.config;
        const names = envNames(cfg.env, cfg.domain);
        // Explicit providers for every package the program uses, so no resource falls back to a default
        // provider (which the engine registers outside the program and no option of ours can protect).
        const providers = {
            kubernetes: new k8s.Provider(`k8s-${cfg.env}`, {}, { parent: this }),
            random: new random.Provider(`random-${cfg.env}`, {}, { parent: this }),
        };
        const ns = names.namespaces;
        const namespaces = new EnvNamespaces(`namespaces-${cfg.env}`, { names, retainOnDelete: cfg.protect }, { parent: this, providers });
        // Every name below is a plain value from the naming module, known in a first preview; what must
        // exist first is said with `dependsOn` (on a component: on all of its resources).
        const child = (...after: pulumi.Resource[]): pulumi.ComponentResourceOptions => ({ parent: this, providers, dependsOn: [namespaces, ...after] });

        new NetworkPolicies(`network-${cfg.env}`, { names, ingressControllerNamespace: cfg.ingress.controllerNamespace, ...cfg.network }, child());
        const nfs = new NfsProvisioner(`nfs-${cfg.env}`, { names, namespace: ns.storage, nfs: cfg.storage.nfs }, child());
        const localPath = new LocalPathStorage(
            `local-path-${cfg.env}`,
            {
                names,
                namespace: ns.storage,
                localPath: cfg.storage.localPath,
                reclaimPolicy: cfg.storage.nfs.reclaimPolicy,
            },
            child(),
        );
        const grafanaAdmin = new GrafanaAdmin(`grafana-admin-${cfg.env}`, { names, namespace: ns.monitoring, password: args.grafanaAdminPassword }, child());
        const monitoring = new Monitoring(
            `monitoring-${cfg.env}`,
            {
                names,
                namespace: ns.monitoring,
                monitoring: cfg.monitoring,
                alerting: cfg.alerting,
                ingress: cfg.ingress,
                storageClasses: { nfs: nfs.storageClassName, localPath: localPath.storageClassName },
                retainVolumes: cfg.protect,
                slackWebhook: args.alertmanagerSlackWebhook,
            },
            // Grafana's and Alertmanager's claims are on the NFS class, Prometheus's on local-path.
            child(grafanaAdmin, nfs, localPath),
        );
        // PrometheusRule is a CRD the monitoring release installs.
        new AlertRules(
            `alert-rules-${cfg.env}`,
            {
                names,
                namespace: ns.monitoring,
                options: { tsdbClaimBytes: parseBytes(cfg.monitoring.prometheus.storageSize) ?? 0 },
            },
            child(monitoring),
        );
        new Dashboards(`dashboards-${cfg.env}`, { names, namespace: ns.monitoring }, child());
        // Loki and Promtail create ServiceMonitors: the monitoring release brings their CRDs.
        const loki = new Loki(
            `loki-${cfg.env}`,
            {
                names,
                namespace: ns.observability,
                loki: cfg.logging.loki,
                ingress: cfg.ingress,
                storageClassName: nfs.storageClassName,
                retainVolumes: cfg.protect,
            },
            child(monitoring, nfs),
        );
        new Promtail(`promtail-${cfg.env}`, { names, namespace: ns.observability, promtail: cfg.logging.promtail }, child(monitoring, loki));

        // Workloads: the monitoring release brings the ServiceMonitor CRD FastAPI's monitor needs.
        const w = cfg.workloads;
        const ws = args.workloadSecrets;
        const appSecrets = new AppSecrets(
            `app-secrets-${cfg.env}`,
            {
                names,
                namespaces: { fastapi: ns.fastapi, airflow: ns.airflow },
                slackWebhookUrl: ws.appSlackWebhookUrl,
                reloadToken: ws.fastapiReloadToken,
            },
            child(),
        );
        new MlflowTracking(
            `mlflow-${cfg.env}`,
            {
                names,
                namespace: ns.mlflow,
                mlflow: w.mlflow,
                objectStore: w.objectStore,
                ingress: cfg.ingress,
                databasePassword: ws.mlflowDatabasePassword,
                s3AccessKeyId: ws.s3AccessKeyId,
                s3SecretAccessKey: ws.s3SecretAccessKey,
            },
            child(),
        );
        new FastapiServing(
            `fastapi-${cfg.env}`,
            {
                names,
                namespace: ns.fastapi,
                fastapi: w.fastapi,
                ingress: cfg.ingress,
                logStorageClassName: nfs.storageClassName,
                appSecretName: appSecrets.secretName,
                retainVolumes: cfg.protect,
            },
            child(monitoring, appSecrets, nfs),
        );
        new Airflow(
            `airflow-${cfg.env}`,
            {
                names,
                namespace: ns.airflow,
                airflow: w.airflow,
                objectStore: w.objectStore,
                ingress: cfg.ingress,
                appSecretName: appSecrets.secretName,
                databasePassword: ws.airflowDatabasePassword,
                s3AccessKeyId: ws.s3AccessKeyId,
                s3SecretAccessKey: ws.s3SecretAccessKey,
                gitSshKey: ws.airflowGitSshKey,
            },
            child(appSecrets),
        );

        this.outputs = {
            contractVersion: 1,
            env: cfg.env,
            namespaces: names.namespaces,
            urls: {
                grafana: `https://${names.hosts.grafana}`,
                prometheus: `https://${names.hosts.prometheus}`,
                alertmanager: `https://${names.hosts.alertmanager}`,
                loki: `https://${names.hosts.loki}`,
                fastapi: `https://${names.hosts.fastapi}`,
                mlflow: `https://${names.hosts.mlflow}`,
                airflow: `https://${names.hosts.airflow}`,
            },
            endpoints: names.endpoints,
            storageClasses: { nfs: nfs.storageClassName, localPath: localPath.storageClassName },
            releases: names.releases,
            monitoringReleaseLabel: names.monitoringReleaseLabel,
            grafanaDatasourceUids: names.datasourceUids,
            grafanaAdminSecret: grafanaAdmin.reference,
            alerting: { sharedInfrastructure: cfg.alerting.sharedInfrastructure },
        };
        this.registerOutputs({ ...this.outputs });
    }
}
