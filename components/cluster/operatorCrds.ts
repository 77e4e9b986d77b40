/**
 * What the cluster stack, the env stacks and the policy pack agree on about the prometheus-operator
 * CRDs. Plain values only, so the policy pack can read them without loading the Kubernetes SDK.
 */

/** The CRD whose version an env checks (every CRD of the chart carries the same one). */
export const PROMETHEUS_CRD = "prometheuses.monitoring.coreos.com";
/** Annotation on each prometheus-operator CRD naming the operator version it belongs to (`0.93.1`). */
export const OPERATOR_VERSION_ANNOTATION = "operator.prometheus.io/version";
/** The command that installs or upgrades the CRDs: the cluster stack's `up`. */
export const CRDS_FIX_COMMAND = "pulumi up -s cluster";
/** Type of an env's component that reads the Prometheus CRD; the policy pack knows that read by it. */
export const CRD_REQUIREMENT_TYPE = "mlops:monitoring:PrometheusOperatorCrdRequirement";
