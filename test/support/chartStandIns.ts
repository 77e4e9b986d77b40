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

/** Helm's `tpl` on text whose only actions are the `{{ "{{" }}` escapes helmTplLiteral writes. */
const tplLiterals = (text: string) => text.replace(/\{\{ "\{\{" \}\}/g, "{{");

/**
 * Alloy 1.11.x as a DaemonSet (templates/rbac.yaml, configmap.yaml, service.yaml, servicemonitor.yaml,
 * controllers/daemonset.yaml with _pod.yaml and containers/_agent.yaml; the crds subchart): every
 * object is named after the fullname, which is the release when it contains "alloy".
 */
export const alloyStandIn: ChartRenderer = (req) => {
    const values = req.values as Obj;
    const alloy = values.alloy ?? {};
    const fullname = req.release.includes(req.chart) ? req.release : `${req.release}-${req.chart}`;
    const selector = { "app.kubernetes.io/name": req.chart, "app.kubernetes.io/instance": req.release };
    const labels = (component: string) => ({ ...helmLabels(req), "app.kubernetes.io/part-of": "alloy", "app.kubernetes.io/component": component });
    const namespaced = (apiVersion: string, kind: string, component: string, extra: Obj = {}): RenderedObject => ({
        apiVersion,
        kind,
        metadata: { name: fullname, namespace: req.namespace, labels: labels(component) },
        ...extra,
    });
    const objects: RenderedObject[] = [];
    // The crds subchart (condition crds.create, default true): a cluster-scoped CRD every release would own.
    if (values.crds?.create !== false) {
        objects.push({
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "podlogs.monitoring.grafana.com" },
        });
    }
    objects.push(namespaced("v1", "ServiceAccount", "rbac"));
    const content = alloy.configMap?.content ?? "";
    objects.push(namespaced("v1", "ConfigMap", "config", { data: { "config.alloy": tplLiterals(content).replace(/\n$/, "") } }));
    if (values.rbac?.create !== false) {
        const rules = [...(values.rbac?.rules ?? []), ...(values.rbac?.clusterRules ?? [])];
        objects.push({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: fullname, labels: labels("rbac") }, rules });
        objects.push({
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: fullname, labels: labels("rbac") },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: fullname },
            subjects: [{ kind: "ServiceAccount", name: fullname, namespace: req.namespace }],
        });
    }
    if (values.service?.enabled !== false) {
        objects.push(namespaced("v1", "Service", "networking", { spec: { selector, ports: [{ name: "http-metrics", port: 12345, targetPort: 12345 }] } }));
    }
    const mounts = alloy.mounts ?? {};
    const hostVolumes = [
        ...(mounts.varlog ? [{ name: "varlog", hostPath: { path: "/var/log" } }] : []),
        ...(mounts.dockercontainers ? [{ name: "dockercontainers", hostPath: { path: "/var/lib/docker/containers" } }] : []),
    ];
    const hostMounts = [
        ...(mounts.varlog ? [{ name: "varlog", mountPath: "/var/log", readOnly: true }] : []),
        ...(mounts.dockercontainers ? [{ name: "dockercontainers", mountPath: "/var/lib/docker/containers", readOnly: true }] : []),
    ];
    const controller = values.controller ?? {};
    objects.push({
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: fullname, namespace: req.namespace, labels: { ...helmLabels(req), "app.kubernetes.io/part-of": "alloy" } },
        spec: {
            selector: { matchLabels: selector },
            template: {
                metadata: { labels: selector },
                spec: {
                    serviceAccountName: fullname,
                    containers: [
                        {
                            name: "alloy",
                            args: ["run", "/etc/alloy/config.alloy", `--storage.path=${alloy.storagePath ?? "/tmp/alloy"}`],
                            ...(alloy.resources ? { resources: alloy.resources } : {}),
                            volumeMounts: [{ name: "config", mountPath: "/etc/alloy" }, ...hostMounts, ...(mounts.extra ?? [])],
                        },
                        ...(values.configReloader?.enabled === false
                            ? []
                            : [{ name: "config-reloader", volumeMounts: [{ name: "config", mountPath: "/etc/alloy" }] }]),
                    ],
                    // Rendered only when the value is set (the chart's `if`), else Kubernetes' 30 s applies.
                    ...(controller.terminationGracePeriodSeconds ? { terminationGracePeriodSeconds: controller.terminationGracePeriodSeconds } : {}),
                    volumes: [{ name: "config", configMap: { name: fullname } }, ...hostVolumes, ...(controller.volumes?.extra ?? [])],
                },
            },
        },
    });
    if (values.service?.enabled !== false && values.serviceMonitor?.enabled === true) {
        const namespace = req.crdsInstalled ? req.namespace : undefined;
        objects.push({
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: {
                name: fullname,
                ...(namespace ? { namespace } : {}),
                labels: { ...labels("metrics"), ...(values.serviceMonitor.additionalLabels ?? {}) },
            },
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
    alloy: alloyStandIn,
    "prometheus-operator-crds": prometheusOperatorCrdsStandIn,
};
