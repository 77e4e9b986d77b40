/**
 * An env's check that the cluster's prometheus-operator CRDs are at least what its
 * kube-prometheus-stack runs, before it changes anything. The env installs no CRD (the cluster
 * stack owns them), so after a kube-prometheus-stack bump an env that ran ahead of
 * `pulumi up -s cluster` would start the new operator against old CRDs: it stops instead.
 *
 * It reads the live Prometheus CRD rather than the cluster stack's outputs through a
 * StackReference: the CRD is what the operator meets, whoever installed it, and a read needs no
 * backend organisation or project naming. A read runs in every preview as well. index.ts awaits the
 * check after the cluster identity check and before the Platform registers, so on a failed check
 * nothing of the env is registered, in a preview or an `up`.
 *
 * A read of an object that does not exist fails in the engine, with its own message (`resource
 * 'prometheuses.monitoring.coreos.com' does not exist`), and no program code runs to say more. So
 * the CRD is read only on a cluster whose kube-system carries the cluster stack's annotation (the
 * env has read kube-system already, for the cluster's identity); without it the env stops with one
 * line: `pulumi up -s cluster` comes first. Only CRDs deleted by hand behind the cluster stack's
 * back still meet the engine's message (docs/operations.md "Troubleshooting", "The prometheus-operator CRDs are missing or too old").
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LiveMetadata, settled } from "../cluster";
import {
    CLUSTER_STACK_ANNOTATION,
    CRDS_FIX_COMMAND,
    CRDS_OPERATOR_VERSION_ANNOTATION,
    CRD_REQUIREMENT_TYPE,
    OPERATOR_VERSION_ANNOTATION,
    PROMETHEUS_CRD,
} from "../cluster/operatorCrds";
import { SYSTEM_NAMESPACE } from "../naming";
import { isAtLeast, parseVersion } from "../semver";

export interface CrdRequirementArgs {
    /** The least prometheus-operator version of the CRDs (`prometheusOperator.version`). */
    readonly operatorVersion: string;
    /** The kube-prometheus-stack chart version that runs that operator (named in the message). */
    readonly kubePrometheusStackVersion: string;
}

/**
 * Why the CRD's operator version `found` (its annotation, if any) does not do, or undefined when it
 * does; `known` is false when the read stays unknown in a preview (a check that cannot run does not pass).
 */
export function crdRequirementProblem(found: string | undefined, args: CrdRequirementArgs, known = true): string | undefined {
    if (!known) {
        return (
            `cannot check the prometheus-operator CRDs for kube-prometheus-stack ${args.kubePrometheusStackVersion}: ` +
            `CustomResourceDefinition ${PROMETHEUS_CRD} is unknown in this preview; at least ${args.operatorVersion} is required.`
        );
    }
    if (found !== undefined && isAtLeast(found, args.operatorVersion)) return undefined;
    const what =
        found === undefined
            ? `has no ${OPERATOR_VERSION_ANNOTATION} annotation`
            : parseVersion(found)
              ? `is at operator version ${found}`
              : `has ${OPERATOR_VERSION_ANNOTATION} ${JSON.stringify(found)}, which is no version`;
    return (
        `prometheus-operator CRDs too old for kube-prometheus-stack ${args.kubePrometheusStackVersion}: ` +
        `CustomResourceDefinition ${PROMETHEUS_CRD} ${what}, at least ${args.operatorVersion} is required. ` +
        `The cluster stack installs and upgrades them; run it first: ${CRDS_FIX_COMMAND}`
    );
}

/** No cluster stack has run on the cluster: printed as the program's one error, without a stack trace. */
export class ClusterStackMissingError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "ClusterStackMissingError";
    }
}

/** Why an env cannot start on a cluster whose kube-system shows `metadata`, or undefined when a cluster stack has run there. */
export function clusterStackProblem(metadata: LiveMetadata | undefined, args: CrdRequirementArgs): string | undefined {
    // Unknown in a preview: the CRD read below decides.
    if (metadata === undefined || metadata.annotations?.[CLUSTER_STACK_ANNOTATION]) return undefined;
    return (
        `no cluster stack has run on this cluster (Namespace ${SYSTEM_NAMESPACE} has no ${CLUSTER_STACK_ANNOTATION} annotation), ` +
        `so the prometheus-operator CRDs kube-prometheus-stack ${args.kubePrometheusStackVersion} needs are not installed: ` +
        `run \`${CRDS_FIX_COMMAND}\` first; it installs them for every env of the cluster.`
    );
}

/** The check's failure: one message, without a stack trace (the user's cluster, not the program, is wrong). */
export class CrdRequirementError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "CrdRequirementError";
    }
}

/** The component whose child is the read: the policy pack knows the read by its parent's type. */
export class PrometheusOperatorCrdRequirement extends pulumi.ComponentResource {
    readonly crd: k8s.apiextensions.v1.CustomResourceDefinition;

    constructor(name: string, args: CrdRequirementArgs, opts?: pulumi.ComponentResourceOptions) {
        super(CRD_REQUIREMENT_TYPE, name, {}, opts);
        this.crd = k8s.apiextensions.v1.CustomResourceDefinition.get(`${name}-prometheuses`, PROMETHEUS_CRD, { parent: this });
        this.registerOutputs({ crd: PROMETHEUS_CRD, operatorVersion: args.operatorVersion });
    }
}

/**
 * Stops unless a cluster stack has run on the cluster (kube-system's `metadata`, as the identity check
 * read it) and its CRDs are new enough, with CrdRequirementError. The operator version comes from
 * the cluster stack's annotation on kube-system; only where that is absent (a mirror's other chart
 * version) is the live Prometheus CRD read, through the stack's provider. `protect` is the env's:
 * the component is the env's like everything else it registers (the read itself the engine never protects).
 */
export async function verifyPrometheusOperatorCrds(
    name: string,
    args: CrdRequirementArgs,
    kubeSystem: LiveMetadata | undefined,
    provider: k8s.Provider,
    protect: boolean,
): Promise<void> {
    const missing = clusterStackProblem(kubeSystem, args);
    if (missing) throw new ClusterStackMissingError(missing);
    const marked = kubeSystem?.annotations?.[CRDS_OPERATOR_VERSION_ANNOTATION];
    if (marked !== undefined) {
        const problem = crdRequirementProblem(marked, args);
        if (problem) throw new CrdRequirementError(problem);
        return;
    }
    const requirement = new PrometheusOperatorCrdRequirement(name, args, { providers: { kubernetes: provider }, protect });
    const metadata = await settled(requirement.crd.metadata);
    const problem = crdRequirementProblem(metadata?.annotations?.[OPERATOR_VERSION_ANNOTATION], args, metadata !== undefined);
    if (problem) throw new CrdRequirementError(problem);
}
