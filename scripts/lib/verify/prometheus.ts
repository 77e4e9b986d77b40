/**
 * Prometheus checks: which namespaces the env's Prometheus holds series for (kube-state-metrics and
 * cAdvisor), whether the env's own scrape targets are up, and whose rule groups are loaded.
 */
import { WorkloadName } from "../../../components/config/workloads";
import { CheckResult } from "./report";
import { FormatError, VerifyContext, fail, guarded, ingressGetJson, list, pass } from "./context";
import { apiUrl } from "./http";

/** Every kube-state-metrics pod series carries the pod's namespace. */
export const POD_NAMESPACES_QUERY = "count by(namespace)(kube_pod_info)";
/** cAdvisor container series; namespace-less (node and cgroup-root) series are not namespaced. */
export const CADVISOR_NAMESPACES_QUERY = 'count by(namespace)({__name__=~"container_.+",namespace!=""})';

async function api(ctx: VerifyContext, path: string, params: Record<string, string> = {}): Promise<any> {
    const { body } = await ingressGetJson(ctx, apiUrl(ctx.bases.prometheus, path, params));
    const doc = body as { status?: string; data?: unknown; error?: string };
    if (doc.status !== "success" || doc.data === undefined) {
        throw new FormatError(`Prometheus ${path}: ${doc.error ?? "answer without status success"}`);
    }
    return doc.data;
}

async function namespacesCheck(ctx: VerifyContext, id: string, query: string, source: string): Promise<CheckResult> {
    const data = await api(ctx, "/api/v1/query", { query });
    if (data.resultType !== "vector" || !Array.isArray(data.result)) throw new FormatError(`Prometheus query ${query}: expected a vector`);
    const seen = [...new Set<string>(data.result.map((s: { metric: Record<string, string> }) => s.metric.namespace ?? ""))].filter((ns) => ns !== "").sort();
    if (seen.length === 0) return fail(id, `${query} returned no series: ${source} is not scraped, nothing to judge`);
    const leaked = ctx.scope.leaked(seen);
    if (leaked.length) return fail(id, `leaked namespaces: ${list(leaked)} (${source}; allowed: ${list(seen.filter(ctx.scope.isAllowedNamespace))})`);
    return pass(id, `${source} namespaces: ${list(seen)}`);
}

interface ActiveTarget {
    labels: Record<string, string>;
    health: string;
    lastError?: string;
}

/**
 * The env's own scrape jobs. prometheus-operator uses the Service name as job; Loki's chart prefixes
 * `<namespace>/`. A workload's job is expected only while the workload is switched on.
 */
export function expectedJobs(ctx: VerifyContext): { what: string; job: string; workload?: WorkloadName }[] {
    return [
        { what: "FastAPI", job: ctx.scope.names.workloads.fastapi.job, workload: "fastapi" },
        { what: "Loki", job: ctx.outputs.releases.loki },
        { what: "log agent", job: ctx.scope.names.logAgentJob },
    ];
}

/**
 * Cluster-wide targets every env may scrape: kube-prometheus-stack's API-server monitor scrapes the
 * `kubernetes` Service, which lives in `default`.
 */
const isClusterTarget = (t: ActiveTarget) => t.labels.namespace === "default" && t.labels.job === "apiserver";

const jobMatches = (actual: string, expected: string) => actual === expected || actual.endsWith(`/${expected}`);

async function targetsCheck(ctx: VerifyContext, id: string): Promise<CheckResult> {
    const data = await api(ctx, "/api/v1/targets", { state: "active" });
    if (!Array.isArray(data.activeTargets)) throw new FormatError("Prometheus /api/v1/targets: no activeTargets list");
    const targets = data.activeTargets as ActiveTarget[];
    const problems: string[] = [];
    const seen: string[] = [];
    for (const { what, job, workload } of expectedJobs(ctx)) {
        if (workload && !ctx.outputs.workloads[workload]) {
            seen.push(`${what} switched off`);
            continue;
        }
        const mine = targets.filter((t) => jobMatches(t.labels.job ?? "", job));
        const up = mine.filter((t) => t.health === "up").length;
        if (mine.length === 0) problems.push(`${what}: no active target with job ${job}`);
        else if (up < mine.length) {
            const down = mine.find((t) => t.health !== "up");
            problems.push(`${what} ${down?.labels.job}: ${up}/${mine.length} up (${down?.health}${down?.lastError ? `: ${down.lastError}` : ""})`);
        } else seen.push(`${what} ${mine[0].labels.job} ${up}/${mine.length} up`);
    }
    const foreign = ctx.scope.leaked(
        targets
            .filter((t) => !isClusterTarget(t))
            .map((t) => t.labels.namespace)
            .filter((ns): ns is string => !!ns),
    );
    if (foreign.length) problems.push(`targets in other namespaces: ${list(foreign)}`);
    return problems.length ? fail(id, problems.join("; ")) : pass(id, seen.join("; "));
}

interface RuleGroup {
    name: string;
    file: string;
}

async function rulesCheck(ctx: VerifyContext, id: string): Promise<CheckResult> {
    const data = await api(ctx, "/api/v1/rules");
    if (!Array.isArray(data.groups)) throw new FormatError("Prometheus /api/v1/rules: no groups list");
    const groups = data.groups as RuleGroup[];
    const foreign = groups.flatMap((g) => {
        const ns = ctx.scope.foreignRuleNamespace(g.file);
        return ns ? [`${g.name} (${ns})`] : [];
    });
    const release = ctx.outputs.monitoringReleaseLabel.release;
    // Rule files of the env's PrometheusRules start with one of its namespaces (see foreignRuleNamespace).
    const own = groups.filter((g) => {
        const base = g.file.split("/").pop() ?? "";
        return ctx.scope.namespaces.some((ns) => base.startsWith(`${ns}-`)) || g.name.includes(release);
    });
    const problems: string[] = [];
    if (own.length === 0) problems.push(`no rule group of env ${ctx.scope.env} loaded (${groups.length} groups in total)`);
    if (foreign.length) problems.push(`other env's rule groups loaded: ${list(foreign)}`);
    if (problems.length) return fail(id, problems.join("; "));
    return pass(id, `${own.length} rule groups of env ${ctx.scope.env} loaded, none of another env`);
}

export function prometheusChecks(ctx: VerifyContext): Promise<CheckResult>[] {
    return [
        guarded("prometheus.pod-namespaces", (id) => namespacesCheck(ctx, id, POD_NAMESPACES_QUERY, "kube_pod_info")),
        guarded("prometheus.cadvisor-namespaces", (id) => namespacesCheck(ctx, id, CADVISOR_NAMESPACES_QUERY, "cAdvisor container series")),
        guarded("prometheus.targets", (id) => targetsCheck(ctx, id)),
        guarded("prometheus.rules", (id) => rulesCheck(ctx, id)),
    ];
}
