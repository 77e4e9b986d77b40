/**
 * The policy pack's config for one stack, derived from its stack file: the chart mirrors its
 * `charts` setting declares, so `chart-version-pinned` accepts them in place of their pins while
 * every other chart must still match components/versions.ts exactly.
 */
import { ChartSource } from "../../components/chartSources";
import { DeclaredChartSource } from "../../policy/rules";
import { loadStack, parseLoadedStack } from "./stackFile";

/** The policy that reads `chartSources`; the pack's config is keyed by policy name. */
export const CHART_POLICY = "chart-version-pinned";

export interface PolicyPackConfig {
    readonly [CHART_POLICY]: { readonly chartSources: Readonly<Record<string, DeclaredChartSource>> };
}

/** Only overrides are declared: a chart left on its pin is checked against components/versions.ts. */
export function policyPackConfig(charts: Readonly<Record<string, ChartSource>>): PolicyPackConfig {
    const overrides = Object.values(charts).filter((s) => s.source === "override");
    return { [CHART_POLICY]: { chartSources: Object.fromEntries(overrides.map((s) => [s.chart, { repo: s.repo, version: s.version }])) } };
}

/**
 * Validates the whole stack file with the program's schema (a policy config for a stack the program
 * would refuse is worth nothing). Secrets are never read: encrypted and missing ones get placeholders,
 * and none of them can reach the result, which holds chart sources only.
 */
export function policyPackConfigForStack(root: string, stack: string): PolicyPackConfig {
    const loaded = loadStack(root, stack, { placeholderSecrets: true });
    const { config } = parseLoadedStack(loaded);
    return policyPackConfig(config.charts);
}
