import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LocalPathConfig, ReclaimPolicy } from "../config/schema";
import { platformLabels } from "../labels";
import { ENV_LABEL, EnvNames } from "../naming";
import { k8sResources } from "../sizing";
import { declareGrants } from "../rbac";
import { images } from "../versions";
import { LOCAL_PATH_ACCOUNT, localPathGrants } from "./provisionerRbac";

export interface LocalPathStorageArgs {
    readonly names: EnvNames;
    readonly namespace: string;
    readonly localPath: LocalPathConfig;
    readonly reclaimPolicy: ReclaimPolicy;
    /** Every namespace the env creates: the provisioner records events on claims there. */
    readonly envNamespaces: readonly string[];
}

const CONFIG_MAP = "local-path-config";

/** The provisioner's config.json: one node directory for every node, unique to the env. */
export function localPathConfigJson(nodePath: string): string {
    return JSON.stringify({ nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: [nodePath] }] }, null, 2);
}

const SETUP = `#!/bin/sh
set -eu
mkdir -m 0777 -p "$VOL_DIR"
`;
const TEARDOWN = `#!/bin/sh
set -eu
rm -rf "$VOL_DIR"
`;
// Only fields the provisioner's helper-pod validation accepts (no volumes, no host namespaces).
const HELPER_POD = `apiVersion: v1
kind: Pod
metadata:
  name: helper-pod
spec:
  priorityClassName: system-node-critical
  tolerations:
    - key: node.kubernetes.io/disk-pressure
      operator: Exists
      effect: NoSchedule
  containers:
    - name: helper-pod
      image: ${images.localPathHelper}
      imagePullPolicy: IfNotPresent
`;

/**
 * Node-local storage for the Prometheus TSDB. Local-path storage often exists already (k3s and kind
 * ship a `local-path` class), so the env either adopts a class by name or installs its own
 * provisioner with an env-scoped provisioner name, class, cluster role and node directory (its
 * permissions: provisionerRbac.ts).
 * (local-path-provisioner publishes no Helm repository, so its objects are declared here.)
 */
export class LocalPathStorage extends pulumi.ComponentResource {
    /** Plain, known in a first preview (the naming module's, or the adopted class from config). */
    readonly storageClassName: string;

    constructor(name: string, args: LocalPathStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:storage:LocalPathStorage", name, {}, opts);
        const { names, localPath } = args;

        if (localPath.mode === "existing") {
            // Reading the class makes a missing one fail the preview instead of leaving Prometheus Pending;
            // the name itself is config, so consumers see it in a first preview.
            k8s.storage.v1.StorageClass.get(`${name}-existing`, localPath.className, { parent: this });
            this.storageClassName = localPath.className;
            this.registerOutputs({ storageClassName: this.storageClassName });
            return;
        }

        const labels = platformLabels(names.env, "local-path-provisioner");
        const ns = args.namespace;
        const child = { parent: this };

        const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: LOCAL_PATH_ACCOUNT, namespace: ns, labels } }, child);
        // Logical names as before the Roles moved into data: renaming would replace live objects.
        const rbac = declareGrants(localPathGrants(names.env, ns, args.envNamespaces), labels, { ...child, dependsOn: [sa] }, (grant) => {
            const [kind, suffix] = grant.namespace === undefined ? ["cluster", ""] : ["", grant.namespace === ns ? "" : `-${grant.namespace}`];
            return { role: `${name}-${kind}role${suffix}`, binding: `${name}-${kind}rolebinding${suffix}` };
        });
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: { name: CONFIG_MAP, namespace: ns, labels },
                data: {
                    "config.json": localPathConfigJson(localPath.nodePath),
                    setup: SETUP,
                    teardown: TEARDOWN,
                    "helperPod.yaml": HELPER_POD,
                },
            },
            child,
        );
        const podLabels = { "app.kubernetes.io/name": "local-path-provisioner", [ENV_LABEL]: names.env };
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-provisioner`,
            {
                metadata: { name: "local-path-provisioner", namespace: ns, labels },
                spec: {
                    // The provisioner has no leader election: exactly one replica.
                    replicas: 1,
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: podLabels },
                    template: {
                        metadata: { labels: { ...labels, ...podLabels } },
                        spec: {
                            serviceAccountName: LOCAL_PATH_ACCOUNT,
                            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                            containers: [
                                {
                                    name: "local-path-provisioner",
                                    image: images.localPathProvisioner,
                                    imagePullPolicy: "IfNotPresent",
                                    command: [
                                        "local-path-provisioner",
                                        "start",
                                        "--config",
                                        "/etc/config/config.json",
                                        "--provisioner-name",
                                        names.provisioners.localPath,
                                        "--configmap-name",
                                        CONFIG_MAP,
                                        "--service-account-name",
                                        LOCAL_PATH_ACCOUNT,
                                        "--helper-image",
                                        images.localPathHelper,
                                    ],
                                    env: [
                                        { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                                        { name: "CONFIG_MOUNT_PATH", value: "/etc/config/" },
                                    ],
                                    volumeMounts: [{ name: "config-volume", mountPath: "/etc/config/" }],
                                    resources: k8sResources(localPath.resources),
                                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                                },
                            ],
                            volumes: [{ name: "config-volume", configMap: { name: CONFIG_MAP } }],
                        },
                    },
                },
            },
            { ...child, dependsOn: [sa, config, ...rbac] },
        );
        new k8s.storage.v1.StorageClass(
            `${name}-class`,
            {
                metadata: { name: names.storageClasses.localPath, labels },
                provisioner: names.provisioners.localPath,
                volumeBindingMode: "WaitForFirstConsumer",
                reclaimPolicy: args.reclaimPolicy,
                allowVolumeExpansion: false,
            },
            { parent: this, dependsOn: [deployment] },
        );
        this.storageClassName = names.storageClasses.localPath;
        this.registerOutputs({ storageClassName: this.storageClassName });
    }
}
