/** Prometheus TSDB never on NFS. */

import { PROMETHEUS } from "../../components/resourceTypes";
import { charts } from "../../components/versions";
import { EVERY_STACK, Rule, isNfsClass } from "../context";
import { at, chartName, describe, isChart, valuesOf } from "../values";

export const tsdbNotOnNfs: Rule = {
    name: "prometheus-tsdb-not-on-nfs",
    description: "The Prometheus TSDB has an explicit storage class that is not NFS (local-path).",
    lesson: "Prometheus slow on NFS",
    roles: EVERY_STACK,
    check(r, ctx) {
        let sc: unknown;
        let where: string;
        if (isChart(r) && chartName(r) === charts.kubePrometheusStack.chart) {
            if (at(valuesOf(r), "prometheus.enabled") === false) return [];
            where = "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName";
            sc = at(valuesOf(r), where);
        } else if (r.type === PROMETHEUS) {
            where = "spec.storage.volumeClaimTemplate.spec.storageClassName";
            sc = at(r.props, where);
        } else {
            return [];
        }
        if (sc === undefined) return [`${describe(r)}: the Prometheus TSDB has no storage class (${where}); it must be a local-path class, never NFS`];
        if (isNfsClass(sc, ctx)) return [`${describe(r)}: the Prometheus TSDB is on NFS class ${sc}; it must be on a local-path class`];
        return [];
    },
};
