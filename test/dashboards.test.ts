/**
 * Dashboards and datasources as code: legends only use grouped labels, and queries only name the
 * env's namespaces. The expressions under promtool and Loki's parser (and log panels running range
 * queries) are test/integration/dashboards.test.ts.
 */
import { describe, expect, it } from "vitest";
import { StackRun, resourcesOfType, useBothStacks, valuesOf } from "./support/harness";
import { DashboardJson, dashboardsIn, targetsOf } from "./support/dashboards";
import { CONFIG_MAP } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();
const dashboardsOf = (env: string): DashboardJson[] => dashboardsIn(runs[env].plan);

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
