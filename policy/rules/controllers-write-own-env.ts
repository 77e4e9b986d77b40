/** Cluster-wide permissions let controllers write to their own env only. */

import { CLUSTER_ROLE } from "../../components/resourceTypes";
import { charts } from "../../components/versions";
import { CLUSTER_HOOK_LESSON, EVERY_STACK, Rule } from "../context";
import { at, chartName, describe, isChart, isObject, valuesOf } from "../values";

/** Resources Kubernetes keeps cluster-scoped: the only ones a ClusterRole may write (subresources by their resource). */
const CLUSTER_SCOPED_RESOURCES = new Set([
    "persistentvolumes",
    "nodes",
    "namespaces",
    "storageclasses",
    "volumeattachments",
    "csinodes",
    "csidrivers",
    "clusterroles",
    "clusterrolebindings",
    "customresourcedefinitions",
    "priorityclasses",
    "ingressclasses",
    "runtimeclasses",
    "apiservices",
    "certificatesigningrequests",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
]);
const WRITE_VERBS = new Set(["*", "create", "update", "patch", "delete", "deletecollection"]);

/** Charts whose own RBAC gives a controller writes in every namespace: the switch that must be off. */
const CHART_RBAC_SWITCHES: Record<string, { path: string; grants: string }> = {
    [charts.kubePrometheusStack.chart]: {
        path: "global.rbac.create",
        grants: "prometheus-operator * on Secrets, ConfigMaps, StatefulSets and Prometheus objects",
    },
    [charts.nfsSubdirProvisioner.chart]: { path: "rbac.create", grants: "the provisioner updates of claims and events" },
};

export const controllersWriteOwnEnv: Rule = {
    name: "controllers-write-own-env",
    description:
        "No ClusterRole grants writes on namespaced resources (those are Roles in the env's namespaces), and no chart is asked for its own RBAC where that would grant a controller writes in every namespace.",
    lesson: CLUSTER_HOOK_LESSON,
    roles: EVERY_STACK,
    check(r) {
        if (isChart(r)) {
            const sw = CHART_RBAC_SWITCHES[chartName(r)];
            if (!sw || at(valuesOf(r), sw.path) === false) return [];
            return [`${describe(r)}: ${sw.path} must be false: the chart's own RBAC grants ${sw.grants} in every namespace; declare namespaced Roles instead`];
        }
        if (r.type !== CLUSTER_ROLE) return [];
        const rules: unknown[] = Array.isArray(r.props.rules) ? r.props.rules : [];
        return rules.filter(isObject).flatMap((rule) => {
            const verbs = (Array.isArray(rule.verbs) ? rule.verbs : []).filter((v: unknown) => WRITE_VERBS.has(String(v)));
            const namespaced = (Array.isArray(rule.resources) ? rule.resources : []).filter(
                (res: unknown) => !CLUSTER_SCOPED_RESOURCES.has(String(res).split("/")[0]!),
            );
            if (!verbs.length || !namespaced.length) return [];
            return [
                `${describe(r)} grants ${verbs.join(",")} on ${namespaced.join(",")} in every namespace; grant it with a Role in each of the env's namespaces`,
            ];
        });
    },
};
