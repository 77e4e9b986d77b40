/**
 * The cluster a stack manages (an env stack's or a cluster stack's): its explicit Kubernetes
 * provider, and the check that the cluster it reaches is the one the stack pins. Everything else the
 * program creates goes through that provider, and is registered only once the check has passed
 * (index.ts awaits it first).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, KUBE_SYSTEM_UID_COMMAND } from "./config/cluster";
import { SYSTEM_NAMESPACE } from "./naming";

export interface ClusterArgs {
    /** The stack's name (an env stack's is its env; a cluster stack's is `cluster` or `cluster-<name>`). */
    readonly stack: string;
    readonly cluster: ClusterConfig;
    /** The secret kubeconfig of the stack, if it holds one. */
    readonly kubeconfig?: pulumi.Output<string>;
    readonly protect: boolean;
    /**
     * Adopt objects that exist already (`upsertExistingObjects`) and take their fields over from the
     * manager that applied them (`enablePatchForce`): the cluster stack's CRDs may have been installed
     * by an earlier kube-prometheus-stack release or by hand, and its first `up` takes them over, as
     * kube-prometheus-stack's own CRD upgrade job does (`crds.upgradeJob.forceConflicts`). Upsert's
     * known hazard, a rename deleting the object it has just updated, cannot happen to an object that
     * is retained on delete. An env stack never adopts: each of its objects is its own.
     */
    readonly adoptExisting?: boolean;
}

/**
 * The stack's Kubernetes provider: exactly the context the stack names, and its kubeconfig when it
 * holds one (else the provider reads KUBECONFIG or ~/.kube/config, but still only that context).
 * Never the current context, and never `kubernetes:*` stack config, which the schema rejects.
 */
export function clusterProvider(args: ClusterArgs, opts: pulumi.CustomResourceOptions = {}): k8s.Provider {
    const inputs: k8s.ProviderArgs = {
        context: args.cluster.context,
        ...(args.adoptExisting ? { upsertExistingObjects: true, enablePatchForce: true } : {}),
    };
    return new k8s.Provider(`k8s-${args.stack}`, args.kubeconfig === undefined ? inputs : { ...inputs, kubeconfig: args.kubeconfig }, {
        ...opts,
        protect: args.protect,
    });
}

/**
 * The cluster a stack reached is not the one it pins. A RunError: Pulumi prints its message as the
 * program's one error, without a JavaScript stack trace (the cluster, not the program, is wrong).
 */
export class ClusterIdentityError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "ClusterIdentityError";
    }
}

/** An output's value once it is there; undefined when it stays unknown in this preview. */
export function settled<T>(output: pulumi.Output<T>): Promise<T | undefined> {
    // `isKnown` is a promise the SDK keeps off its public typings; an unknown value never applies.
    const isKnown = (output as unknown as { isKnown: Promise<boolean> }).isKnown;
    return isKnown.then((known) =>
        known
            ? new Promise<T>((resolve) => {
                  output.apply((v) => {
                      resolve(v);
                      return v;
                  });
              })
            : undefined,
    );
}

/** What a read shows of an object's metadata; undefined where a preview leaves it unknown. */
export type LiveMetadata = k8s.types.output.meta.v1.ObjectMeta;

/**
 * Reads the live kube-system Namespace through the stack's provider (reads run in previews too) and
 * resolves once the cluster is the one the stack pins; rejects with ClusterIdentityError when it is
 * not. The program awaits this before it registers anything else, so a preview or up against the
 * wrong cluster stops before any change. An unpinned stack only gets a warning naming the UID to pin.
 * Returns kube-system's metadata (undefined when unknown), which carries what the cluster stack marks.
 */
export async function verifyClusterIdentity(args: ClusterArgs, provider: k8s.Provider, project: string): Promise<LiveMetadata | undefined> {
    const kubeSystem = k8s.core.v1.Namespace.get(`kube-system-${args.stack}`, SYSTEM_NAMESPACE, { provider });
    const metadata = await settled(kubeSystem.metadata);
    const live = metadata?.uid;
    const { context, kubeSystemUid: pinned } = args.cluster;
    const key = `${project}:cluster.kubeSystemUid`;
    if (pinned === undefined) {
        void pulumi.log.warn(
            `${key} is not set: stack ${args.stack} applies to whatever cluster context "${context}" reaches ` +
                `(now one whose kube-system Namespace has UID ${live ?? "unknown"}); pin it to stop any other cluster (${KUBE_SYSTEM_UID_COMMAND})`,
        );
        return metadata;
    }
    if (live === pinned) return metadata;
    const reached =
        live === undefined ? "a cluster whose kube-system Namespace UID is unknown in this preview" : `a cluster whose kube-system Namespace has UID ${live}`;
    throw new ClusterIdentityError(
        `cluster identity mismatch: context "${context}" reaches ${reached}, but stack ${args.stack} pins ${key} ${pinned}; ` +
            `stopped before any change. Point ${project}:cluster.context (or the secret ${project}:kubeconfig) at the stack's own cluster, ` +
            `and change the pin only if this cluster really replaces it (${KUBE_SYSTEM_UID_COMMAND}).`,
    );
}
