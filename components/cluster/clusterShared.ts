/**
 * The cluster stack (`role: cluster`): what every env of one cluster shares, each thing with
 * exactly one owner. Today that is the prometheus-operator CRDs and nothing else: every other
 * cluster-scoped object is named per env and owned by its env stack (design notes section 1), and
 * the ingress controller and cert-manager stay prerequisites of the cluster (docs/operations.md "Prerequisites").
 * It also marks kube-system as having a cluster stack, which every env checks before anything else registers.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterStackConfig } from "../config/clusterStack";
import { SYSTEM_NAMESPACE } from "../naming";
import { charts, prometheusOperator } from "../versions";
import { CLUSTER_STACK_ANNOTATION, CRDS_OPERATOR_VERSION_ANNOTATION } from "./operatorCrds";
import { PrometheusOperatorCrds, PrometheusOperatorCrdsOutputs } from "./prometheusOperatorCrds";

export interface ClusterSharedArgs {
    readonly config: ClusterStackConfig;
    /**
     * The stack's Kubernetes provider (components/cluster.ts, adopting existing objects), made
     * before this component: the cluster's identity is checked through it before anything here registers.
     */
    readonly kubernetesProvider: k8s.Provider;
}

/** The cluster stack's outputs (docs/operations.md "The cluster stack"). */
export interface ClusterSharedOutputs {
    readonly prometheusOperatorCrds: PrometheusOperatorCrdsOutputs;
}

export class ClusterShared extends pulumi.ComponentResource {
    readonly outputs: ClusterSharedOutputs;

    constructor(name: string, args: ClusterSharedArgs, opts?: pulumi.ComponentResourceOptions) {
        // Protected, always: deleting a CRD deletes every custom resource of that kind in every env.
        super("mlops:cluster:ClusterShared", name, {}, { ...opts, protect: true });
        const chart = args.config.charts.prometheusOperatorCrds;
        const crds = new PrometheusOperatorCrds(
            "prometheus-operator-crds",
            // A mirror's other chart version carries another operator version, which only its chart knows.
            { chart, operatorVersion: chart.version === charts.prometheusOperatorCrds.version ? prometheusOperator.version : null },
            { parent: this, providers: { kubernetes: args.kubernetesProvider } },
        );
        // Server-side applied: the stack owns these annotations of kube-system and nothing else of it.
        // Written once the CRDs are, so an env that finds them finds the CRDs, at that operator version.
        const operatorVersion = crds.outputs.operatorVersion;
        const annotations = {
            [CLUSTER_STACK_ANNOTATION]: args.config.stack,
            ...(operatorVersion ? { [CRDS_OPERATOR_VERSION_ANNOTATION]: operatorVersion } : {}),
        };
        new k8s.core.v1.NamespacePatch(
            "kube-system-cluster-stack",
            { metadata: { name: SYSTEM_NAMESPACE, annotations } },
            { parent: this, provider: args.kubernetesProvider, dependsOn: [crds] },
        );
        this.outputs = { prometheusOperatorCrds: crds.outputs };
        this.registerOutputs({ ...this.outputs });
    }
}
