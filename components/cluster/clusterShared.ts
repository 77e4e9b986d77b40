/**
 * The cluster stack (`role: cluster`): what every env of one cluster shares, each thing with
 * exactly one owner. Today that is the prometheus-operator CRDs and nothing else: every other
 * cluster-scoped object is named per env and owned by its env stack (design notes section 1), and
 * the ingress controller and cert-manager stay prerequisites of the cluster (README).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config/cluster";
import { charts, prometheusOperator } from "../versions";
import { PrometheusOperatorCrds, PrometheusOperatorCrdsOutputs } from "./prometheusOperatorCrds";

export interface ClusterSharedArgs {
    readonly config: ClusterConfig;
}

export class ClusterShared extends pulumi.ComponentResource {
    readonly outputs: { readonly prometheusOperatorCrds: PrometheusOperatorCrdsOutputs };

    constructor(name: string, args: ClusterSharedArgs, opts?: pulumi.ComponentResourceOptions) {
        // Protected, always: deleting a CRD deletes every custom resource of that kind in every env.
        super("mlops:cluster:ClusterShared", name, {}, { ...opts, protect: true });
        const kubernetes = new k8s.Provider(
            "k8s-cluster",
            {
                // The CRDs may exist already, installed by an earlier kube-prometheus-stack release or by
                // hand: the first `up` adopts them (upsert) and takes their fields over from the manager
                // that installed them (force), as kube-prometheus-stack's own CRD upgrade job does
                // (`crds.upgradeJob.forceConflicts`). Upsert's known hazard, a rename deleting the object
                // it has just updated, cannot happen to an object that is retained on delete.
                upsertExistingObjects: true,
                enablePatchForce: true,
            },
            { parent: this },
        );
        const chart = args.config.charts.prometheusOperatorCrds;
        const crds = new PrometheusOperatorCrds(
            "prometheus-operator-crds",
            // A mirror's other chart version carries another operator version, which only its chart knows.
            { chart, operatorVersion: chart.version === charts.prometheusOperatorCrds.version ? prometheusOperator.version : null },
            { parent: this, providers: { kubernetes } },
        );
        this.outputs = { prometheusOperatorCrds: crds.outputs };
        this.registerOutputs({ ...this.outputs });
    }
}
