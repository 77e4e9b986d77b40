/**
 * How the platform installs third-party charts. Two Pulumi resources exist and each chart gets
 * the one whose semantics it needs:
 *
 * - `helm.v3.Release` runs real Helm: hooks run, CRDs from a chart's `crds/` directory are
 *   installed once and never upgraded or deleted, and `helm ls` shows the release. Charts that rely
 *   on hooks (kube-prometheus-stack's admission-webhook certificate Jobs) or on shared CRDs use it.
 * - `helm.v4.Chart` renders every object as a Pulumi resource, so a transform can patch what the
 *   chart has no values key for, and previews show per-object diffs. It drops hooks, so only
 *   hook-free charts may use it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHART_SOURCE_ANNOTATION, ChartSource, chartLocation } from "./chartSources";
import { RenderedPatch, patchTransform } from "./patches";

export interface HelmInstallArgs {
    /** The chart's effective source (its pin or the stack's mirror), resolved by the config schema. */
    readonly source: ChartSource;
    /** Helm release name (also the prefix of most object names the chart renders). */
    readonly releaseName: string;
    readonly namespace: string;
    readonly values: pulumi.Input<Record<string, unknown>>;
}

/** What both resource types take alike: release name, namespace, chart location and exact version, values. */
function chartArgs(args: HelmInstallArgs) {
    return {
        name: args.releaseName,
        namespace: args.namespace,
        ...chartLocation(args.source),
        version: args.source.version,
        values: args.values,
    };
}

/** A real Helm release, for charts that need hooks or install shared CRDs. */
export function helmRelease(name: string, args: HelmInstallArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            ...chartArgs(args),
            createNamespace: false,
            // A failed upgrade is rolled back instead of leaving half-applied objects behind.
            atomic: true,
            cleanupOnFail: true,
            maxHistory: 10,
            timeout: 900,
        },
        opts,
    );
}

/**
 * A chart rendered into Pulumi resources, with optional patches applied to the rendered objects.
 * Patches are the program's declared post-render changes; the offline plan lists them.
 */
export function renderedChart(
    name: string,
    args: HelmInstallArgs & { readonly patches?: readonly RenderedPatch[] },
    opts: pulumi.ComponentResourceOptions,
): k8s.helm.v4.Chart {
    const patches = args.patches ?? [];
    return new k8s.helm.v4.Chart(name, chartArgs(args), {
        ...opts,
        transforms: [...(opts.transforms ?? []), ...(patches.length ? [patchTransform(patches)] : []), chartSourceTransform(args.source.repo)],
    });
}

/** Puts CHART_SOURCE_ANNOTATION on every Kubernetes object the chart renders. */
function chartSourceTransform(repo: string): pulumi.ResourceTransform {
    return (args) => {
        if (!args.type.startsWith("kubernetes:")) return undefined;
        const props = args.props as { metadata?: { annotations?: Record<string, string> } };
        const metadata = { ...props.metadata, annotations: { ...props.metadata?.annotations, [CHART_SOURCE_ANNOTATION]: repo } };
        return { props: { ...args.props, metadata }, opts: args.opts };
    };
}
