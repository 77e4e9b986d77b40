import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { LOKI_REPLICATION_FACTOR } from "../config/loki";
import { WorkloadSwitches } from "../config/workloads";
import { platformLabels } from "../labels";
import { EnvNames, LogAgentKind } from "../naming";
import { sel } from "./selectors";

export type Severity = "critical" | "warning";

/** One alerting rule in Prometheus's rule-file format (also what the Loki ruler reads). */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: { readonly severity: Severity };
    readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly AlertRule[];
}

/** Thresholds of the alert library; the rule table of docs/observability.md "Alert library" and the promtool tests use these. */
export const THRESHOLDS = {
    /** Share of FastAPI responses that are 5xx. */
    fastapiErrorRatio: 0.05,
    /**
     * p95 latency in seconds. It is a bucket bound of `http_request_duration_seconds` (0.1, 0.5, 1):
     * p95 then exceeds it exactly when more than 5% of requests took longer, with no interpolation guess.
     */
    fastapiP95Seconds: 0.5,
    /** Free share of an NFS claim below which it is "filling up". */
    volumeFreeRatio: 0.1,
    /** Share of the TSDB claim that Prometheus's blocks, WAL and head chunks may use. */
    tsdbUsedRatio: 0.85,
    /** ERROR lines per 5 minutes in the FastAPI namespace. */
    fastapiErrorLines5m: 20,
} as const;

/** The alert library's inputs beyond the env's names. */
export interface AlertRulesOptions {
    /** Size of the Prometheus TSDB claim in bytes (monitoring.prometheus.storageSize). */
    readonly tsdbClaimBytes: number;
    /** A switched-off workload has no alerts: they would fire on its absence. */
    readonly workloads: WorkloadSwitches;
    /** The env's log agent, whose DaemonSet LogAgentDown watches. */
    readonly logAgent: LogAgentKind;
}

/** How the alerts name each log agent to a human. */
const LOG_AGENT_TITLES: Readonly<Record<LogAgentKind, string>> = { promtail: "Promtail", alloy: "Alloy" };

/** Grafana dashboard link used as the runbook of every alert: where to look first. */
export const dashboardUrl = (names: EnvNames, uid: string) => `https://${names.hosts.grafana}/d/${uid}`;

function rule(
    names: EnvNames,
    alert: string,
    expr: string,
    opts: { for: string; severity: Severity; summary: string; description: string; dashboard: string },
): AlertRule {
    return {
        alert,
        expr,
        for: opts.for,
        labels: { severity: opts.severity },
        annotations: {
            summary: `[${names.env}] ${opts.summary}`,
            description: opts.description,
            runbook_url: dashboardUrl(names, opts.dashboard),
        },
    };
}

/**
 * Loki cannot store, serve or alert on logs: the single binary has no ready replica, or (distributed
 * mode) a component of the write, read or rule path has none, or fewer ingesters than a write quorum
 * of the replication factor are ready.
 */
function lokiDown(names: EnvNames): AlertRule {
    const namespace = names.namespaces.observability;
    const opts = { for: "5m", severity: "critical", dashboard: names.dashboardUids.platform } as const;
    if (names.loki.mode === "monolithic") {
        return rule(names, "LokiDown", `kube_statefulset_status_replicas_ready${sel({ namespace, statefulset: names.releases.loki })} < 1`, {
            ...opts,
            summary: "Loki has no ready replica",
            description: "Logs are neither stored nor queryable, and log alerts are not evaluated. Check the Loki pod, its NFS volume and its events.",
        });
    }
    const c = names.loki.components;
    const any = (...workloads: string[]) => `~${workloads.join("|")}`;
    const quorum = Math.floor(LOKI_REPLICATION_FACTOR / 2) + 1;
    return rule(
        names,
        "LokiDown",
        `kube_statefulset_status_replicas_ready${sel({ namespace, statefulset: c.ingester })} < ${quorum}\n` +
            `  or kube_deployment_status_replicas_available${sel({ namespace, deployment: any(c.distributor, c.querier, c.queryFrontend, c.queryScheduler) })} < 1\n` +
            `  or kube_statefulset_status_replicas_ready${sel({ namespace, statefulset: any(c.indexGateway, c.ruler) })} < 1`,
        {
            ...opts,
            summary: "A Loki component on the write, read or rule path is down",
            description:
                `{{ $labels.statefulset }}{{ $labels.deployment }} has {{ $value }} ready replica(s): with fewer than ${quorum} ingesters no push succeeds, ` +
                "and without distributors, queriers, query-frontends, query-schedulers, index gateways or the ruler logs are not stored, not queryable or not alerted on. Check the component's pods and events.",
        },
    );
}

/** A workload's rules while it is switched on; none while it is off (they would fire on its absence). */
const when = (on: boolean, rules: AlertRule[]): AlertRule[] => (on ? rules : []);

/** Groups that kept at least one rule: an empty group would only be noise in the rule files. */
const nonEmpty = (groups: RuleGroup[]) => groups.filter((g) => g.rules.length > 0);

/**
 * The env's alert library. Every selector names this env's namespaces (exactly, or the env's
 * namespace regex for volumes), so a rule can never fire on the other env's series even if they
 * reached this Prometheus. Rules of a switched-off workload are left out.
 */
export function prometheusRuleGroups(names: EnvNames, opts: AlertRulesOptions): RuleGroup[] {
    const on = opts.workloads;
    const ns = names.namespaces;
    const w = names.workloads;
    const d = names.dashboardUids;
    const fastapi = { namespace: ns.fastapi, job: w.fastapi.job };
    const t = THRESHOLDS;
    const availability = (namespace: string, deployment: string) => {
        const s = sel({ namespace, deployment });
        // absent() also catches a deleted Deployment; its labels come from the equality matchers.
        return `kube_deployment_status_replicas_available${s} < 1 or absent(kube_deployment_status_replicas_available${s})`;
    };
    const promSel = sel({ namespace: ns.monitoring, job: `${names.monitoringFullname}-prometheus` });
    return nonEmpty([
        {
            name: `fastapi.${names.env}`,
            rules: when(on.fastapi, [
                rule(
                    names,
                    "FastAPIHighErrorRate",
                    `sum by (namespace, job) (rate(http_requests_total${sel({ ...fastapi, status: "~5.." })}[5m]))\n` +
                        `  / sum by (namespace, job) (rate(http_requests_total${sel(fastapi)}[5m])) > ${t.fastapiErrorRatio}`,
                    {
                        for: "5m",
                        severity: "critical",
                        summary: `FastAPI 5xx ratio above ${t.fastapiErrorRatio * 100}% for 5 minutes`,
                        description:
                            "{{ $value | humanizePercentage }} of FastAPI responses are 5xx. Check the FastAPI logs panel and the last rollout; roll back if it started with a deploy.",
                        dashboard: d.fastapiOverview,
                    },
                ),
                rule(
                    names,
                    "FastAPIP95LatencyHigh",
                    `histogram_quantile(0.95, sum by (namespace, job, le) (rate(http_request_duration_seconds_bucket${sel({ ...fastapi, handler: "~/predict.*" })}[5m])))\n` +
                        `  > ${t.fastapiP95Seconds}`,
                    {
                        for: "10m",
                        severity: "warning",
                        summary: `FastAPI prediction p95 latency above ${t.fastapiP95Seconds * 1000} ms for 10 minutes`,
                        description:
                            "p95 of /predict* is {{ $value | humanizeDuration }}. Compare variants on the A/B dashboard and check CPU throttling of the FastAPI pods.",
                        dashboard: d.fastapiModels,
                    },
                ),
                rule(names, "FastAPIInstanceDown", `up${sel(fastapi)} == 0`, {
                    for: "2m",
                    severity: "critical",
                    summary: "A FastAPI instance does not answer its metrics scrape",
                    description:
                        "Target {{ $labels.instance }} of job {{ $labels.job }} is down. Check the pod's events, restarts and readiness (kubectl -n {{ $labels.namespace }} describe pod {{ $labels.pod }}).",
                    dashboard: d.fastapiOverview,
                }),
                rule(names, "FastAPITargetsMissing", `absent(up${sel(fastapi)})`, {
                    for: "10m",
                    severity: "warning",
                    summary: "Prometheus has no FastAPI target at all",
                    description: `No target of job ${w.fastapi.job} exists: the Deployment has no ready endpoints, or its ServiceMonitor no longer matches the Service ${w.fastapi.service}.`,
                    dashboard: d.fastapiOverview,
                }),
            ]),
        },
        {
            name: `logging.${names.env}`,
            rules: [
                rule(
                    names,
                    "LogAgentDown",
                    `kube_daemonset_status_number_unavailable${sel({ namespace: ns.observability, daemonset: names.logAgents[opts.logAgent].daemonSet })} > 0`,
                    {
                        for: "10m",
                        severity: "warning",
                        summary: "The log agent is not running on every node",
                        description: `{{ $value }} node(s) have no ready ${LOG_AGENT_TITLES[opts.logAgent]} pod: their logs are not collected. Check the DaemonSet's pods and events.`,
                        dashboard: d.platform,
                    },
                ),
                lokiDown(names),
                rule(
                    names,
                    "LokiIngestionFailing",
                    `sum by (namespace) (rate(loki_request_duration_seconds_count${sel({ namespace: ns.observability, route: "loki_api_v1_push", status_code: "~5.." })}[5m]))\n` +
                        `  / sum by (namespace) (rate(loki_request_duration_seconds_count${sel({ namespace: ns.observability, route: "loki_api_v1_push" })}[5m])) > 0.05`,
                    {
                        for: "10m",
                        severity: "critical",
                        summary: "Loki rejects more than 5% of log pushes",
                        description:
                            "{{ $value | humanizePercentage }} of pushes fail with 5xx. Check Loki's logs and whether its NFS volume is full or read-only.",
                        dashboard: d.platform,
                    },
                ),
            ],
        },
        {
            name: `workloads.${names.env}`,
            rules: [
                ...when(on.mlflow, [
                    rule(names, "MLflowDown", availability(ns.mlflow, w.mlflow.name), {
                        for: "5m",
                        severity: "critical",
                        summary: "MLflow has no available replica",
                        description: `Deployment ${w.mlflow.name} has no available pod: model registry and tracking are down. Check the pod, its database connection and events.`,
                        dashboard: d.platform,
                    }),
                ]),
                ...when(on.airflow, [
                    rule(names, "AirflowSchedulerDown", availability(ns.airflow, w.airflow.schedulerDeployment), {
                        for: "5m",
                        severity: "critical",
                        summary: "The Airflow scheduler has no available replica",
                        description: `Deployment ${w.airflow.schedulerDeployment} has no available pod: no DAG run is scheduled. Check the scheduler pod and its database connection.`,
                        dashboard: d.dataPipeline,
                    }),
                ]),
            ],
        },
        {
            name: `storage.${names.env}`,
            rules: [
                rule(
                    names,
                    "NfsVolumeFillingUp",
                    `kubelet_volume_stats_available_bytes${sel({ namespace: `~${names.logNamespaceRegex}` })}\n` +
                        `  / kubelet_volume_stats_capacity_bytes${sel({ namespace: `~${names.logNamespaceRegex}` })}\n` +
                        `  * on (namespace, persistentvolumeclaim) group_left (storageclass) kube_persistentvolumeclaim_info${sel({ storageclass: names.storageClasses.nfs })}\n` +
                        `  < ${t.volumeFreeRatio}`,
                    {
                        for: "15m",
                        severity: "warning",
                        summary: `An NFS volume has less than ${t.volumeFreeRatio * 100}% free space`,
                        description:
                            "Claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has {{ $value | humanizePercentage }} free. NFS claims share the export: free space on the NFS server or lower retention.",
                        dashboard: d.platform,
                    },
                ),
                rule(
                    names,
                    "PrometheusTsdbFillingUp",
                    // local-path volumes are host paths, for which the kubelet reports no volume stats:
                    // Prometheus's own on-disk size is measured against the claim instead.
                    `(prometheus_tsdb_storage_blocks_bytes${promSel} + prometheus_tsdb_wal_storage_size_bytes${promSel} + prometheus_tsdb_head_chunks_storage_size_bytes${promSel})\n` +
                        `  / ${opts.tsdbClaimBytes} > ${t.tsdbUsedRatio}`,
                    {
                        for: "30m",
                        severity: "warning",
                        summary: `The Prometheus TSDB uses more than ${t.tsdbUsedRatio * 100}% of its volume`,
                        description:
                            "The TSDB fills {{ $value | humanizePercentage }} of its claim. Lower monitoring.prometheus.retentionSize or raise storageSize before the node disk fills.",
                        dashboard: d.platform,
                    },
                ),
            ],
        },
    ]);
}

/** LogQL alerting rules evaluated by the env's Loki ruler (tenant `fake`); none for a switched-off workload. */
export function lokiRuleGroups(names: EnvNames, on: WorkloadSwitches): RuleGroup[] {
    const ns = names.namespaces;
    const d = names.dashboardUids;
    return nonEmpty([
        {
            name: `logs.${names.env}`,
            rules: [
                ...when(on.fastapi, [
                    rule(
                        names,
                        "FastAPIErrorLogSpike",
                        `sum by (namespace) (count_over_time(${sel({ namespace: ns.fastapi })} |= "ERROR" [5m])) > ${THRESHOLDS.fastapiErrorLines5m}`,
                        {
                            for: "2m",
                            severity: "warning",
                            summary: `More than ${THRESHOLDS.fastapiErrorLines5m} FastAPI ERROR log lines in 5 minutes`,
                            description: "{{ $value }} ERROR lines in 5 minutes. Read them in the FastAPI logs panel.",
                            dashboard: d.fastapiOverview,
                        },
                    ),
                ]),
                ...when(on.airflow, [
                    rule(
                        names,
                        "DataPipelineFailed",
                        `sum by (namespace) (count_over_time(${sel({ namespace: ns.airflow })} |~ "Marking task as FAILED|\\\\[DP\\\\].*status=failed" [10m])) > 0`,
                        {
                            for: "0m",
                            severity: "warning",
                            summary: "A data pipeline task failed",
                            description: "{{ $value }} failure line(s) in Airflow's logs in 10 minutes. Open the data pipeline dashboard for the run's log.",
                            dashboard: d.dataPipeline,
                        },
                    ),
                ]),
            ],
        },
    ]);
}

export interface AlertRulesArgs {
    readonly names: EnvNames;
    readonly namespace: string;
    readonly options: AlertRulesOptions;
}

/**
 * The alert library as a PrometheusRule object of its own, not through the chart's
 * `additionalPrometheusRulesMap`: a rule change then shows as a diff of this object in
 * `pulumi preview` (a Helm release previews only as opaque values) and never upgrades the release.
 */
export class AlertRules extends pulumi.ComponentResource {
    readonly artifacts: Record<string, string>;

    constructor(name: string, args: AlertRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:monitoring:AlertRules", name, {}, opts);
        const { names } = args;
        const groups = prometheusRuleGroups(names, args.options);
        new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: {
                    name: `platform-alerts-${names.env}`,
                    namespace: args.namespace,
                    labels: { ...platformLabels(names.env, "alerting"), ...names.monitoringReleaseLabel },
                },
                spec: { groups },
            },
            { parent: this },
        );
        this.artifacts = { "rules/prometheus.yaml": yaml.dump({ groups }, { lineWidth: -1, noRefs: true }) };
        this.registerOutputs({ artifacts: this.artifacts });
    }
}
