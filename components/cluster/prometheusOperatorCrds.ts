/**
 * The prometheus-operator CRDs, owned by the cluster stack alone (docs/operations.md "The cluster stack").
 *
 * Every env's kube-prometheus-stack needs them and none installs them (`crds.enabled: false`,
 * `skipCrds: true`): a CRD that one env installed would be upgraded by nobody (Helm never upgrades
 * or deletes a chart's `crds/`) and deleted with whoever owned it, taking every Prometheus,
 * ServiceMonitor and rule of every env with it.
 *
 * The chart is a `helm.v4.Chart`, not a `helm.v3.Release`. The `prometheus-operator-crds` chart
 * renders its CRDs from templates (not from `crds/`), so a Helm release would upgrade them too, but
 * it would also delete them all whenever the release is uninstalled or replaced. Rendered, each CRD
 * is a Pulumi resource: a chart bump previews as per-CRD diffs and is applied with server-side
 * apply (the CRDs are too large for client-side apply's last-applied annotation), the policy pack
 * sees every CRD, and each one is `protect`ed and `retainOnDelete`: nothing short of
 * `pulumi state unprotect` removes one from the stack, and even then it stays in the cluster, so
 * no custom resource of any env is ever deleted through this stack. The chart has no hooks.
 */
import * as pulumi from "@pulumi/pulumi";
import { ChartSource } from "../chartSources";
import { renderedChart } from "../helm";
import { SYSTEM_NAMESPACE } from "../naming";

/** Helm release name of the rendered chart (the chart renders only cluster-scoped CRDs). */
export const CRDS_RELEASE = "prometheus-operator-crds";

export interface PrometheusOperatorCrdsArgs {
    /** Where the chart comes from (pin or mirror). */
    readonly chart: ChartSource;
    /** The operator version the pinned chart carries; null for a mirror's other chart version. */
    readonly operatorVersion: string | null;
}

/** What the cluster stack exports about the CRDs it installed. */
export interface PrometheusOperatorCrdsOutputs {
    readonly chart: string;
    readonly repo: string;
    readonly version: string;
    readonly operatorVersion: string | null;
}

/** Keeps every rendered object in the stack and in the cluster: see the module comment. */
export const keepRenderedObjects: pulumi.ResourceTransform = (args) => ({
    props: args.props,
    opts: pulumi.mergeOptions(args.opts, { protect: true, retainOnDelete: true }),
});

export class PrometheusOperatorCrds extends pulumi.ComponentResource {
    readonly outputs: PrometheusOperatorCrdsOutputs;

    constructor(name: string, args: PrometheusOperatorCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:cluster:PrometheusOperatorCrds", name, {}, opts);
        renderedChart(
            CRDS_RELEASE,
            // Every CRD of the chart (its defaults); nothing namespaced is rendered, the namespace is Helm's formality.
            { source: args.chart, releaseName: CRDS_RELEASE, namespace: SYSTEM_NAMESPACE, values: {} },
            { parent: this, protect: true, transforms: [keepRenderedObjects] },
        );
        this.outputs = { chart: args.chart.chart, repo: args.chart.repo, version: args.chart.version, operatorVersion: args.operatorVersion };
        this.registerOutputs({ ...this.outputs, chartSource: args.chart });
    }
}
