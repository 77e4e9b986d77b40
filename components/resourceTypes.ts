/**
 * Pulumi type tokens of the resources the program, the policy pack, the scripts and the tests name
 * by type: one constant each, written once. Imports nothing, so the policy pack stays loadable
 * without the Kubernetes SDK.
 */

/** The root resource of every stack. */
export const STACK = "pulumi:pulumi:Stack";

/** Every provider resource's type starts so: `pulumi:providers:<package>`. */
export const PROVIDER_PREFIX = "pulumi:providers:";
/** The type of a provider of `pkg` (`pulumi:providers:kubernetes`). */
export const providerType = (pkg: string) => `${PROVIDER_PREFIX}${pkg}`;
export const KUBERNETES_PROVIDER = "pulumi:providers:kubernetes";
export const RANDOM_PROVIDER = "pulumi:providers:random";

/** `kubernetes:apps/v1:DaemonSet` for apps/v1 DaemonSet, `kubernetes:core/v1:Secret` for v1 Secret. */
export function kubernetesType(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

// Helm
export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
export const HELM_CHART = "kubernetes:helm.sh/v4:Chart";

// core/v1
export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const NAMESPACE_PATCH = "kubernetes:core/v1:NamespacePatch";
export const SECRET = "kubernetes:core/v1:Secret";
export const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
export const SERVICE = "kubernetes:core/v1:Service";
export const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
export const PV = "kubernetes:core/v1:PersistentVolume";

// Workloads
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const DAEMON_SET = "kubernetes:apps/v1:DaemonSet";
export const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
export const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

// Storage, network, cluster
export const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
export const VALIDATING_WEBHOOK_CONFIGURATION = "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration";

// RBAC
export const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
export const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
export const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
export const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";

// random
export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
export const RANDOM_BYTES = "random:index/randomBytes:RandomBytes";

// prometheus-operator
export const PROMETHEUS = "kubernetes:monitoring.coreos.com/v1:Prometheus";
export const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
export const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
export const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
