/**
 * The config schema of the cluster stack (`role: cluster`): it owns what every env of the cluster
 * shares and nothing of any env, so it has no env, domain, workloads or secrets, and a key of the
 * env schema set here is an unknown key like any other. Its only setting besides `role` is where
 * its charts come from (`charts.prometheusOperatorCrds`, for an internal mirror).
 */
import { CLUSTER_CHART_KEYS, ChartSources, ClusterChartKey } from "../chartSources";
import { readCharts } from "./charts";
import { ConfigError, ObjectReader, Problems } from "./reader";
import { ROLE_EXPECTED } from "./role";
import { RawConfig, decodeTopLevel } from "./schema";

export interface ClusterConfig {
    readonly charts: ChartSources<ClusterChartKey>;
}

export function parseClusterConfig(raw: RawConfig, project: string): ClusterConfig {
    const problems = new Problems();
    const top = new ObjectReader(problems, "", decodeTopLevel(raw, problems), raw.secretKeys);
    top.string("role", { expected: ROLE_EXPECTED, oneOf: ["cluster"], required: true });
    const charts = readCharts(top.object("charts"), CLUSTER_CHART_KEYS);
    top.done();
    if (problems.list.length > 0) throw new ConfigError(project, problems.list);
    return { charts };
}
