/**
 * The isolation scheme in one place: every environment-derived name (namespaces, releases,
 * labels, hosts, storage classes, in-cluster endpoints, host paths) comes from here, so dev and
 * prod can only differ by the env token and never by a hand-typed string somewhere else.
 */

/** Label put on every namespace the program creates; Prometheus selects monitors by it too. */
export const ENV_LABEL = "platform.mlops/env";

/** Shared system namespace whose series and logs every env may see. */
export const SYSTEM_NAMESPACE = "kube-system";

/**
 * Regex (anchored by Prometheus and Alertmanager) of the namespace label that both envs' series
 * carry alike: kube-system, or no namespace label at all (a missing label matches as "").
 */
export const SHARED_NAMESPACE_REGEX = `(${SYSTEM_NAMESPACE})?`;

/**
 * `job` labels of kube-prometheus-stack's node-exporter and kube-state-metrics targets, the values
 * the chart's own rules select by. Their node-level series carry the scraping env's monitoring
 * namespace (a target label), not kube-system, although they describe a node both envs share.
 */
export const CHART_JOBS = { nodeExporter: "node-exporter", kubeStateMetrics: "kube-state-metrics" } as const;

export interface EnvNames {
    readonly env: string;
    readonly domain: string;
    readonly namespaces: {
        readonly storage: string;
        readonly monitoring: string;
        readonly observability: string;
        readonly fastapi: string;
        readonly mlflow: string;
        readonly airflow: string;
    };
    readonly releases: {
        readonly nfs: string;
        readonly monitoring: string;
        readonly loki: string;
        readonly promtail: string;
        readonly airflow: string;
    };
    /**
     * Object names of the workloads. The FastAPI ServiceMonitor targets `fastapi.service`, so the
     * Prometheus `job` label of every FastAPI series is `fastapi.job` (the Service name).
     */
    readonly workloads: {
        readonly fastapi: { readonly name: string; readonly service: string; readonly job: string; readonly port: number };
        readonly mlflow: { readonly name: string; readonly service: string; readonly port: number };
        readonly airflow: { readonly apiServerService: string; readonly apiServerPort: number; readonly schedulerDeployment: string };
    };
    /** The label that ties ServiceMonitors, PodMonitors, Probes, ScrapeConfigs and rules to this env's Prometheus. */
    readonly monitoringReleaseLabel: { readonly release: string };
    /** KPS fullnameOverride: keeps object names short and predictable instead of the chart's 26-char truncation. */
    readonly monitoringFullname: string;
    /** The kubelet Service this env's prometheus-operator creates in kube-system. */
    readonly kubeletService: string;
    /**
     * Identity of the env's Prometheus pair (the operator's `prometheus` external label,
     * `<namespace>/<Prometheus name>`): the same on every replica, so a downstream store groups the
     * replicas by it.
     */
    readonly prometheusInstance: string;
    /** The gossip cluster label of the env's Alertmanager: peers with another label are refused. */
    readonly alertmanagerClusterLabel: string;
    /**
     * ServiceAccounts the charts create for the env's controllers (kube-prometheus-stack names them
     * after its fullname, the NFS chart after `<release>-<chart>`); the program binds its RBAC to them.
     */
    readonly serviceAccounts: {
        readonly monitoringOperator: string;
        readonly prometheus: string;
        /** The admission webhook's certificate Jobs; also the name of both webhook configurations. */
        readonly admissionPatch: string;
        readonly nfsProvisioner: string;
    };
    /**
     * Roles and ClusterRoles the program declares in place of the charts' own, each with a binding of
     * the same name. They never reuse a name the charts gave theirs, or Helm would delete the
     * program's object when it drops its own on the upgrade that switches the chart's RBAC off.
     */
    readonly rbac: {
        /** Role in each env namespace: what prometheus-operator writes and reads there. */
        readonly operator: string;
        /** ClusterRole: what the operator only reads, cluster-wide. */
        readonly operatorClusterRead: string;
        /** Role in kube-system: the kubelet Service and Endpoints of this env's operator. */
        readonly operatorKubelet: string;
        /** ClusterRole: Prometheus's read-only service discovery. */
        readonly prometheusDiscovery: string;
        /** ClusterRole (the env's two webhook configurations) and Role (the certificate Secret). */
        readonly admissionPatch: string;
        /** ClusterRole (volumes) and Role in each env namespace (claims, events, leader lock). */
        readonly nfsProvisioner: string;
    };
    readonly storageClasses: {
        readonly nfs: string;
        /** Only used when the program installs its own local-path provisioner. */
        readonly localPath: string;
    };
    /** Provisioner names must differ per env, or two provisioners act on each other's claims. */
    readonly provisioners: {
        readonly nfs: string;
        readonly localPath: string;
    };
    readonly hosts: {
        readonly grafana: string;
        readonly prometheus: string;
        readonly alertmanager: string;
        readonly loki: string;
        readonly fastapi: string;
        readonly mlflow: string;
        readonly airflow: string;
    };
    readonly tlsSecrets: {
        readonly grafana: string;
        readonly prometheus: string;
        readonly alertmanager: string;
        readonly loki: string;
        readonly fastapi: string;
        readonly mlflow: string;
        readonly airflow: string;
    };
    readonly secrets: {
        readonly grafanaAdmin: string;
        readonly alertmanagerConfig: string;
        /** Slack webhook and model-reload token, in each consuming workload namespace. */
        readonly workloadApp: string;
        readonly mlflowBackendStore: string;
        readonly mlflowObjectStore: string;
        readonly airflowMetadata: string;
        readonly airflowFernetKey: string;
        readonly airflowApiSecretKey: string;
        readonly airflowJwtSecret: string;
        readonly airflowGitSshKey: string;
        readonly airflowObjectStoreConnection: string;
        /** Holds only the Slack webhook URL; Alertmanager mounts it and reads it by file. */
        readonly alertmanagerSlack: string;
        /** The generated ingress basic-auth user and password, for people and `npm run verify` (monitoring namespace). */
        readonly ingressAuth: string;
        /**
         * The htpasswd line ingress-nginx checks: one per namespace whose Ingress uses it (an Ingress
         * can only name a Secret of its own namespace), all with this name.
         */
        readonly ingressHtpasswd: string;
        /** Credentials of the remote-write targets; the env's operator reads it from the monitoring namespace. */
        readonly prometheusRemoteWrite: string;
    };
    readonly volumeClaims: { readonly fastapiLogs: string };
    /** ConfigMaps the program writes for the env's observability stack. */
    readonly configMaps: {
        /** LogQL alerting rules, mounted into Loki's ruler directory of tenant `fake`. */
        readonly lokiRules: string;
    };
    /** Alertmanager receiver names. */
    readonly receivers: { readonly slack: string };
    /** Cluster-internal base URLs (no trailing slash). */
    readonly endpoints: {
        readonly prometheus: string;
        readonly alertmanager: string;
        readonly grafana: string;
        readonly lokiQuery: string;
        readonly lokiPush: string;
        readonly fastapi: string;
        readonly mlflow: string;
        readonly airflow: string;
    };
    /** Host paths written on nodes; unique per env so two DaemonSets never share state. */
    readonly hostPaths: {
        readonly promtailPositions: string;
        readonly localPathDefault: string;
    };
    /** Grafana dashboard UIDs, stable so alerts can link to them. */
    readonly dashboardUids: {
        readonly fastapiOverview: string;
        readonly fastapiModels: string;
        readonly platform: string;
        readonly dataPipeline: string;
    };
    /**
     * Prometheus `job` of the log agent's targets: the promtail chart's ServiceMonitor selects its
     * `<fullname>-metrics` Service, and prometheus-operator names the job after the Service.
     */
    readonly logAgentJob: string;
    /** Grafana datasource UIDs, stable so dashboards can reference them. */
    readonly datasourceUids: { readonly prometheus: string; readonly loki: string; readonly alertmanager: string };
    /**
     * Prometheus relabel regex (fully anchored by Prometheus) that keeps series of this env's
     * namespaces and kube-system, plus series with no namespace label (node-level metrics).
     */
    readonly metricNamespaceRegex: string;
    /** Regex (anchored) of the env's own namespaces: anything ending in `-<env>`. */
    readonly envNamespaceRegex: string;
    /** Same filter for log discovery: every pod has a namespace, so no empty alternative. */
    readonly logNamespaceRegex: string;
}

/** Node directory of an env's own local-path provisioner: written on every node, so never shared. */
export function localPathNodeDir(env: string): string {
    return `/opt/local-path-provisioner/${env}`;
}

/**
 * The namespaces an env creates, by key: every one it names except those of switched-off workloads
 * (`switchedOn[key] === false`). Those stay named, so the outputs keep their shape.
 */
export function createdNamespaces(
    namespaces: Readonly<Record<string, string>>,
    switchedOn: Readonly<Partial<Record<string, boolean>>>,
): Record<string, string> {
    return Object.fromEntries(Object.entries(namespaces).filter(([key]) => switchedOn[key] !== false));
}

export function namespaceFor(component: string, env: string): string {
    return `${component}-${env}`;
}

/**
 * Whether a namespace is one of env's: every namespace the program writes into is
 * `namespaceFor(component, env)`. Env names are [a-z][a-z0-9]*, so `-dev` is never the tail of
 * another env's suffix (`-prod`, `-xdev` do not end in `-dev`).
 */
export function isEnvNamespace(namespace: string, env: string): boolean {
    return namespace.length > env.length + 1 && namespace.endsWith(`-${env}`);
}

/**
 * Whether a cluster-scoped object's name is env's: the program names its cluster-scoped objects
 * (StorageClasses, ClusterRoles and their bindings) with the env as one dash-separated word
 * (`nfs-dev`, `local-path-provisioner-dev`), because the cluster is shared by every env.
 */
export function isEnvClusterScopedName(name: string, env: string): boolean {
    return name.split("-").includes(env);
}

const svc = (name: string, namespace: string, port: number) => `http://${name}.${namespace}.svc.cluster.local:${port}`;

export function envNames(env: string, domain: string): EnvNames {
    const monitoring = namespaceFor("monitoring", env);
    const observability = namespaceFor("observability", env);
    const storage = namespaceFor("storage", env);
    const monitoringRelease = `monitoring-${env}`;
    const monitoringFullname = monitoringRelease;
    const lokiRelease = `loki-${env}`;
    const airflowRelease = `airflow-${env}`;
    const nfsRelease = `nfs-${env}`;
    const fastapi = namespaceFor("fastapi", env);
    const mlflow = namespaceFor("mlflow", env);
    const airflow = namespaceFor("airflow", env);
    // The official Airflow chart names its objects `<release>-<component>` with no fullname truncation.
    const workloads = {
        fastapi: { name: fastapi, service: fastapi, job: fastapi, port: 80 },
        mlflow: { name: mlflow, service: mlflow, port: 5000 },
        airflow: {
            apiServerService: `${airflowRelease}-api-server`,
            apiServerPort: 8080,
            schedulerDeployment: `${airflowRelease}-scheduler`,
        },
    };
    const host = (name: string) => `${name}-${env}.${domain}`;
    // Env names are validated as [a-z][a-z0-9]*, so "-<env>" cannot be the tail of another env's suffix.
    const envSuffix = `.*-${env}`;
    return {
        env,
        domain,
        namespaces: { storage, monitoring, observability, fastapi, mlflow, airflow },
        releases: {
            nfs: nfsRelease,
            monitoring: monitoringRelease,
            loki: lokiRelease,
            promtail: `promtail-${env}`,
            airflow: airflowRelease,
        },
        workloads,
        monitoringReleaseLabel: { release: monitoringRelease },
        monitoringFullname,
        kubeletService: `${monitoringFullname}-kubelet`,
        prometheusInstance: `${monitoring}/${monitoringFullname}-prometheus`,
        alertmanagerClusterLabel: `${monitoring}/${monitoringFullname}-alertmanager`,
        serviceAccounts: {
            monitoringOperator: `${monitoringFullname}-operator`,
            prometheus: `${monitoringFullname}-prometheus`,
            admissionPatch: `${monitoringFullname}-admission`,
            // The NFS chart's fullname: `<release>-<chart>`, the release name not containing the chart's.
            nfsProvisioner: `${nfsRelease}-nfs-subdir-external-provisioner`,
        },
        rbac: {
            operator: `${monitoringFullname}-operator`,
            operatorClusterRead: `${monitoringFullname}-operator-cluster-read`,
            operatorKubelet: `${monitoringFullname}-operator-kubelet`,
            prometheusDiscovery: `${monitoringFullname}-prometheus-discovery`,
            admissionPatch: `${monitoringFullname}-admission-patch`,
            nfsProvisioner: `${nfsRelease}-provisioner`,
        },
        storageClasses: { nfs: `nfs-${env}`, localPath: `local-path-${env}` },
        provisioners: {
            nfs: `nfs.platform.mlops/${env}`,
            localPath: `local-path.platform.mlops/${env}`,
        },
        hosts: {
            grafana: host("grafana"),
            prometheus: host("prometheus"),
            alertmanager: host("alertmanager"),
            loki: host("loki"),
            fastapi: host("fastapi"),
            mlflow: host("mlflow"),
            airflow: host("airflow"),
        },
        tlsSecrets: {
            grafana: `grafana-${env}-tls`,
            prometheus: `prometheus-${env}-tls`,
            alertmanager: `alertmanager-${env}-tls`,
            loki: `loki-${env}-tls`,
            fastapi: `fastapi-${env}-tls`,
            mlflow: `mlflow-${env}-tls`,
            airflow: `airflow-${env}-tls`,
        },
        secrets: {
            grafanaAdmin: `grafana-admin-${env}`,
            alertmanagerConfig: `alertmanager-config-${env}`,
            workloadApp: `workload-app-${env}`,
            mlflowBackendStore: `mlflow-${env}-backend-store`,
            mlflowObjectStore: `mlflow-${env}-object-store`,
            airflowMetadata: `${airflowRelease}-metadata`,
            airflowFernetKey: `${airflowRelease}-fernet-key`,
            airflowApiSecretKey: `${airflowRelease}-api-secret-key`,
            airflowJwtSecret: `${airflowRelease}-jwt-secret`,
            airflowGitSshKey: `${airflowRelease}-git-ssh-key`,
            airflowObjectStoreConnection: `${airflowRelease}-object-store-connection`,
            alertmanagerSlack: `alertmanager-slack-${env}`,
            ingressAuth: `ingress-auth-${env}`,
            ingressHtpasswd: `ingress-htpasswd-${env}`,
            prometheusRemoteWrite: `prometheus-remote-write-${env}`,
        },
        volumeClaims: { fastapiLogs: `${fastapi}-logs` },
        configMaps: { lokiRules: `loki-rules-${env}` },
        receivers: { slack: `slack-${env}` },
        endpoints: {
            prometheus: svc(`${monitoringFullname}-prometheus`, monitoring, 9090),
            alertmanager: svc(`${monitoringFullname}-alertmanager`, monitoring, 9093),
            grafana: svc(`${monitoringRelease}-grafana`, monitoring, 80),
            lokiQuery: svc(lokiRelease, observability, 3100),
            lokiPush: `${svc(lokiRelease, observability, 3100)}/loki/api/v1/push`,
            fastapi: svc(workloads.fastapi.service, fastapi, workloads.fastapi.port),
            mlflow: svc(workloads.mlflow.service, mlflow, workloads.mlflow.port),
            airflow: svc(workloads.airflow.apiServerService, airflow, workloads.airflow.apiServerPort),
        },
        hostPaths: {
            promtailPositions: `/run/promtail-${env}`,
            localPathDefault: localPathNodeDir(env),
        },
        dashboardUids: {
            fastapiOverview: `fastapi-overview-${env}`,
            fastapiModels: `fastapi-models-${env}`,
            platform: `platform-k8s-${env}`,
            dataPipeline: `data-pipeline-${env}`,
        },
        logAgentJob: `promtail-${env}-metrics`,
        datasourceUids: { prometheus: `prometheus-${env}`, loki: `loki-${env}`, alertmanager: `alertmanager-${env}` },
        metricNamespaceRegex: `(${envSuffix}|${SYSTEM_NAMESPACE})?`,
        envNamespaceRegex: envSuffix,
        logNamespaceRegex: `${envSuffix}|${SYSTEM_NAMESPACE}`,
    };
}
