/**
 * The env's dashboards. Every query names the env's namespaces literally (or the env's namespace
 * regex), so a dashboard shows the env's own workloads even where the datasource could see more.
 * The FastAPI metric names are the contract in docs/observability.md ("FastAPI metric contract").
 */
import { WorkloadSwitches } from "../../config/workloads";
import { EnvNames } from "../../naming";
import { sel } from "../selectors";
import { Dashboard, DashboardBuilder, DatasourceRef, Variable } from "./grafana";

const RATE = "$__rate_interval";

export function datasources(names: EnvNames): { prometheus: DatasourceRef; loki: DatasourceRef } {
    return {
        prometheus: { type: "prometheus", uid: names.datasourceUids.prometheus },
        loki: { type: "loki", uid: names.datasourceUids.loki },
    };
}

function fastapiOverview(names: EnvNames): Dashboard {
    const ds = datasources(names);
    const f = { namespace: names.namespaces.fastapi, job: names.workloads.fastapi.job };
    const http = (extra: Record<string, string> = {}) => `http_requests_total${sel({ ...f, ...extra })}`;
    const buckets = `http_request_duration_seconds_bucket${sel(f)}`;
    const pods = sel({ namespace: names.namespaces.fastapi, container: "~.+" });
    const logs = sel({ namespace: names.namespaces.fastapi });
    return new DashboardBuilder(ds.prometheus, ds.loki)
        .stat({ title: "Requests per second", w: 6, unit: "reqps", queries: [{ expr: `sum(rate(${http()}[${RATE}]))` }] })
        .stat({
            title: "5xx ratio",
            w: 6,
            unit: "percentunit",
            queries: [{ expr: `sum(rate(${http({ status: "~5.." })}[${RATE}])) / sum(rate(${http()}[${RATE}]))` }],
        })
        .stat({ title: "p95 latency", w: 6, unit: "s", queries: [{ expr: `histogram_quantile(0.95, sum by (le) (rate(${buckets}[${RATE}])))` }] })
        .stat({ title: "Instances up", w: 6, queries: [{ expr: `sum(up${sel(f)})` }] })
        .timeseries({
            title: "Requests per second by status",
            w: 12,
            unit: "reqps",
            queries: [{ expr: `sum by (status) (rate(${http()}[${RATE}]))`, legend: "{{status}}" }],
        })
        .timeseries({
            title: "Latency p50 / p95",
            w: 12,
            unit: "s",
            queries: [
                { expr: `histogram_quantile(0.5, sum by (le) (rate(${buckets}[${RATE}])))`, legend: "p50" },
                { expr: `histogram_quantile(0.95, sum by (le) (rate(${buckets}[${RATE}])))`, legend: "p95" },
            ],
        })
        .timeseries({
            title: "CPU per pod",
            w: 12,
            unit: "short",
            queries: [{ expr: `sum by (pod) (rate(container_cpu_usage_seconds_total${pods}[${RATE}]))`, legend: "{{pod}}" }],
        })
        .timeseries({
            title: "Memory per pod",
            w: 12,
            unit: "bytes",
            queries: [{ expr: `sum by (pod) (container_memory_working_set_bytes${pods})`, legend: "{{pod}}" }],
        })
        .logs({ title: "FastAPI errors", w: 12, queries: [{ expr: `${logs} |= "ERROR"` }] })
        .logs({ title: "FastAPI logs", w: 12, queries: [{ expr: logs }] })
        .build({
            uid: names.dashboardUids.fastapiOverview,
            title: `FastAPI service overview (${names.env})`,
            tags: ["mlops", "fastapi", names.env],
            variables: [],
            refresh: "30s",
            time: { from: "now-1h", to: "now" },
        });
}

function fastapiModels(names: EnvNames): Dashboard {
    const ds = datasources(names);
    const f = { namespace: names.namespaces.fastapi, job: names.workloads.fastapi.job };
    const byHandler = { ...f, handler: "~$handler" };
    const byVariant = { ...f, variant: "~$variant" };
    const http = (extra: Record<string, string> = {}) => `http_requests_total${sel({ ...byHandler, ...extra })}`;
    const preds = (extra: Record<string, string> = {}) => `model_predictions_total${sel({ ...byVariant, ...extra })}`;
    const variables: Variable[] = [
        {
            name: "handler",
            label: "Handler",
            type: "query",
            datasource: ds.prometheus,
            query: { query: `label_values(http_requests_total${sel(f)}, handler)`, refId: "handler" },
            includeAll: true,
            sample: "/predict",
        },
        {
            name: "variant",
            label: "Variant",
            type: "query",
            datasource: ds.prometheus,
            query: { query: `label_values(model_predictions_total${sel(f)}, variant)`, refId: "variant" },
            includeAll: true,
            sample: "champion",
        },
    ];
    return new DashboardBuilder(ds.prometheus, ds.loki)
        .timeseries({
            title: "Requests per second by handler",
            w: 8,
            unit: "reqps",
            queries: [{ expr: `sum by (handler) (rate(${http()}[${RATE}]))`, legend: "{{handler}}" }],
        })
        .timeseries({
            title: "5xx ratio by handler",
            w: 8,
            unit: "percentunit",
            queries: [
                { expr: `sum by (handler) (rate(${http({ status: "~5.." })}[${RATE}])) / sum by (handler) (rate(${http()}[${RATE}]))`, legend: "{{handler}}" },
            ],
        })
        .timeseries({
            title: "p95 latency by handler",
            w: 8,
            unit: "s",
            queries: [
                {
                    expr: `histogram_quantile(0.95, sum by (handler, le) (rate(http_request_duration_seconds_bucket${sel(byHandler)}[${RATE}])))`,
                    legend: "{{handler}}",
                },
            ],
        })
        .timeseries({
            title: "Predictions per second by variant and mode",
            w: 8,
            unit: "reqps",
            queries: [{ expr: `sum by (variant, mode) (rate(${preds()}[${RATE}]))`, legend: "{{variant}} ({{mode}})" }],
        })
        .timeseries({
            title: "A/B traffic share (split mode)",
            w: 8,
            unit: "percentunit",
            description: "Share of each variant among requests routed by the A/B split; explicit and shadow calls are left out.",
            queries: [
                {
                    expr: `sum by (variant) (rate(${preds({ mode: "split" })}[${RATE}])) / ignoring (variant) group_left sum(rate(${preds({ mode: "split" })}[${RATE}]))`,
                    legend: "{{variant}}",
                },
            ],
        })
        .timeseries({
            title: "Prediction error ratio by variant",
            w: 8,
            unit: "percentunit",
            queries: [
                {
                    expr: `sum by (variant) (rate(${preds({ outcome: "error" })}[${RATE}])) / sum by (variant) (rate(${preds()}[${RATE}]))`,
                    legend: "{{variant}}",
                },
            ],
        })
        .timeseries({
            title: "Model p95 latency by variant",
            w: 12,
            unit: "s",
            queries: [
                {
                    expr: `histogram_quantile(0.95, sum by (variant, le) (rate(model_prediction_duration_seconds_bucket${sel(byVariant)}[${RATE}])))`,
                    legend: "{{variant}}",
                },
            ],
        })
        .table({
            title: "Top failing handlers (non-2xx, 5m)",
            w: 12,
            queries: [
                { expr: `topk(10, sum by (handler, method, status) (rate(${http({ status: "!~2.." })}[5m])))`, legend: "{{handler}} {{method}} {{status}}" },
            ],
        })
        .logs({ title: "Prediction logs", w: 24, queries: [{ expr: `${sel({ namespace: names.namespaces.fastapi })} |~ "predict|variant"` }] })
        .build({
            uid: names.dashboardUids.fastapiModels,
            title: `FastAPI A/B and model deep dive (${names.env})`,
            tags: ["mlops", "fastapi", "models", names.env],
            variables,
            refresh: "30s",
            time: { from: "now-6h", to: "now" },
        });
}

function platform(names: EnvNames): Dashboard {
    const ds = datasources(names);
    const envNs = { namespace: `~${names.logNamespaceRegex}` };
    const rootFs = sel({ mountpoint: "/", fstype: "!tmpfs" });
    const vol = (m: string) => `sum by (namespace, persistentvolumeclaim) (${m}${sel(envNs)})`;
    return new DashboardBuilder(ds.prometheus, ds.loki)
        .timeseries({
            title: "Node CPU usage",
            w: 8,
            unit: "percent",
            queries: [{ expr: `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total${sel({ mode: "idle" })}[${RATE}])))`, legend: "{{instance}}" }],
        })
        .timeseries({
            title: "Node memory usage",
            w: 8,
            unit: "percent",
            queries: [
                {
                    expr: `100 * (1 - sum by (instance) (node_memory_MemAvailable_bytes) / sum by (instance) (node_memory_MemTotal_bytes))`,
                    legend: "{{instance}}",
                },
            ],
        })
        .timeseries({
            title: "Node root filesystem usage",
            w: 8,
            unit: "percent",
            queries: [
                {
                    expr: `100 * (1 - sum by (instance) (node_filesystem_avail_bytes${rootFs}) / sum by (instance) (node_filesystem_size_bytes${rootFs}))`,
                    legend: "{{instance}}",
                },
            ],
        })
        .timeseries({
            title: "Pods by phase",
            w: 12,
            queries: [{ expr: `sum by (namespace, phase) (kube_pod_status_phase${sel(envNs)} > 0)`, legend: "{{phase}} {{namespace}}" }],
        })
        .timeseries({
            title: "Container restarts (1h)",
            w: 12,
            queries: [
                { expr: `sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total${sel(envNs)}[1h])) > 0`, legend: "{{namespace}}/{{pod}}" },
            ],
        })
        .table({
            title: "Unavailable replicas",
            w: 12,
            queries: [
                {
                    expr: `sum by (namespace, deployment) (kube_deployment_status_replicas_unavailable${sel(envNs)}) > 0`,
                    legend: "{{namespace}}/{{deployment}}",
                },
            ],
        })
        .timeseries({
            title: "Volume usage (claims with kubelet stats, e.g. NFS)",
            w: 12,
            unit: "percent",
            queries: [
                {
                    expr: `100 * (1 - ${vol("kubelet_volume_stats_available_bytes")} / ${vol("kubelet_volume_stats_capacity_bytes")})`,
                    legend: "{{namespace}}/{{persistentvolumeclaim}}",
                },
            ],
        })
        .timeseries({
            title: "Prometheus TSDB size",
            w: 12,
            unit: "bytes",
            queries: [
                {
                    expr: `sum by (namespace) (prometheus_tsdb_storage_blocks_bytes${sel({ namespace: names.namespaces.monitoring })})`,
                    legend: "{{namespace}}",
                },
            ],
        })
        .timeseries({
            title: "Loki pushes by status",
            w: 12,
            unit: "reqps",
            queries: [
                {
                    expr: `sum by (status_code) (rate(loki_request_duration_seconds_count${sel({ namespace: names.namespaces.observability, route: "loki_api_v1_push" })}[${RATE}]))`,
                    legend: "{{status_code}}",
                },
            ],
        })
        .table({
            title: "Firing alerts",
            w: 24,
            queries: [
                {
                    expr: `sum by (alertname, namespace, severity) (ALERTS${sel({ alertstate: "firing" })})`,
                    legend: "{{alertname}} {{namespace}} {{severity}}",
                },
            ],
        })
        .build({
            uid: names.dashboardUids.platform,
            title: `Platform: Kubernetes and nodes (${names.env})`,
            tags: ["mlops", "platform", names.env],
            variables: [],
            refresh: "1m",
            time: { from: "now-6h", to: "now" },
        });
}

function dataPipeline(names: EnvNames): Dashboard {
    const ds = datasources(names);
    const airflow = sel({ namespace: names.namespaces.airflow });
    const pipeline = `| regexp "pipeline=(?P<pipeline>\\\\S+)" | pipeline=~"$pipeline"`;
    const variables: Variable[] = [{ name: "pipeline", label: "Pipeline (regex)", type: "textbox", query: ".+", sample: ".+" }];
    return new DashboardBuilder(ds.prometheus, ds.loki)
        .logMetrics({
            title: "Pipeline runs (summarize_run steps)",
            w: 12,
            queries: [
                { expr: `sum by (pipeline) (count_over_time(${airflow} |= "[DP]" |= "step=summarize_run" ${pipeline} [$__interval]))`, legend: "{{pipeline}}" },
            ],
        })
        .logMetrics({
            title: "Pipeline failures",
            w: 12,
            queries: [
                { expr: `sum by (pipeline) (count_over_time(${airflow} |= "[DP]" |= "status=failed" ${pipeline} [$__interval]))`, legend: "{{pipeline}}" },
                {
                    expr: `sum by (namespace) (count_over_time(${airflow} |= "Marking task as FAILED" [$__interval]))`,
                    legend: "Airflow task failures ({{namespace}})",
                },
            ],
        })
        .stat({
            title: "Scheduler available replicas",
            w: 12,
            queries: [
                {
                    expr: `sum(kube_deployment_status_replicas_available${sel({ namespace: names.namespaces.airflow, deployment: names.workloads.airflow.schedulerDeployment })})`,
                },
            ],
        })
        .stat({
            title: "Airflow pods not running",
            w: 12,
            queries: [{ expr: `sum(kube_pod_status_phase${sel({ namespace: names.namespaces.airflow, phase: "~Pending|Failed|Unknown" })})` }],
        })
        .logs({ title: "Data pipeline logs ([DP])", w: 24, queries: [{ expr: `${airflow} |= "[DP]" |~ "pipeline=$pipeline"` }] })
        .logs({ title: "Failure lines", w: 24, queries: [{ expr: `${airflow} |~ "Marking task as FAILED|\\\\[DP\\\\].*status=failed"` }] })
        .build({
            uid: names.dashboardUids.dataPipeline,
            title: `Data pipeline logs and runs (${names.env})`,
            tags: ["mlops", "data-pipeline", "loki", names.env],
            variables,
            refresh: "30s",
            time: { from: "now-6h", to: "now" },
        });
}

/** Every dashboard of the env but those of a switched-off workload (the platform dashboard covers every namespace of the env). */
export function envDashboards(names: EnvNames, on: WorkloadSwitches): Dashboard[] {
    return [...(on.fastapi ? [fastapiOverview(names), fastapiModels(names)] : []), platform(names), ...(on.airflow ? [dataPipeline(names)] : [])];
}
