/** Every monitor and rule labelled for its own env only. */

import { ENV_LABEL } from "../../components/naming";
import { charts } from "../../components/versions";
import { ENV_STACKS, Rule } from "../context";
import { at, chartName, describe, isChart, kindOf, metaName, objectsIn, valuesOf } from "../values";

const MONITOR_KINDS = ["ServiceMonitor", "PodMonitor", "Probe", "PrometheusRule", "ScrapeConfig"];
/** Chart values keys under which charts create monitors or rules, each with a `labels` map. */
const MONITOR_VALUE_KEYS = ["serviceMonitor", "podMonitor", "prometheusRule"];
const KPS_SELECTORS = ["serviceMonitor", "podMonitor", "probe", "scrapeConfig", "rule"];

export const monitorsOwnEnv: Rule = {
    name: "monitors-labelled-for-own-env",
    description:
        "Every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule carries release: monitoring-<env> of its own env, and Prometheus selects only that label.",
    lesson: "dev Prometheus showed prod namespaces",
    roles: ENV_STACKS,
    check(r, ctx) {
        const want = `monitoring-${ctx.env}`;
        const out: string[] = [];
        const labelProblem = (what: string, labels: Record<string, any> | undefined) => {
            const release = labels?.release;
            if (release !== want) out.push(`${what} must be labelled release=${want} for its own env only (has release=${release ?? "<none>"})`);
            const envLabel = labels?.[ENV_LABEL];
            if (envLabel !== undefined && envLabel !== ctx.env) out.push(`${what} carries ${ENV_LABEL}=${envLabel}, not ${ctx.env}`);
        };
        const kind = kindOf(r.type);
        if (r.type.startsWith("kubernetes:monitoring.coreos.com/") && MONITOR_KINDS.includes(kind)) {
            labelProblem(`${kind} ${metaName(r)}`, r.props.metadata?.labels);
        }
        if (!isChart(r)) return out;
        for (const { path, key, obj } of objectsIn(valuesOf(r), "values")) {
            if (MONITOR_VALUE_KEYS.includes(key) && obj.enabled === true) {
                labelProblem(`${describe(r)}: ${path}`, obj.labels ?? obj.additionalLabels);
            }
        }
        if (chartName(r) === charts.kubePrometheusStack.chart) {
            for (const sel of KPS_SELECTORS) {
                const path = `prometheus.prometheusSpec.${sel}Selector`;
                const release = at(valuesOf(r), `${path}.matchLabels.release`);
                if (release !== want) out.push(`${describe(r)}: ${path} must select release=${want} only (selects ${release ?? "everything"})`);
            }
        }
        return out;
    },
};
