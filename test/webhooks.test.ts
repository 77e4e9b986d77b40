/**
 * Every cluster-wide hook acts on its own env only: the admission webhooks of each env's
 * prometheus-operator are called only for that env's namespaces, as the pinned chart renders them
 * for the plan's values (test/support/webhookModel.ts) and as the API server matches a webhook's
 * namespaceSelector against the labels of the namespaces both stacks create.
 */
import { describe, expect, it } from "vitest";
import { Plan } from "../scripts/lib/planWriter";
import { StackRun, useBothStacks, valuesOf } from "./support/harness";
import { kubePrometheusStackWebhooks, selects } from "./support/webhookModel";
import { NAMESPACE } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();
const ENVS = [
    ["dev", "prod"],
    ["prod", "dev"],
] as const;

const createdNamespaces = (plan: Plan) =>
    plan.resources.filter((r) => r.type === NAMESPACE).map((r) => (r.inputs as any).metadata as { name: string; labels: Record<string, string> });

describe.each(ENVS)("%s's prometheus-operator admission webhooks", (env, other) => {
    const kps = () => valuesOf(runs[env].plan, `monitoring-${env}`);
    const selector = { matchLabels: { "platform.mlops/env": env } };
    /** Every namespace on the cluster: both envs' with their labels, and two the cluster brings. */
    const clusterNamespaces = () => [
        ...createdNamespaces(runs.dev.plan),
        ...createdNamespaces(runs.prod.plan),
        { name: "kube-system", labels: {} },
        { name: "default", labels: {} },
    ];

    it("select namespaces by the env label the program puts on its namespaces", () => {
        expect(kps().prometheusOperator.admissionWebhooks).toEqual({ namespaceSelector: selector });
        // The chart adds a namespace-name clause of its own if either of these is set.
        expect([kps().prometheusOperator.namespaces, kps().prometheusOperator.denyNamespaces]).toEqual([undefined, undefined]);
    });

    it("render three webhooks, each with exactly that selector", () => {
        expect(kubePrometheusStackWebhooks(`monitoring-${env}`, kps())).toEqual([
            {
                configuration: `MutatingWebhookConfiguration/monitoring-${env}-admission`,
                webhook: "prometheusrulemutate.monitoring.coreos.com",
                resources: ["prometheusrules"],
                namespaceSelector: selector,
            },
            {
                configuration: `ValidatingWebhookConfiguration/monitoring-${env}-admission`,
                webhook: "prometheusrulevalidate.monitoring.coreos.com",
                resources: ["prometheusrules"],
                namespaceSelector: selector,
            },
            {
                configuration: `ValidatingWebhookConfiguration/monitoring-${env}-admission`,
                webhook: "alertmanagerconfigsvalidate.monitoring.coreos.com",
                resources: ["alertmanagerconfigs"],
                namespaceSelector: selector,
            },
        ]);
    });

    it(`act on every namespace of ${env} and on no other`, () => {
        const selected = (v: Record<string, any>) =>
            kubePrometheusStackWebhooks(`monitoring-${env}`, v).map((w) =>
                clusterNamespaces()
                    .filter((n) => selects(w.namespaceSelector, { ...n.labels, "kubernetes.io/metadata.name": n.name }))
                    .map((n) => n.name),
            );
        const own = createdNamespaces(runs[env].plan).map((n) => n.name);
        expect(own).toHaveLength(6);
        expect(selected(kps())).toEqual([own, own, own]);
        // The chart's default (no selector) reaches the other env and the system namespaces too.
        const unscoped = structuredClone(kps());
        delete unscoped.prometheusOperator.admissionWebhooks;
        expect(selected(unscoped)[0]).toEqual(expect.arrayContaining([`monitoring-${other}`, "kube-system"]));
    });
});
