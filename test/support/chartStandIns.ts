/**
 * Stand-ins for what the Kubernetes provider renders from a helm.v4.Chart under the engine. The
 * mock runtime cannot render a chart (no Helm, no network, and no chart source may be copied here),
 * so each stand-in returns the objects the pinned chart renders for the program's values as far as
 * the engine and the policies see them: kind, name, namespace, Helm's standard labels (with
 * `helm.sh/chart: <chart>-<version>`), and the fields the program relies on. Object contents the
 * program does not set or read are left out. The chart's own transforms then run on them
 * (engineView.ts), as the engine runs them on the provider's registrations.
 *
 * Stand-ins exist for every chart the program renders: Promtail (env stacks) and
 * prometheus-operator-crds (the cluster stack).
 *
 * One engine behaviour is modelled on purpose: before the prometheus-operator CRDs exist, the
 * provider cannot tell that a ServiceMonitor is namespaced and renders it without a namespace
 * (../shared/engine/README.md, point 4).
 */
import { ChartRenderRequest, ChartRenderer, RenderedObject } from "../../scripts/lib/engineView";

type Obj = Record<string, any>;

function helmLabels(req: ChartRenderRequest): Record<string, string> {
    return {
        "helm.sh/chart": `${req.chart}-${req.version}`,
        "app.kubernetes.io/name": req.chart,
        "app.kubernetes.io/instance": req.release,
        "app.kubernetes.io/managed-by": "Helm",
    };
}

/** Promtail 6.17.x: ServiceAccount, config Secret, ClusterRole(Binding), DaemonSet, metrics Service, ServiceMonitor. */
export const promtailStandIn: ChartRenderer = (req) => {
    const values = req.values as Obj;
    const labels = helmLabels(req);
    const selector = { "app.kubernetes.io/name": req.chart, "app.kubernetes.io/instance": req.release };
    const namespaced = (apiVersion: string, kind: string, name: string, extra: Obj = {}): RenderedObject => ({
        apiVersion,
        kind,
        metadata: { name, namespace: req.namespace, labels },
        ...extra,
    });
    const objects: RenderedObject[] = [
        namespaced("v1", "ServiceAccount", req.release),
        namespaced("v1", "Secret", req.release),
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: req.release, labels } },
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: req.release, labels } },
        namespaced("apps/v1", "DaemonSet", req.release, {
            spec: {
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels: selector },
                    // The chart has no values key for terminationGracePeriodSeconds: none is rendered.
                    spec: {
                        serviceAccountName: req.release,
                        containers: [{ name: "promtail", volumeMounts: values.defaultVolumeMounts ?? [] }],
                        volumes: [{ name: "config", secret: { secretName: req.release } }, ...(values.defaultVolumes ?? [])],
                    },
                },
            },
        }),
    ];
    if (values.service?.enabled === true || values.serviceMonitor?.enabled === true) {
        objects.push(namespaced("v1", "Service", `${req.release}-metrics`, { spec: { clusterIP: "None", selector } }));
    }
    if (values.serviceMonitor?.enabled === true) {
        const namespace = req.crdsInstalled ? (values.serviceMonitor.namespace ?? req.namespace) : undefined;
        objects.push({
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: { name: req.release, ...(namespace ? { namespace } : {}), labels: { ...labels, ...(values.serviceMonitor.labels ?? {}) } },
            spec: { selector: { matchLabels: selector }, endpoints: [{ port: "http-metrics" }] },
        });
    }
    return objects;
};

/** The operator version each prometheus-operator-crds chart version carries (its Chart.yaml appVersion, without the v). */
const CRDS_CHART_OPERATOR: Readonly<Record<string, string>> = { "31.0.1": "0.93.1" };

/** The chart's ten CRDs: values key (`crds.<key>.enabled`) and kind; all namespaced, group monitoring.coreos.com. */
const OPERATOR_CRDS: readonly (readonly [string, string])[] = [
    ["alertmanagerconfigs", "AlertmanagerConfig"],
    ["alertmanagers", "Alertmanager"],
    ["podmonitors", "PodMonitor"],
    ["probes", "Probe"],
    ["prometheusagents", "PrometheusAgent"],
    ["prometheuses", "Prometheus"],
    ["prometheusrules", "PrometheusRule"],
    ["scrapeconfigs", "ScrapeConfig"],
    ["servicemonitors", "ServiceMonitor"],
    ["thanosrulers", "ThanosRuler"],
];

/**
 * prometheus-operator-crds 31.0.x: one CustomResourceDefinition per template of its `crds` subchart,
 * each unless `crds.<plural>.enabled` is false, annotated with `crds.annotations` and
 * `operator.prometheus.io/version`. The chart puts no label on them, not even Helm's: the program's
 * chart transform adds the chart label (components/helm.ts). The schemas (4.5 MB) are left out.
 */
export const prometheusOperatorCrdsStandIn: ChartRenderer = (req) => {
    const operator = CRDS_CHART_OPERATOR[req.version];
    if (!operator) throw new Error(`prometheusOperatorCrdsStandIn: no operator version known for chart ${req.chart}@${req.version}; read its appVersion`);
    const crds = ((req.values as Obj).crds ?? {}) as Obj;
    return OPERATOR_CRDS.filter(([plural]) => crds[plural]?.enabled !== false).map(([plural, kind]) => ({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${plural}.monitoring.coreos.com`, annotations: { ...(crds.annotations ?? {}), "operator.prometheus.io/version": operator } },
        spec: { group: "monitoring.coreos.com", names: { kind, plural }, scope: "Namespaced" },
    }));
};

export const CHART_STAND_INS: Readonly<Record<string, ChartRenderer>> = {
    promtail: promtailStandIn,
    "prometheus-operator-crds": prometheusOperatorCrdsStandIn,
};
