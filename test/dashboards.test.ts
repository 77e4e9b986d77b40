/**
 * Dashboards and datasources as code: every PromQL expression passes promtool (wrapped in a
 * synthetic rules file), every LogQL expression passes Loki's parser, log panels run range
 * queries, legends only use grouped labels, and queries only name the env's namespaces.
 */
import * as path from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { StackRun, resourcesOfType, useBothStacks, valuesOf } from "./support/harness";
import { checkLogql, promtoolCheckRules, useLogqlChecker, writeFiles } from "./support/validators";
import { CONFIG_MAP } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();
const checker = useLogqlChecker();

interface Target {
    refId: string;
    datasource: { type: string; uid: string };
    expr: string;
    legendFormat?: string;
    queryType?: string;
}
interface PanelJson {
    id: number;
    type: string;
    title: string;
    datasource: { type: string; uid: string };
    targets: Target[];
}
interface DashboardJson {
    uid: string;
    title: string;
    panels: PanelJson[];
    templating: { list: { name: string; type: string; query: unknown; current?: { value: string } }[] };
}

const dashboardsOf = (env: string): DashboardJson[] =>
    Object.entries(runs[env].plan.artifacts)
        .filter(([f]) => f.startsWith("dashboards/"))
        .map(([, json]) => JSON.parse(json) as DashboardJson);

/** Grafana's built-in intervals and each variable's test value, as Grafana would interpolate them. */
const SAMPLES: Record<string, string> = { __rate_interval: "5m", __interval: "1m", __range: "1h", handler: "/predict", variant: "champion", pipeline: ".+" };
const interpolate = (expr: string) => expr.replace(/\$\{?(\w+)\}?/g, (m, name: string) => SAMPLES[name] ?? m);

const targetsOf = (d: DashboardJson) => d.panels.flatMap((p) => p.targets.map((t) => ({ panel: p, target: t, id: `${d.uid}/${p.id}/${t.refId}` })));

/** Every expression as a recording rule (distinct names: promtool lints duplicates), one group per target so promtool names the panel. */
function promRulesFile(items: { id: string; expr: string }[]): string {
    return yaml.dump({ groups: items.map((i, n) => ({ name: i.id, rules: [{ record: `dashboard:expr:${n}`, expr: i.expr }] })) }, { lineWidth: -1 });
}

describe.each(["dev", "prod"])("dashboards-%s", (env) => {
    const other = env === "dev" ? "prod" : "dev";

    it("are the four dashboards, each a ConfigMap with the sidecar label in the env's monitoring namespace", () => {
        expect(dashboardsOf(env).map((d) => [d.uid, d.title])).toEqual([
            [`data-pipeline-${env}`, `Data pipeline logs and runs (${env})`],
            [`fastapi-models-${env}`, `FastAPI A/B and model deep dive (${env})`],
            [`fastapi-overview-${env}`, `FastAPI service overview (${env})`],
            [`platform-k8s-${env}`, `Platform: Kubernetes and nodes (${env})`],
        ]);
        const cms = resourcesOfType(runs[env].plan, CONFIG_MAP).filter((r) => r.name.startsWith(`dashboards-${env}-`));
        expect(cms.map((c) => (c.inputs as any).metadata.name).sort()).toEqual(dashboardsOf(env).map((d) => `dashboard-${d.uid}`));
        for (const cm of cms) {
            const inputs = cm.inputs as any;
            expect(inputs.metadata.namespace).toBe(`monitoring-${env}`);
            expect(inputs.metadata.labels.grafana_dashboard).toBe("1");
            const [file, json] = Object.entries(inputs.data as Record<string, string>)[0];
            expect(runs[env].plan.artifacts[`dashboards/${file}`]).toBe(json);
        }
    });

    it("Grafana has exactly the env's Prometheus, Alertmanager and Loki datasources, and dashboards use only those UIDs", () => {
        const g = valuesOf(runs[env].plan, `monitoring-${env}`).grafana;
        const uids = [g.sidecar.datasources.uid, g.sidecar.datasources.alertmanager.uid, ...g.additionalDataSources.map((d: any) => d.uid)];
        expect(uids).toEqual([`prometheus-${env}`, `alertmanager-${env}`, `loki-${env}`]);
        expect(g.additionalDataSources.map((d: any) => d.url)).toEqual([`http://loki-${env}.observability-${env}.svc.cluster.local:3100`]);
        for (const d of dashboardsOf(env)) {
            for (const { panel, target, id } of targetsOf(d)) {
                expect([`prometheus-${env}`, `loki-${env}`], id).toContain(panel.datasource.uid);
                expect(target.datasource, id).toEqual(panel.datasource);
            }
            for (const v of d.templating.list) if ((v as any).datasource) expect((v as any).datasource.uid).toBe(`prometheus-${env}`);
        }
    });

    it("every PromQL expression passes promtool check rules", () => {
        const items = dashboardsOf(env).flatMap((d) =>
            targetsOf(d)
                .filter((t) => t.target.datasource.type === "prometheus")
                .map((t) => ({ id: t.id, expr: interpolate(t.target.expr) })),
        );
        expect(items.length).toBe(29);
        for (const i of items) expect(i.expr, i.id).not.toContain("$");
        const dir = writeFiles({ "dashboards.yaml": promRulesFile(items) });
        const res = promtoolCheckRules(path.join(dir, "dashboards.yaml"));
        expect(res.status, res.report).toBe(0);
        expect(res.stdout, res.report).toContain(`SUCCESS: ${items.length} rules found`);
    });

    it("every LogQL expression parses, and every log panel runs range queries", () => {
        const loki = dashboardsOf(env).flatMap((d) => targetsOf(d).filter((t) => t.target.datasource.type === "loki"));
        expect(loki.length).toBeGreaterThanOrEqual(8);
        for (const { target, id } of loki) expect(target.queryType, id).toBe("range");
        const logPanels = dashboardsOf(env).flatMap((d) => d.panels.filter((p) => p.type === "logs"));
        expect(logPanels.length).toBeGreaterThanOrEqual(5);
        for (const p of logPanels) expect(p.datasource.uid).toBe(`loki-${env}`);
        const { failures, result } = checkLogql(
            checker.bin,
            loki.map((t) => ({ id: t.id, expr: interpolate(t.target.expr) })),
        );
        expect(failures, result.report).toEqual([]);
    });

    it("legends only use labels the query groups by", () => {
        for (const d of dashboardsOf(env)) {
            for (const { target, id } of targetsOf(d)) {
                const used = [...(target.legendFormat ?? "").matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]);
                const grouped = new Set([...target.expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(",").map((l) => l.trim())));
                for (const label of used) expect(grouped.has(label), `${id}: legend {{${label}}} of ${target.expr}`).toBe(true);
            }
        }
    });

    it("queries name only the env's namespaces, never the other env's", () => {
        const allowed = new Set([`fastapi-${env}`, `airflow-${env}`, `observability-${env}`, `monitoring-${env}`, `.*-${env}|kube-system`]);
        let count = 0;
        for (const d of dashboardsOf(env)) {
            const json = JSON.stringify(d);
            expect(json).not.toContain(`-${other}"`);
            for (const { target, id } of targetsOf(d)) {
                for (const m of target.expr.matchAll(/namespace\s*(?:=~|=)\s*"([^"]*)"/g)) {
                    count++;
                    expect(allowed.has(m[1]), `${id}: namespace ${m[1]}`).toBe(true);
                }
            }
        }
        expect(count).toBeGreaterThan(30);
    });
});

describe("dashboard validation catches mistakes with the validator's message", () => {
    it("promtool names the panel of a broken PromQL expression", () => {
        const dir = writeFiles({ "dashboards.yaml": promRulesFile([{ id: "fastapi-overview-dev/1/A", expr: "sum(rate(http_requests_total[5m])" }]) });
        const res = promtoolCheckRules(path.join(dir, "dashboards.yaml"));
        expect(res.status, res.report).not.toBe(0);
        expect(res.stdout + res.stderr).toContain('group "fastapi-overview-dev/1/A", rule 1, "dashboard:expr:0": could not parse expression');
    });
});
