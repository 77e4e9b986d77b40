/**
 * The permissions of the env's two volume provisioners (NFS subdir and local-path, both built on
 * sig-storage-lib-external-provisioner).
 *
 * What cannot be limited to the env: PersistentVolumes are cluster-scoped, so a provisioner creates
 * and deletes them with a ClusterRole, and their names (`pvc-<claim uid>`) are not known in advance
 * for resourceNames. A provisioner only acts on volumes whose class names its provisioner name
 * (`<kind>.platform.mlops/<env>`), but RBAC alone would let it delete another env's volume. The
 * library also watches claims in all namespaces (it has no namespace option), so reading claims and
 * nodes stays cluster-wide.
 *
 * What can, and is: the writes to namespaced objects. The upstream roles give `events` (and for NFS
 * `persistentvolumeclaims` update) in every namespace; here those are Roles in the env's namespaces,
 * where the env's claims are. Events about volumes themselves (cluster-scoped objects, recorded in
 * `default`) are not granted; the library only logs when it cannot record one.
 */
import { EnvNames } from "../naming";
import { RbacGrant, RbacRule, ServiceAccountRef, readRule } from "../rbac";

/** Cluster-wide: the volumes, and what the library watches to provision them. */
function clusterRules(volumeVerbs: readonly string[]): RbacRule[] {
    return [
        readRule([""], ["nodes", "persistentvolumeclaims"]),
        { apiGroups: [""], resources: ["persistentvolumes"], verbs: volumeVerbs },
        readRule(["storage.k8s.io"], ["storageclasses"]),
    ];
}

/** One Role per env namespace; the provisioner's own namespace also gets `ownNamespaceRules`. */
function perNamespace(
    name: string,
    subject: ServiceAccountRef,
    envNamespaces: readonly string[],
    everyNamespace: readonly RbacRule[],
    ownNamespaceRules: readonly RbacRule[],
): RbacGrant[] {
    return envNamespaces.map((namespace) => ({
        name,
        namespace,
        subject,
        rules: namespace === subject.namespace ? [...ownNamespaceRules, ...everyNamespace] : everyNamespace,
    }));
}

/**
 * nfs-subdir-external-provisioner 4.0.18 (image v4.0.2): the chart's `rbac.create` is off and these
 * replace its `-runner` ClusterRole and `leader-locking-` Role. Verbs as the chart's; the claim
 * update (the library clears a claim's selected node to reschedule it) and events move into the
 * env's namespaces, the leader-election Endpoints stay in the provisioner's own.
 */
export function nfsProvisionerGrants(names: EnvNames, namespace: string, envNamespaces: readonly string[]): RbacGrant[] {
    const subject = { namespace, name: names.serviceAccounts.nfsProvisioner };
    return [
        { name: names.rbac.nfsProvisioner, subject, rules: clusterRules(["get", "list", "watch", "create", "delete"]) },
        ...perNamespace(
            names.rbac.nfsProvisioner,
            subject,
            envNamespaces,
            [
                { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["update"] },
                { apiGroups: [""], resources: ["events"], verbs: ["create", "update", "patch"] },
            ],
            [{ apiGroups: [""], resources: ["endpoints"], verbs: ["get", "list", "watch", "create", "update", "patch"] }],
        ),
    ];
}

/** The local-path provisioner's ServiceAccount and role names (in the env's storage namespace). */
export const LOCAL_PATH_ACCOUNT = "local-path-provisioner";

export function localPathClusterRole(env: string): string {
    return `local-path-provisioner-${env}`;
}

/**
 * local-path-provisioner v0.0.37, declared by the program (no chart). Upstream's ClusterRole also
 * reads ConfigMaps, pods and pod logs everywhere, but the provisioner reads only its own ConfigMap
 * and runs its helper pods in its own namespace (main.go, provisioner.go): those move into the Role
 * there, next to the helper-pod rights upstream already gives as a Role.
 */
export function localPathGrants(env: string, namespace: string, envNamespaces: readonly string[]): RbacGrant[] {
    const subject = { namespace, name: LOCAL_PATH_ACCOUNT };
    return [
        { name: localPathClusterRole(env), subject, rules: clusterRules(["get", "list", "watch", "create", "patch", "update", "delete"]) },
        ...perNamespace(
            LOCAL_PATH_ACCOUNT,
            subject,
            envNamespaces,
            [{ apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] }],
            [
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] },
                readRule([""], ["pods/log", "configmaps"]),
            ],
        ),
    ];
}
