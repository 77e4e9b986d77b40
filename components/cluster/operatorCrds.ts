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
/**
 * Annotation the cluster stack puts on kube-system (its value: the cluster stack's name). Every env
 * reads kube-system first for the cluster's identity; without this annotation no cluster stack has
 * run on the cluster, so the env stops with one line saying so instead of reading a CRD that is not
 * there (a failed read is the engine's own error, which no program code can word).
 */
export const CLUSTER_STACK_ANNOTATION = "platform.mlops/cluster-stack";
/**
 * Annotation the cluster stack puts on kube-system beside CLUSTER_STACK_ANNOTATION: the operator
 * version of the CRDs it applied (absent when a mirror's other chart version leaves it unknown). An
 * env checks it on the kube-system it reads anyway, instead of reading the Prometheus CRD, whose
 * read costs seconds in every preview (its schema is megabytes, marshalled through the engine).
 */
export const CRDS_OPERATOR_VERSION_ANNOTATION = "platform.mlops/prometheus-operator-crds";
