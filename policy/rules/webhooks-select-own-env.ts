/** Cluster-wide admission webhooks act on their own env only. */

import { ENV_LABEL } from "../../components/naming";
import { charts } from "../../components/versions";
import { CLUSTER_HOOK_LESSON, ENV_STACKS, Rule } from "../context";
import { at, chartName, describe, isChart, isObject, kindOf, valuesOf } from "../values";

const WEBHOOK_CONFIGURATIONS = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

/** Charts that render admission webhooks: the values that switch them on, and where their namespaceSelector goes. */
const CHART_WEBHOOKS: Record<string, { what: string; enabledPaths: string[]; selectorPath: string }[]> = {
    [charts.kubePrometheusStack.chart]: [
        {
            what: "prometheus-operator admission webhooks",
            enabledPaths: ["prometheusOperator.enabled", "prometheusOperator.admissionWebhooks.enabled"],
            selectorPath: "prometheusOperator.admissionWebhooks.namespaceSelector",
        },
    ],
};

/** Whether a label selector requires the env label to be exactly `env` (matchLabels, or `In` with that one value). */
function requiresEnv(selector: unknown, env: string): boolean {
    if (!isObject(selector)) return false;
    if (isObject(selector.matchLabels) && selector.matchLabels[ENV_LABEL] === env) return true;
    const exprs: unknown[] = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
    return exprs.some(
        (e) => isObject(e) && e.key === ENV_LABEL && e.operator === "In" && Array.isArray(e.values) && e.values.length === 1 && e.values[0] === env,
    );
}

const selectorText = (selector: unknown) => (selector === undefined ? "none, so every namespace" : JSON.stringify(selector));

export const webhooksOwnEnv: Rule = {
    name: "webhooks-select-own-env",
    description: `Every admission webhook (a webhook configuration, or a chart's admission-webhook values) selects namespaces by ${ENV_LABEL}=<env> of its own env, so it never mutates or validates another env's objects.`,
    lesson: CLUSTER_HOOK_LESSON,
    roles: ENV_STACKS,
    check(r, ctx) {
        const want = `${ENV_LABEL}=${ctx.env}`;
        if (r.type.startsWith("kubernetes:admissionregistration.k8s.io/") && WEBHOOK_CONFIGURATIONS.includes(kindOf(r.type))) {
            const hooks: unknown[] = Array.isArray(r.props.webhooks) ? r.props.webhooks : [];
            return hooks
                .map((h) => (isObject(h) ? h : {}))
                .filter((h) => !requiresEnv(h.namespaceSelector, ctx.env))
                .map(
                    (h) =>
                        `${describe(r)}: webhook ${h.name ?? "<unnamed>"} must select only namespaces with ${want} (its namespaceSelector: ${selectorText(h.namespaceSelector)})`,
                );
        }
        if (!isChart(r)) return [];
        const values = valuesOf(r);
        return (CHART_WEBHOOKS[chartName(r)] ?? [])
            .filter((w) => w.enabledPaths.every((p) => at(values, p) !== false))
            .filter((w) => !requiresEnv(at(values, w.selectorPath), ctx.env))
            .map((w) => `${describe(r)}: ${w.what} must select only namespaces with ${want} (${w.selectorPath}: ${selectorText(at(values, w.selectorPath))})`);
    },
};
