/**
 * Small builders for Grafana dashboard JSON (schema of Grafana 10+). Datasources are always
 * referenced by UID, never by name or a template variable, so a dashboard can only ever query
 * the env's own Prometheus and Loki.
 */

/** The label kube-prometheus-stack's Grafana sidecar looks for (chart default, set explicitly). */
export const DASHBOARD_SIDECAR_LABEL = { label: "grafana_dashboard", labelValue: "1" } as const;

export interface DatasourceRef {
    readonly type: "prometheus" | "loki";
    readonly uid: string;
}

export interface Target {
    readonly refId: string;
    readonly datasource: DatasourceRef;
    readonly expr: string;
    readonly legendFormat?: string;
    /** Loki only: log panels must run range queries. */
    readonly queryType?: "range";
    readonly instant?: boolean;
    readonly range?: boolean;
    readonly format?: "table" | "time_series";
}

export interface Panel {
    readonly id: number;
    readonly type: string;
    readonly title: string;
    readonly datasource: DatasourceRef;
    readonly gridPos: { h: number; w: number; x: number; y: number };
    readonly targets: Target[];
    readonly fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
    readonly options: Record<string, unknown>;
    readonly description?: string;
}

export interface Variable {
    readonly name: string;
    readonly label: string;
    readonly type: "query" | "textbox";
    readonly query: unknown;
    readonly datasource?: DatasourceRef;
    /** The value tests substitute when they validate expressions. */
    readonly sample: string;
    readonly includeAll?: boolean;
}

export interface Dashboard {
    readonly uid: string;
    readonly title: string;
    readonly tags: string[];
    readonly panels: Panel[];
    readonly variables: Variable[];
    readonly refresh: string;
    readonly time: { from: string; to: string };
}

export interface Query {
    readonly expr: string;
    readonly legend?: string;
}

type PanelSpec = { title: string; w: number; h?: number; unit?: string; description?: string; queries: Query[] };

/** Lays panels out left to right in rows of 24 columns and numbers them. */
export class DashboardBuilder {
    private readonly panels: Panel[] = [];
    private x = 0;
    private y = 0;
    private rowHeight = 0;

    constructor(
        private readonly prometheus: DatasourceRef,
        private readonly loki: DatasourceRef,
    ) {}

    private add(type: string, ds: DatasourceRef, spec: PanelSpec, targets: Target[], options: Record<string, unknown>): this {
        const h = spec.h ?? 8;
        if (this.x + spec.w > 24) {
            this.x = 0;
            this.y += this.rowHeight;
            this.rowHeight = 0;
        }
        this.panels.push({
            id: this.panels.length + 1,
            type,
            title: spec.title,
            ...(spec.description ? { description: spec.description } : {}),
            datasource: ds,
            gridPos: { h, w: spec.w, x: this.x, y: this.y },
            targets,
            fieldConfig: { defaults: spec.unit ? { unit: spec.unit } : {}, overrides: [] },
            options,
        });
        this.x += spec.w;
        this.rowHeight = Math.max(this.rowHeight, h);
        return this;
    }

    private promTargets(queries: Query[], extra: Partial<Target> = {}): Target[] {
        return queries.map((q, i) => ({
            refId: String.fromCharCode(65 + i),
            datasource: this.prometheus,
            expr: q.expr,
            legendFormat: q.legend ?? "__auto",
            ...extra,
        }));
    }

    private lokiTargets(queries: Query[]): Target[] {
        return queries.map((q, i) => ({
            refId: String.fromCharCode(65 + i),
            datasource: this.loki,
            expr: q.expr,
            ...(q.legend ? { legendFormat: q.legend } : {}),
            queryType: "range" as const,
        }));
    }

    timeseries(spec: PanelSpec): this {
        return this.add("timeseries", this.prometheus, spec, this.promTargets(spec.queries), { legend: { displayMode: "list", placement: "bottom" } });
    }

    stat(spec: PanelSpec): this {
        return this.add("stat", this.prometheus, { h: 4, ...spec }, this.promTargets(spec.queries), { reduceOptions: { calcs: ["lastNotNull"] } });
    }

    table(spec: PanelSpec): this {
        return this.add("table", this.prometheus, spec, this.promTargets(spec.queries, { format: "table", instant: true }), {});
    }

    /** Log lines from Loki; always a range query over the dashboard's time range. */
    logs(spec: PanelSpec): this {
        return this.add("logs", this.loki, { h: 10, ...spec }, this.lokiTargets(spec.queries), {
            showTime: true,
            wrapLogMessage: true,
            sortOrder: "Descending",
        });
    }

    /** A metric computed from logs (count_over_time and friends), graphed from Loki range queries. */
    logMetrics(spec: PanelSpec): this {
        return this.add("timeseries", this.loki, spec, this.lokiTargets(spec.queries), { legend: { displayMode: "list", placement: "bottom" } });
    }

    build(meta: Omit<Dashboard, "panels">): Dashboard {
        return { ...meta, panels: [...this.panels] };
    }
}

/** The JSON model Grafana loads. */
export function dashboardJson(d: Dashboard): Record<string, unknown> {
    return {
        uid: d.uid,
        title: d.title,
        tags: d.tags,
        timezone: "browser",
        schemaVersion: 39,
        editable: false,
        refresh: d.refresh,
        time: d.time,
        panels: d.panels,
        templating: {
            list: d.variables.map((v) => ({
                name: v.name,
                label: v.label,
                type: v.type,
                query: v.query,
                ...(v.datasource ? { datasource: v.datasource, refresh: 2 } : {}),
                ...(v.includeAll ? { includeAll: true, multi: true, allValue: ".*", current: { text: "All", value: "$__all" } } : {}),
                ...(v.type === "textbox" ? { current: { text: v.sample, value: v.sample } } : {}),
            })),
        },
        annotations: { list: [] },
    };
}
