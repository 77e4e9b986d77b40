/**
 * The config schema of a cluster stack (`role: cluster`): it owns what every env of the cluster
 * shares and nothing of any env, so it has no env, domain, workloads or env secrets, and a key of
 * the env schema set here is an unknown key like any other. It targets its cluster exactly as an
 * env stack does (`cluster.context`, the secret `kubeconfig`, no `kubernetes:*` keys), and, being
 * always protected (it guards the CRDs of every env), it must pin `cluster.kubeSystemUid`. Its
 * only other setting is where its chart comes from (`charts.prometheusOperatorCrds`, a mirror).
 */
import { CLUSTER_CHART_KEYS, ChartSources, ClusterChartKey } from "../chartSources";
import { readCharts } from "./charts";
import { ClusterConfig, checkForeignKeys, readCluster, readKubeconfig } from "./cluster";
import { ConfigError, ObjectReader, Problems } from "./reader";
import { readRole } from "./role";
import { RawConfig, decodeTopLevel } from "./schema";

export interface ClusterStackConfig {
    /** The stack's name: `cluster`, or `cluster-<name>` (components/config/role.ts). */
    readonly stack: string;
    /** The cluster the stack manages; its kube-system UID is always pinned. */
    readonly cluster: ClusterConfig & { readonly kubeSystemUid: string };
    /** Secret config: the whole kubeconfig (plain here; index.ts wraps it as a secret). */
    readonly kubeconfig?: string;
    readonly charts: ChartSources<ClusterChartKey>;
}

export function parseClusterStackConfig(raw: RawConfig, project: string): ClusterStackConfig {
    const problems = new Problems();
    const top = new ObjectReader(problems, "", decodeTopLevel(raw, problems), raw.secretKeys);
    checkForeignKeys(problems, raw.foreignKeys, project);
    readRole(top, "cluster", raw.stack);
    // Protected, always: deleting a CRD deletes every custom resource of that kind in every env.
    const cluster = readCluster(top, true);
    const kubeconfig = readKubeconfig(top, raw.secretKeys, cluster.context);
    const charts = readCharts(top.object("charts"), CLUSTER_CHART_KEYS);
    top.done();
    if (problems.list.length > 0) throw new ConfigError(project, problems.list);
    return { stack: raw.stack, cluster: { ...cluster, kubeSystemUid: cluster.kubeSystemUid! }, kubeconfig, charts };
}
