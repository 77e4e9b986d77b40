/**
 * The admission webhooks kube-prometheus-stack 88.5.3 renders, modelled from
 * templates/prometheus-operator/admission-webhooks/{mutating,validating}WebhookConfiguration.yaml for
 * the values a plan gives it: which webhooks exist and the namespaceSelector each one gets. The API
 * server calls a webhook for an object only in namespaces its selector matches (an absent selector
 * matches every namespace), so this says which envs' PrometheusRules and AlertmanagerConfigs an
 * env's operator mutates and validates.
 */
type Values = Record<string, any>;

export interface LabelSelector {
    readonly matchLabels?: Readonly<Record<string, string>>;
    readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export interface RenderedWebhook {
    /** `<kind>/<name>` of the configuration. */
    readonly configuration: string;
    readonly webhook: string;
    readonly resources: readonly string[];
    /** Absent: the webhook is called for every namespace. */
    readonly namespaceSelector?: LabelSelector;
}

/** Helm's truthiness: empty maps, lists and strings are false. */
const truthy = (v: unknown) => (Array.isArray(v) ? v.length > 0 : typeof v === "object" && v !== null ? Object.keys(v).length > 0 : Boolean(v));

/** The namespaceSelector block each of the three webhooks renders (the templates repeat it verbatim). */
function namespaceSelector(op: Values, releaseNamespace: string): LabelSelector | undefined {
    const sel: Values = op.admissionWebhooks?.namespaceSelector ?? {};
    const { namespaces, denyNamespaces } = op;
    if (!(truthy(denyNamespaces) || truthy(namespaces) || truthy(sel))) return undefined;
    const { matchExpressions, ...rest } = sel;
    const out: Values = { ...rest };
    if (truthy(denyNamespaces) || truthy(namespaces) || truthy(matchExpressions)) {
        const exprs = [...(matchExpressions ?? [])];
        if (truthy(denyNamespaces)) {
            exprs.push({ key: "kubernetes.io/metadata.name", operator: "NotIn", values: [...new Set(denyNamespaces as string[])] });
        } else if (truthy(namespaces) && truthy(namespaces.additional)) {
            const own = namespaces.releaseNamespace ? [releaseNamespace] : [];
            exprs.push({ key: "kubernetes.io/metadata.name", operator: "In", values: [...own, ...new Set(namespaces.additional as string[])] });
        }
        out.matchExpressions = exprs;
    }
    return out;
}

export function kubePrometheusStackWebhooks(namespace: string, v: Values): RenderedWebhook[] {
    const op: Values = v.prometheusOperator ?? {};
    if (op.enabled === false || op.admissionWebhooks?.enabled === false) return [];
    const name = `${String(v.fullnameOverride).slice(0, 26).replace(/-$/, "")}-admission`;
    const selector = namespaceSelector(op, namespace);
    const hook = (kind: string, webhook: string, resources: string[]): RenderedWebhook => ({
        configuration: `${kind}/${name}`,
        webhook,
        resources,
        ...(selector ? { namespaceSelector: selector } : {}),
    });
    return [
        hook("MutatingWebhookConfiguration", "prometheusrulemutate.monitoring.coreos.com", ["prometheusrules"]),
        hook("ValidatingWebhookConfiguration", "prometheusrulevalidate.monitoring.coreos.com", ["prometheusrules"]),
        hook("ValidatingWebhookConfiguration", "alertmanagerconfigsvalidate.monitoring.coreos.com", ["alertmanagerconfigs"]),
    ];
}

/** Whether a label selector matches a label set (absent selector: everything). */
export function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
    if (!selector) return true;
    const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    return (
        byLabel &&
        (selector.matchExpressions ?? []).every((e) => {
            const has = Object.prototype.hasOwnProperty.call(labels, e.key);
            switch (e.operator) {
                case "In":
                    return has && (e.values ?? []).includes(labels[e.key]!);
                case "NotIn":
                    return !has || !(e.values ?? []).includes(labels[e.key]!);
                case "Exists":
                    return has;
                case "DoesNotExist":
                    return !has;
                default:
                    throw new Error(`unknown selector operator ${e.operator}`);
            }
        })
    );
}
