/**
 * What a pending create is in the cluster: the Kubernetes object (or Helm release) behind a Pulumi
 * resource, its `pulumi import` ID, and whether it belongs to the stack's env. Recovery only ever
 * adopts objects of its own env; anything it cannot place for certain is refused, never guessed.
 */
import { SYSTEM_NAMESPACE, isEnvClusterScopedName, isEnvNamespace } from "../../../components/naming";
import { HELM_RELEASE } from "../../../components/resourceTypes";
import { StateResource } from "./exportedState";

export interface KubeObject {
    /** `v1` for the core group, `<group>/<version>` otherwise. */
    readonly apiVersion: string;
    readonly kind: string;
    readonly namespace?: string;
    readonly name: string;
    /** The provider's import ID: `<namespace>/<name>`, or `<name>` for a cluster-scoped object. */
    readonly id: string;
    /**
     * What `kubectl get` calls it: `<kind>.<version>.<group>` (the kind alone for the core group);
     * undefined for a Helm release, which is found by its release Secret instead.
     */
    readonly resource?: string;
}

/** Kinds with no namespace, by `<group>/<Kind>` (`core` for the core group). */
const CLUSTER_SCOPED = new Set([
    "core/Namespace",
    "core/Node",
    "core/PersistentVolume",
    "admissionregistration.k8s.io/MutatingWebhookConfiguration",
    "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
    "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
    "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
    "apiextensions.k8s.io/CustomResourceDefinition",
    "apiregistration.k8s.io/APIService",
    "networking.k8s.io/IngressClass",
    "node.k8s.io/RuntimeClass",
    "rbac.authorization.k8s.io/ClusterRole",
    "rbac.authorization.k8s.io/ClusterRoleBinding",
    "scheduling.k8s.io/PriorityClass",
    "storage.k8s.io/CSIDriver",
    "storage.k8s.io/StorageClass",
    "storage.k8s.io/VolumeAttachment",
]);

const KUBE_TYPE = /^kubernetes:([a-z0-9.-]+)\/([a-z0-9]+):([A-Za-z0-9]+)$/;

/** A resource recovery cannot adopt, with the reason; collected so that every problem is reported at once. */
export class Refusal {
    constructor(
        readonly resource: StateResource,
        readonly reason: string,
    ) {}
    toString(): string {
        return `refusing ${this.resource.type} ${urnName(this.resource.urn)}: ${this.reason}`;
    }
}

export function urnName(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function placeInEnv(r: StateResource, env: string, kind: string, namespaced: boolean, namespace: string | undefined, name: string): Refusal | undefined {
    if (!namespaced) {
        const ok = kind === "Namespace" ? isEnvNamespace(name, env) : isEnvClusterScopedName(name, env);
        return ok ? undefined : new Refusal(r, `cluster-scoped ${kind} ${name} is not env ${env}'s (its name does not carry "${env}" as in the naming module)`);
    }
    if (!namespace) return new Refusal(r, "no metadata.namespace: the object would be in the provider's default namespace, which is no env's");
    // kube-system is every env's: what an env keeps there (the operator's kubelet Role) carries the env in its name.
    if (namespace === SYSTEM_NAMESPACE) {
        return isEnvClusterScopedName(name, env)
            ? undefined
            : new Refusal(
                  r,
                  `${kind} ${name} in the shared ${SYSTEM_NAMESPACE} is not env ${env}'s (its name does not carry "${env}" as in the naming module)`,
              );
    }
    return isEnvNamespace(namespace, env) ? undefined : new Refusal(r, `namespace ${namespace} is not env ${env}'s (<component>-${env})`);
}

/** The Helm release or Kubernetes object of a pending create, or why it cannot be adopted. */
export function kubeObjectOf(r: StateResource, env: string): KubeObject | Refusal {
    const inputs = r.inputs ?? {};
    if (r.type === HELM_RELEASE) {
        // A release's name and namespace are top-level inputs; the Release has no metadata.
        const name = str(inputs.name);
        const namespace = str(inputs.namespace);
        if (!name) return new Refusal(r, "no release name in its inputs (an auto-named release cannot be found)");
        const refused = placeInEnv(r, env, "Release", true, namespace, name);
        if (refused) return refused;
        return { apiVersion: "helm.sh/v3", kind: "Release", namespace, name, id: `${namespace}/${name}` };
    }
    const m = KUBE_TYPE.exec(r.type);
    if (!m) return new Refusal(r, "not a Kubernetes object type (kubernetes:<group>/<version>:<Kind>)");
    const [, group, version, kind] = m as unknown as [string, string, string, string];
    const apiVersion = group === "core" ? version : `${group}/${version}`;
    // The provider records apiVersion and kind as inputs; a disagreement means the type token is not what it seems.
    if ((inputs.apiVersion !== undefined && inputs.apiVersion !== apiVersion) || (inputs.kind !== undefined && inputs.kind !== kind)) {
        return new Refusal(r, `inputs say ${String(inputs.apiVersion)} ${String(inputs.kind)}, the type says ${apiVersion} ${kind}`);
    }
    const metadata = (typeof inputs.metadata === "object" && inputs.metadata !== null ? inputs.metadata : {}) as Record<string, unknown>;
    const name = str(metadata.name);
    if (!name) return new Refusal(r, "no metadata.name in its inputs (an auto-named object cannot be found)");
    const namespaced = !CLUSTER_SCOPED.has(`${group}/${kind}`);
    const namespace = namespaced ? str(metadata.namespace) : undefined;
    const refused = placeInEnv(r, env, kind, namespaced, namespace, name);
    if (refused) return refused;
    const id = namespaced ? `${namespace}/${name}` : name;
    // An ID recorded by the killed run must be the same object, or the inputs are not what was created.
    if (r.id !== undefined && r.id !== "" && r.id !== id) return new Refusal(r, `its recorded id ${r.id} is not the object its inputs name (${id})`);
    const resource = group === "core" ? kind.toLowerCase() : `${kind.toLowerCase()}.${version}.${group}`;
    return { apiVersion, kind, namespace, name, id, resource };
}
