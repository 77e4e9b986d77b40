/**
 * Where each chart is fetched from. By default that is its public pin in components/versions.ts;
 * a stack's `charts` setting can point a chart at an internal HTTP(S) mirror or an OCI registry
 * (air-gapped clusters), optionally with another exact version. The config schema resolves this
 * once per stack; components receive the result and never read config themselves.
 */
import { ChartKey, charts } from "./versions";

export const OCI_SCHEME = "oci://";

/**
 * Annotation on every object a helm.v4.Chart renders naming the repository its chart came from. The
 * engine keeps no inputs for the chart itself and Helm's `helm.sh/chart` label names only the chart
 * and version, so without it the policy pack could not tell a pinned chart from an undeclared mirror.
 */
export const CHART_SOURCE_ANNOTATION = "platform.mlops/chart-repository";

/** A stack's override of one chart's source, as validated by the config schema. */
export interface ChartOverride {
    /** `http(s)://…` Helm repository URL, or `oci://host[/path]` registry reference without the chart name. */
    readonly repository: string;
    /** Exact chart version; the pin's version when absent. */
    readonly version?: string;
}

export type ChartOverrides = Partial<Readonly<Record<ChartKey, ChartOverride>>>;

/** The source a chart is actually installed from. */
export interface ChartSource {
    /** Chart name inside its repository (the same for the pin and any mirror of it). */
    readonly chart: string;
    /** HTTP(S) repository URL, or OCI repository `oci://host[/path]` (Helm gets `<repo>/<chart>`). */
    readonly repo: string;
    /** Exact chart version. */
    readonly version: string;
    /** `pin`: components/versions.ts as is; `override`: the stack's `charts` setting. */
    readonly source: "pin" | "override";
}

/** Charts only the cluster stack installs (the CRDs every env shares); an env's `charts` setting cannot name them. */
export const CLUSTER_CHART_KEYS = ["prometheusOperatorCrds"] as const satisfies readonly ChartKey[];
export type ClusterChartKey = (typeof CLUSTER_CHART_KEYS)[number];
export type EnvChartKey = Exclude<ChartKey, ClusterChartKey>;

/** The effective source of each chart a stack installs: an env's charts by default. */
export type ChartSources<K extends ChartKey = EnvChartKey> = Readonly<Record<K, ChartSource>>;

export const CHART_KEYS = Object.keys(charts) as ChartKey[];
/** The charts an env stack installs. */
export const ENV_CHART_KEYS = CHART_KEYS.filter((k): k is EnvChartKey => !(CLUSTER_CHART_KEYS as readonly ChartKey[]).includes(k));

export function isOciRepo(repo: string): boolean {
    return repo.startsWith(OCI_SCHEME);
}

/** One effective source per chart of `keys`: the pin, with the stack's override (if any) applied. */
export function effectiveChartSources<K extends ChartKey>(keys: readonly K[], overrides: ChartOverrides = {}): ChartSources<K> {
    return Object.fromEntries(
        keys.map((key) => {
            const pin = charts[key];
            const o = overrides[key];
            const source: ChartSource = o
                ? { chart: pin.chart, repo: o.repository, version: o.version ?? pin.version, source: "override" }
                : { chart: pin.chart, repo: pin.repo, version: pin.version, source: "pin" };
            return [key, source];
        }),
    ) as Record<K, ChartSource>;
}

/**
 * How Helm (and both Pulumi Helm resources) are told where the chart is: an OCI chart is the full
 * reference `oci://host/path/<chart>` with no repository option; a classic repository is the chart
 * name plus `repositoryOpts.repo`.
 */
export function chartLocation(s: ChartSource): { chart: string; repositoryOpts?: { repo: string } } {
    return isOciRepo(s.repo) ? { chart: `${s.repo}/${s.chart}` } : { chart: s.chart, repositoryOpts: { repo: s.repo } };
}

/** The inverse of `chartLocation`, for readers of resource inputs (offline plan, policies). */
export function splitChartLocation(chart: string, repo: string | undefined): { chart: string; repo: string | undefined } {
    if (!isOciRepo(chart)) return { chart, repo };
    const slash = chart.lastIndexOf("/");
    return { chart: chart.slice(slash + 1), repo: chart.slice(0, slash) };
}
