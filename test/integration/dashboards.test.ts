/**
 * Dashboards as code under the field's validators: every PromQL expression passes promtool
 * (wrapped in a synthetic rules file), every LogQL expression passes Loki's parser, and log panels
 * run range queries.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DashboardJson, dashboardsIn, interpolate, promRulesFile, targetsOf } from "../support/dashboards";
import { StackRun, useBothStacks } from "../support/harness";
import { checkLogql, promtoolCheckRules, useLogqlChecker, writeFiles } from "../support/validators";

const runs: Record<string, StackRun> = useBothStacks();
const checker = useLogqlChecker();
const dashboardsOf = (env: string): DashboardJson[] => dashboardsIn(runs[env].plan);

describe.each(["dev", "prod"])("dashboards-%s", (env) => {
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
});

describe("dashboard validation catches mistakes with the validator's message", () => {
    it("promtool names the panel of a broken PromQL expression", () => {
        const dir = writeFiles({ "dashboards.yaml": promRulesFile([{ id: "fastapi-overview-dev/1/A", expr: "sum(rate(http_requests_total[5m])" }]) });
        const res = promtoolCheckRules(path.join(dir, "dashboards.yaml"));
        expect(res.status, res.report).not.toBe(0);
        expect(res.stdout + res.stderr).toContain('group "fastapi-overview-dev/1/A", rule 1, "dashboard:expr:0": could not parse expression');
    });
});
