/**
 * How the platform installs third-party charts. Two Pulumi resources exist and each chart gets
 * the one whose semantics it needs:
 *
 * - `helm.v3.Release` runs real Helm: hooks run and `helm ls` shows the release. Charts that rely
 *   on hooks (kube-prometheus-stack's admission-webhook certificate Jobs) use it. No release installs
 *   CRDs (`skipCrds`): Helm would install a chart's `crds/` once and never upgrade or delete them;
 *   the cluster stack owns the prometheus-operator CRDs instead (components/cluster/).
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

/** A real Helm release, for charts that need hooks; it never installs CRDs. */
export function helmRelease(name: string, args: HelmInstallArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            ...chartArgs(args),
            createNamespace: false,
            // CRDs have one owner, the cluster stack; an env's release installing them would own them by accident.
            skipCrds: true,
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
        transforms: [...(opts.transforms ?? []), ...(patches.length ? [patchTransform(patches)] : []), chartSourceTransform(args.source)],
    });
}

/** Helm's standard label naming the chart and version an object was rendered from. */
export const HELM_CHART_LABEL = "helm.sh/chart";

/**
 * Puts CHART_SOURCE_ANNOTATION on every Kubernetes object the chart renders, and Helm's chart label
 * on those the chart leaves unlabelled (the prometheus-operator CRDs carry no labels at all): the
 * engine keeps no inputs for the chart itself, so these are what tells its version and repository.
 */
function chartSourceTransform(source: ChartSource): pulumi.ResourceTransform {
    return (args) => {
        if (!args.type.startsWith("kubernetes:")) return undefined;
        const props = args.props as { metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> } };
        const metadata = {
            ...props.metadata,
            labels: { [HELM_CHART_LABEL]: `${source.chart}-${source.version}`, ...props.metadata?.labels },
            annotations: { ...props.metadata?.annotations, [CHART_SOURCE_ANNOTATION]: source.repo },
        };
        return { props: { ...args.props, metadata }, opts: args.opts };
    };
}
