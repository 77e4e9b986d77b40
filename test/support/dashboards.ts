/** The plan's Grafana dashboards as the dashboard tests read them (test/dashboards.test.ts and its integration half). */
import * as yaml from "js-yaml";
import { Plan } from "../../scripts/lib/planWriter";

export interface Target {
    refId: string;
    datasource: { type: string; uid: string };
    expr: string;
    legendFormat?: string;
    queryType?: string;
}
export interface PanelJson {
    id: number;
    type: string;
    title: string;
    datasource: { type: string; uid: string };
    targets: Target[];
}
export interface DashboardJson {
    uid: string;
    title: string;
    panels: PanelJson[];
    templating: { list: { name: string; type: string; query: unknown; current?: { value: string } }[] };
}

export const dashboardsIn = (plan: Plan): DashboardJson[] =>
    Object.entries(plan.artifacts)
        .filter(([f]) => f.startsWith("dashboards/"))
        .map(([, json]) => JSON.parse(json) as DashboardJson);

/** Grafana's built-in intervals and each variable's test value, as Grafana would interpolate them. */
export const SAMPLES: Record<string, string> = {
    __rate_interval: "5m",
    __interval: "1m",
    __range: "1h",
    handler: "/predict",
    variant: "champion",
    pipeline: ".+",
};
export const interpolate = (expr: string) => expr.replace(/\$\{?(\w+)\}?/g, (m, name: string) => SAMPLES[name] ?? m);

export const targetsOf = (d: DashboardJson) => d.panels.flatMap((p) => p.targets.map((t) => ({ panel: p, target: t, id: `${d.uid}/${p.id}/${t.refId}` })));

/** Every expression as a recording rule (distinct names: promtool lints duplicates), one group per target so promtool names the panel. */
export function promRulesFile(items: { id: string; expr: string }[]): string {
    return yaml.dump({ groups: items.map((i, n) => ({ name: i.id, rules: [{ record: `dashboard:expr:${n}`, expr: i.expr }] })) }, { lineWidth: -1 });
}
