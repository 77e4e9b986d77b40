import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "./config/schema";
import { Loki } from "./logging/loki";
import { Promtail } from "./logging/promtail";
import { GrafanaAdmin, SecretReference } from "./monitoring/grafanaAdmin";
import { Monitoring } from "./monitoring/kubePrometheusStack";
import { EnvNames, envNames } from "./naming";
import { EnvNamespaces } from "./namespaces";
import { NetworkPolicies } from "./network/networkPolicies";
import { LocalPathStorage } from "./storage/localPath";
import { NfsProvisioner } from "./storage/nfsProvisioner";

export interface PlatformArgs {
    readonly config: PlatformConfig;
    /** Secret config override for the Grafana admin password. */
    readonly grafanaAdminPassword?: pulumi.Output<string>;
}

/** The documented stack outputs (see README "Outputs contract"). Bump `contractVersion` on breaking changes. */
export interface PlatformOutputs {
    contractVersion: number;
    env: string;
    namespaces: EnvNames["namespaces"];
    urls: { grafana: string; prometheus: string; alertmanager: string; loki: string };
    endpoints: EnvNames["endpoints"];
    storageClasses: pulumi.Output<{ nfs: string; localPath: string }>;
    releases: EnvNames["releases"];
    monitoringReleaseLabel: EnvNames["monitoringReleaseLabel"];
    grafanaDatasourceUids: EnvNames["datasourceUids"];
    grafanaAdminSecret: pulumi.Output<SecretReference>;
}

/** The whole observability platform of one env. */
export class Platform extends pulumi.ComponentResource {
    readonly outputs: PlatformOutputs;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        // Children inherit `protect` from here: a protected (prod) stack cannot be destroyed by accident.
        super("mlops:platform:Platform", name, {}, { ...opts, protect: args.config.protect });
        const cfg = args.config;
        const names = envNames(cfg.env, cfg.domain);
        const provider = new k8s.Provider(`k8s-${cfg.env}`, {}, { parent: this });
        const child = (extra: pulumi.ComponentResourceOptions = {}) => ({ parent: this, providers: { kubernetes: provider }, ...extra });

        const namespaces = new EnvNamespaces(`namespaces-${cfg.env}`, { names, retainOnDelete: cfg.protect }, child());
        new NetworkPolicies(`network-${cfg.env}`, { names, namespaces, ingressControllerNamespace: cfg.ingress.controllerNamespace, ...cfg.network }, child());
        const nfs = new NfsProvisioner(`nfs-${cfg.env}`, { names, namespace: namespaces.storage, nfs: cfg.storage.nfs }, child());
        const localPath = new LocalPathStorage(
            `local-path-${cfg.env}`,
            {
                names,
                namespace: namespaces.storage,
                localPath: cfg.storage.localPath,
                reclaimPolicy: cfg.storage.nfs.reclaimPolicy,
            },
            child(),
        );
        const grafanaAdmin = new GrafanaAdmin(
            `grafana-admin-${cfg.env}`,
            { names, namespace: namespaces.monitoring, password: args.grafanaAdminPassword },
            child(),
        );
        const monitoring = new Monitoring(
            `monitoring-${cfg.env}`,
            {
                names,
                namespace: namespaces.monitoring,
                monitoring: cfg.monitoring,
                alerting: cfg.alerting,
                ingress: cfg.ingress,
                storageClasses: { nfs: nfs.storageClassName, localPath: localPath.storageClassName },
                retainVolumes: cfg.protect,
            },
            child({ dependsOn: [grafanaAdmin] }),
        );
        // Loki and Promtail create ServiceMonitors: the monitoring release brings their CRDs.
        const loki = new Loki(
            `loki-${cfg.env}`,
            {
                names,
                namespace: namespaces.observability,
                loki: cfg.logging.loki,
                ingress: cfg.ingress,
                storageClassName: nfs.storageClassName,
                retainVolumes: cfg.protect,
            },
            child({ dependsOn: [monitoring] }),
        );
        new Promtail(
            `promtail-${cfg.env}`,
            { names, namespace: namespaces.observability, promtail: cfg.logging.promtail },
            child({ dependsOn: [monitoring, loki] }),
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
            },
            endpoints: names.endpoints,
            storageClasses: pulumi
                .all([nfs.storageClassName, localPath.storageClassName])
                .apply(([nfsClass, localPathClass]) => ({ nfs: nfsClass, localPath: localPathClass })),
            releases: names.releases,
            monitoringReleaseLabel: names.monitoringReleaseLabel,
            grafanaDatasourceUids: names.datasourceUids,
            grafanaAdminSecret: grafanaAdmin.reference,
        };
        this.registerOutputs({ ...this.outputs });
    }
}
