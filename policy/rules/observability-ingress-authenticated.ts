/** Prometheus, Alertmanager and Loki are published only behind authentication. */

import { INGRESS } from "../../components/resourceTypes";
import { charts } from "../../components/versions";
import { EVERY_STACK, Rule } from "../context";
import { chartName, describe, hostsOf, isChart, isObject, objectsIn, valuesOf } from "../values";

const NGINX = "nginx.ingress.kubernetes.io";
const AUTH_TYPE = `${NGINX}/auth-type`;
const AUTH_SECRET = `${NGINX}/auth-secret`;
const AUTH_URL = `${NGINX}/auth-url`;
/** Backends without a login of their own, by Service name or host. Grafana has its own login. */
const UNAUTHENTICATED_BACKEND = /prometheus|alertmanager|loki/;

/** Why an Ingress's annotations let requests through unauthenticated; undefined when they do not. */
function missingAuth(annotations: unknown): string | undefined {
    const a = isObject(annotations) ? annotations : {};
    if (typeof a[AUTH_URL] === "string" && a[AUTH_URL].trim() !== "") return undefined;
    const type = a[AUTH_TYPE];
    if (type === "basic" || type === "digest") {
        return typeof a[AUTH_SECRET] === "string" && a[AUTH_SECRET].trim() !== "" ? undefined : `${AUTH_TYPE} ${type} names no ${AUTH_SECRET}`;
    }
    return `neither ${AUTH_TYPE} with ${AUTH_SECRET} nor ${AUTH_URL}`;
}

/** Service names and hosts an Ingress resource routes to. */
function ingressTargets(spec: Record<string, any> | undefined): string[] {
    const rules: unknown[] = Array.isArray(spec?.rules) ? spec.rules : [];
    const backends = [
        spec?.defaultBackend,
        ...rules.flatMap((rule) => (isObject(rule) && Array.isArray(rule.http?.paths) ? rule.http.paths : []).map((p: any) => p?.backend)),
    ];
    return [...hostsOf(rules), ...backends.map((b) => b?.service?.name).filter((n): n is string => typeof n === "string")];
}

export const observabilityIngressAuth: Rule = {
    name: "observability-ingress-authenticated",
    description:
        "Every Ingress of Prometheus, Alertmanager or Loki (a resource, or the ingress values of the kube-prometheus-stack and Loki charts; Grafana has its own login) authenticates: ingress-nginx auth-type with an auth-secret, or an auth-url.",
    lesson: "a mistyped values key exposed /metrics (nothing is published without authentication: Prometheus, Alertmanager and Loki have no login of their own)",
    roles: EVERY_STACK,
    check(r) {
        if (r.type === INGRESS) {
            const targets = ingressTargets(r.props.spec);
            if (!targets.some((t) => UNAUTHENTICATED_BACKEND.test(t))) return [];
            const why = missingAuth(r.props.metadata?.annotations);
            return why ? [`${describe(r)} publishes ${targets.join(", ")} without authentication: ${why}`] : [];
        }
        if (!isChart(r) || (chartName(r) !== charts.kubePrometheusStack.chart && chartName(r) !== charts.loki.chart)) return [];
        const out: string[] = [];
        for (const { path, key, obj } of objectsIn(valuesOf(r), "values")) {
            if ((key !== "ingress" && key !== "ingressPerReplica") || obj.enabled !== true || path.startsWith("values.grafana.")) continue;
            const why = missingAuth(obj.annotations);
            if (why) out.push(`${describe(r)}: ingress ${path} publishes without authentication: ${why}`);
        }
        return out;
    },
};
