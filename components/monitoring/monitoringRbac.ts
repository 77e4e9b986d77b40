/**
 * The permissions of kube-prometheus-stack's controllers, declared by the program.
 *
 * The chart (88.5.3) gives prometheus-operator one ClusterRole with `*` on Secrets, ConfigMaps,
 * StatefulSets and every monitoring.coreos.com resource, bound cluster-wide
 * (templates/prometheus-operator/clusterrole.yaml); `prometheusOperator.namespaces` and
 * `denyNamespaces` only set the operator's `--namespaces` flags and the webhooks' selectors, never
 * a Role. So each env's operator could rewrite the other env's Secrets, StatefulSets and Prometheus,
 * and its certificate Job could patch any webhook configuration (job-patch/clusterrole.yaml, no
 * resourceNames). `global.rbac.create: false` switches off all of the chart's RBAC (operator,
 * Prometheus, the webhook Jobs, aggregated roles; the subcharts have their own switches) and these
 * grants take its place, split by where each permission is used (prometheus-operator v0.93):
 *
 * - the env's monitoring namespace holds its Prometheus, Alertmanager and their generated Secrets,
 *   ConfigMaps, StatefulSets and governing Services (`*InstanceNamespaces` and
 *   `alertmanagerConfigNamespaces` keep every informer for them there);
 * - in the env's other namespaces the operator reads only the Secrets and ConfigMaps a monitor there
 *   may reference (basic auth, TLS, bearer tokens: `pkg/assets`, a direct get);
 * - kube-system holds the env's kubelet Service and Endpoints (`get`/`update` by name; `create`
 *   cannot be limited by name in RBAC). Endpoint slices stay off (the chart's default
 *   `kubeletEndpointSliceEnabled: false`): the operator names them by generateName, so no rule could
 *   limit its updates and deletes to its own;
 * - cluster-wide it only reads: monitors and rules in every namespace (selected afterwards by the
 *   Prometheus's namespace selector), namespaces, nodes (kubelet addresses), storage classes.
 *
 * Events are not granted: the operator asks for `create` on events in all namespaces at start
 * (SelfSubjectAccessReview without namespace) and, lacking it, logs "missing permission to emit
 * events" and runs without them. Status and conditions on the Prometheus objects stay.
 */
import { EnvNames, SYSTEM_NAMESPACE } from "../naming";
import { RbacGrant, RbacRule, inNamespaces, readRule } from "../rbac";

const MONITORING_GROUP = "monitoring.coreos.com";

/**
 * Every prometheus-operator custom resource with its subresources, as the operator's documented role
 * and kube-prometheus-stack's ClusterRole (88.5.3) both list them.
 */
export const OPERATOR_RESOURCES: readonly string[] = [
    "alertmanagers",
    "alertmanagers/finalizers",
    "alertmanagers/status",
    "alertmanagerconfigs",
    "prometheuses",
    "prometheuses/finalizers",
    "prometheuses/status",
    "prometheusagents",
    "prometheusagents/finalizers",
    "prometheusagents/status",
    "thanosrulers",
    "thanosrulers/finalizers",
    "thanosrulers/status",
    "scrapeconfigs",
    "scrapeconfigs/status",
    "servicemonitors",
    "servicemonitors/status",
    "podmonitors",
    "podmonitors/status",
    "probes",
    "probes/status",
    "prometheusrules",
    "prometheusrules/status",
];

/** Monitors and rules: listed and watched in every namespace, then selected by the Prometheus's selectors. */
const SELECTED_RESOURCES = ["servicemonitors", "podmonitors", "probes", "scrapeconfigs", "prometheusrules"];

/** The operator in its instance namespace: the chart's rules for everything that lives there. */
export const OPERATOR_INSTANCE_RULES: readonly RbacRule[] = [
    { apiGroups: [MONITORING_GROUP], resources: OPERATOR_RESOURCES, verbs: ["*"] },
    { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["*"] },
    { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["*"] },
    // Pods of an old version are deleted on a version migration.
    { apiGroups: [""], resources: ["pods"], verbs: ["list", "delete"] },
    // The governing Services prometheus-operated and alertmanager-operated.
    { apiGroups: [""], resources: ["services", "services/finalizers"], verbs: ["get", "create", "update", "delete"] },
];

/** The operator in the env's other namespaces: credentials a monitor there references. */
export const OPERATOR_REFERENCE_RULES: readonly RbacRule[] = [{ apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get"] }];

/** The operator's kubelet Service and Endpoints in kube-system, by name where RBAC can. */
export function operatorKubeletRules(kubeletService: string): RbacRule[] {
    return [
        { apiGroups: [""], resources: ["services", "endpoints"], resourceNames: [kubeletService], verbs: ["get", "update"] },
        { apiGroups: [""], resources: ["services", "endpoints"], verbs: ["create"] },
    ];
}

export const OPERATOR_CLUSTER_READ_RULES: readonly RbacRule[] = [
    readRule([MONITORING_GROUP], SELECTED_RESOURCES),
    readRule([""], ["namespaces"]),
    { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get"] },
];

/**
 * Prometheus's service discovery and the API server's and kubelets' metrics paths: the chart's
 * read-only role for the values the program leaves at the chart's defaults (cAdvisor scraped, the
 * kubelet resource path and the kube-rbac-proxy of the exporters off).
 */
export const PROMETHEUS_DISCOVERY_RULES: readonly RbacRule[] = [
    readRule([""], ["nodes", "nodes/metrics", "services", "endpoints", "pods"]),
    readRule(["discovery.k8s.io"], ["endpointslices"]),
    readRule(["networking.k8s.io"], ["ingresses"]),
    { nonResourceURLs: ["/metrics", "/metrics/cadvisor"], verbs: ["get"] },
];

/**
 * The admission webhook's certificate Jobs (Helm hooks): the first creates the certificate Secret,
 * the second writes its CA into the env's two webhook configurations (kube-webhook-certgen: get,
 * then apply or update, each by name).
 */
export function admissionPatchRules(name: string): { cluster: RbacRule[]; namespace: RbacRule[] } {
    return {
        cluster: [
            {
                apiGroups: ["admissionregistration.k8s.io"],
                resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
                resourceNames: [name],
                verbs: ["get", "update", "patch"],
            },
        ],
        namespace: [
            { apiGroups: [""], resources: ["secrets"], resourceNames: [name], verbs: ["get"] },
            { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
        ],
    };
}

/**
 * Every grant of the env's monitoring controllers. `envNamespaces` are the namespaces the env
 * creates (the monitoring namespace among them); a Role in one that is not created could not exist.
 */
export function monitoringGrants(names: EnvNames, envNamespaces: readonly string[]): RbacGrant[] {
    const monitoring = names.namespaces.monitoring;
    const sa = (name: string) => ({ namespace: monitoring, name });
    const operator = sa(names.serviceAccounts.monitoringOperator);
    const admission = admissionPatchRules(names.serviceAccounts.admissionPatch);
    return [
        { name: names.rbac.operator, namespace: monitoring, subject: operator, rules: OPERATOR_INSTANCE_RULES },
        ...inNamespaces(
            envNamespaces.filter((ns) => ns !== monitoring),
            { name: names.rbac.operator, subject: operator, rules: OPERATOR_REFERENCE_RULES },
        ),
        { name: names.rbac.operatorKubelet, namespace: SYSTEM_NAMESPACE, subject: operator, rules: operatorKubeletRules(names.kubeletService) },
        { name: names.rbac.operatorClusterRead, subject: operator, rules: OPERATOR_CLUSTER_READ_RULES },
        { name: names.rbac.prometheusDiscovery, subject: sa(names.serviceAccounts.prometheus), rules: PROMETHEUS_DISCOVERY_RULES },
        { name: names.rbac.admissionPatch, subject: sa(names.serviceAccounts.admissionPatch), rules: admission.cluster },
        { name: names.rbac.admissionPatch, namespace: monitoring, subject: sa(names.serviceAccounts.admissionPatch), rules: admission.namespace },
    ];
}
