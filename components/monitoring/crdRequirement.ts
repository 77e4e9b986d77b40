/**
 * An env's check that the cluster's prometheus-operator CRDs are at least what its
 * kube-prometheus-stack runs, before it changes anything. The env installs no CRD (the cluster
 * stack owns them), so after a kube-prometheus-stack bump an env that ran ahead of
 * `pulumi up -s cluster` would start the new operator against old CRDs: it stops instead.
 *
 * It reads the live Prometheus CRD rather than the cluster stack's outputs through a
 * StackReference: the CRD is what the operator meets, whoever installed it, and a read needs no
 * backend organisation or project naming. A read runs in every preview as well. Every object of the
 * env depends on `satisfied`, so on a failed check nothing is registered, in a preview or an `up`.
 *
 * Where the CRD does not exist at all, the read itself fails, with the engine's own message
 * `resource 'prometheuses.monitoring.coreos.com' does not exist` on this component's read
 * (README "Troubleshooting"); no program code runs to say more.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CRDS_FIX_COMMAND, CRD_REQUIREMENT_TYPE, OPERATOR_VERSION_ANNOTATION, PROMETHEUS_CRD } from "../cluster/operatorCrds";
import { isAtLeast, parseVersion } from "../semver";

export interface CrdRequirementArgs {
    /** The least prometheus-operator version of the CRDs (`prometheusOperator.version`). */
    readonly operatorVersion: string;
    /** The kube-prometheus-stack chart version that runs that operator (named in the message). */
    readonly kubePrometheusStackVersion: string;
}

/** Why the CRD's operator version `found` (its annotation, if any) does not do, or undefined when it does. */
export function crdRequirementProblem(found: string | undefined, args: CrdRequirementArgs): string | undefined {
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

/**
 * The check's failure: reported against the read, without a stack trace (the user's cluster, not
 * the program, is wrong), and with its message as written. The SDK prefixes
 * `error serializing property "<name>": ` to the message of every error that passes through a
 * resource input (runtime/rpc.js), and this one passes through every input of the env, all of which
 * wait for the check; the prefixes would bury the message.
 */
export class CrdRequirementError extends pulumi.ResourceError {
    constructor(message: string, resource: pulumi.Resource) {
        super(message, resource, true);
        Object.defineProperty(this, "message", { get: () => message, set: () => undefined, configurable: true });
    }
}

export class PrometheusOperatorCrdRequirement extends pulumi.ComponentResource {
    /** The CRD read, once its version is known to do; rejects with the problem otherwise. */
    readonly satisfied: pulumi.Output<pulumi.Resource[]>;

    constructor(name: string, args: CrdRequirementArgs, opts?: pulumi.ComponentResourceOptions) {
        super(CRD_REQUIREMENT_TYPE, name, {}, opts);
        const crd = k8s.apiextensions.v1.CustomResourceDefinition.get(`${name}-prometheuses`, PROMETHEUS_CRD, { parent: this });
        this.satisfied = crd.metadata.apply((metadata) => {
            const problem = crdRequirementProblem(metadata?.annotations?.[OPERATOR_VERSION_ANNOTATION], args);
            if (problem) throw new CrdRequirementError(problem, crd);
            return [crd];
        });
        this.registerOutputs({ crd: PROMETHEUS_CRD, operatorVersion: args.operatorVersion });
    }
}
