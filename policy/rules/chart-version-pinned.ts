/** Every chart version pinned. */

import { CHART_SOURCE_ANNOTATION } from "../../components/chartSources";
import { HELM_CHART, HELM_RELEASE } from "../../components/resourceTypes";
import { charts } from "../../components/versions";
import { EVERY_STACK, Rule, StackContext } from "../context";
import { CHART_LABEL, chartLocationOf, describe } from "../values";

const EXACT_SEMVER = /^\d+\.\d+\.\d+$/;
/**
 * Checks one chart against its pin, or against the source the policy config declares for a mirror.
 * `repo` is undefined where the engine does not know it (a helm.v4.Chart's rendered objects name
 * only the chart and version).
 */
function sourceProblem(what: string, chart: string, version: unknown, repo: string | undefined, ctx: StackContext): string[] {
    // First, even for a declared mirror: a range would let the chart move under checked values.
    if (typeof version !== "string" || !EXACT_SEMVER.test(version)) {
        return [`${what}: chart ${chart} version ${JSON.stringify(version ?? null)} is not an exact version (x.y.z)`];
    }
    const from = repo === undefined ? "" : ` from ${repo}`;
    const pin = Object.values(charts).find((c) => c.chart === chart);
    if (!pin) return [`${what}: chart ${chart}${from} is not pinned in components/versions.ts`];
    const declared = ctx.chartSources[chart];
    if (declared) {
        if ((repo === undefined || declared.repo === repo) && declared.version === version) return [];
        return [
            `${what}: chart ${chart}@${version}${from} differs from its source in the policy config chartSources (${chart}@${declared.version} from ${declared.repo})`,
        ];
    }
    if (repo !== undefined && pin.repo !== repo) {
        return [
            `${what}: chart ${chart} from ${repo} is neither its pin in components/versions.ts (${pin.repo}) nor declared in the policy config chartSources`,
        ];
    }
    if (pin.version !== version) {
        return [
            `${what}: chart ${chart}@${version} differs from its pin ${pin.version} in components/versions.ts and is not declared in the policy config chartSources`,
        ];
    }
    return [];
}

export const chartPinned: Rule = {
    name: "chart-version-pinned",
    description:
        "Every Helm release uses an exact version and the repository and version of its pin in components/versions.ts, or of the mirror the policy config chartSources declares for it; a helm.v4.Chart, which the engine stores without inputs, is checked through the helm.sh/chart label of every object it renders.",
    lesson: "values keys checked against the chart (only possible against a known chart version)",
    roles: EVERY_STACK,
    check(r, ctx) {
        if (r.type === HELM_RELEASE) {
            const { chart, repo } = chartLocationOf(r);
            return sourceProblem(describe(r), chart, r.props.version, repo, ctx);
        }
        if (r.type !== HELM_CHART) return [];
        // Chart and version from Helm's label, the repository from the program's annotation.
        const rendered = ctx.children.get(r.urn) ?? [];
        const sources = new Map<string, [string, string | undefined]>();
        for (const c of rendered) {
            const label = c.props.metadata?.labels?.[CHART_LABEL];
            const repo = c.props.metadata?.annotations?.[CHART_SOURCE_ANNOTATION];
            if (typeof label === "string") sources.set(`${label} ${repo}`, [label, typeof repo === "string" ? repo : undefined]);
        }
        if (sources.size === 0) {
            return [`${describe(r)}: no object this helm.v4.Chart renders carries a ${CHART_LABEL} label, so its chart version cannot be checked`];
        }
        return [...sources.values()].flatMap(([label, repo]) => {
            const m = /^(.+)-(\d[^-]*)$/.exec(label);
            if (!m) return [`${describe(r)}: ${CHART_LABEL} label ${label} names no chart version`];
            if (repo === undefined)
                return [
                    `${describe(r)}: rendered objects of chart ${label} carry no ${CHART_SOURCE_ANNOTATION} annotation, so the repository they came from cannot be checked`,
                ];
            return sourceProblem(describe(r), m[1]!, m[2], repo, ctx);
        });
    },
};
