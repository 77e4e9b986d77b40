/** The plan diff the PR workflow posts: exact changes between two plans and their markdown. */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EMPTY_PLAN, PlanSnapshot, diffPlans, diffValues, readPlanDir, renderDiff, show, stacksIn } from "../scripts/lib/planDiff";
import { writePlan } from "../scripts/lib/planWriter";
import { StackRun, useBothStacks } from "./support/harness";
import { HELM_RELEASE } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();
const tmp = mkdtempSync(path.join(tmpdir(), "plan-diff-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const snapshot = (env: string): PlanSnapshot => structuredClone(runs[env].plan);

describe("diffValues", () => {
    it("lists leaf changes by key path, including array items and unset keys", () => {
        expect(diffValues({ a: { b: 1, c: [1, 2] }, d: "x" }, { a: { b: 2, c: [1] }, e: true })).toEqual([
            { path: "a.b", before: 1, after: 2 },
            { path: "a.c[1]", before: 2, after: undefined },
            { path: "d", before: "x", after: undefined },
            { path: "e", before: undefined, after: true },
        ]);
        expect(diffValues({ a: [1] }, { a: [1] })).toEqual([]);
    });
});

describe("diffPlans", () => {
    it("finds nothing between a plan and itself", () => {
        const d = diffPlans(snapshot("dev"), snapshot("dev"));
        expect(renderDiff("dev", d)).toBe("### Offline plan `dev`\n\nNo change.\n");
    });

    it("reports added, removed and changed resources, chart versions and values by key path", () => {
        const head = snapshot("dev");
        const loki = head.releases.find((r) => r.name === "loki-dev")!;
        loki.version = "18.12.0";
        (head.values["loki-dev"] as any).loki.limits_config.retention_period = "336h";
        const lokiRelease = head.resources.find((r) => r.type === HELM_RELEASE && r.name === "loki-dev")!;
        (lokiRelease.inputs as any).version = "18.12.0";
        (lokiRelease.inputs as any).values.loki.limits_config.retention_period = "336h";
        const removed = head.resources.findIndex((r) => r.name === "local-path-dev-rolebinding");
        head.resources.splice(removed, 1);
        head.resources.push({ ...head.resources[0]!, urn: "urn:pulumi:dev::mlops-platform::x:y:Z::extra", type: "x:y:Z", name: "extra" });

        const d = diffPlans(snapshot("dev"), head);
        expect(d.added).toEqual(["x:y:Z extra"]);
        expect(d.removed).toEqual(["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding local-path-dev-rolebinding"]);
        // The release's values are reported once, per release, not again as the resource's inputs.
        expect(d.changed).toEqual([
            { resource: "kubernetes:helm.sh/v3:Release loki-dev", changes: [{ path: "inputs.version", before: "18.11.0", after: "18.12.0" }] },
        ]);
        expect(d.charts).toEqual([{ release: "loki-dev", before: "loki@18.11.0", after: "loki@18.12.0" }]);
        expect(d.values).toEqual([{ release: "loki-dev", changes: [{ path: "loki.limits_config.retention_period", before: "168h", after: "336h" }] }]);
        expect(d.outputs).toEqual([]);
        expect(renderDiff("dev", d)).toBe(
            [
                "### Offline plan `dev`",
                "",
                "1 added, 1 removed, 1 changed resources; 1 chart version changes; values changed in 1 releases.",
                "",
                "**Added**",
                "",
                "- `x:y:Z extra`",
                "",
                "**Removed**",
                "",
                "- `kubernetes:rbac.authorization.k8s.io/v1:RoleBinding local-path-dev-rolebinding`",
                "",
                "**Chart versions**",
                "",
                "- loki-dev: loki@18.11.0 → loki@18.12.0",
                "",
                "<details><summary>values of <code>loki-dev</code>: 1 keys</summary>",
                "",
                "| key | base | this PR |",
                "|---|---|---|",
                '| `loki.limits_config.retention_period` | `"168h"` | `"336h"` |',
                "",
                "</details>",
                "",
                "<details><summary><code>kubernetes:helm.sh/v3:Release loki-dev</code>: 1 inputs</summary>",
                "",
                "| key | base | this PR |",
                "|---|---|---|",
                '| `inputs.version` | `"18.11.0"` | `"18.12.0"` |',
                "",
                "</details>",
                "",
            ].join("\n"),
        );
    });

    it("treats a stack missing on the base branch as new: everything added, no values table", () => {
        const d = diffPlans(EMPTY_PLAN, snapshot("prod"));
        expect([d.added.length, d.removed, d.changed, d.values]).toEqual([runs.prod.plan.resources.length, [], [], []]);
        expect(d.charts.map((c) => `${c.release}: ${c.before} -> ${c.after}`)).toEqual([
            "airflow-prod: undefined -> airflow@1.22.0",
            "loki-prod: undefined -> loki@18.11.0",
            "monitoring-prod: undefined -> kube-prometheus-stack@88.5.3",
            "nfs-prod: undefined -> nfs-subdir-external-provisioner@4.0.18",
            "promtail-prod: undefined -> promtail@6.17.1",
        ]);
    });

    it("shortens long values and escapes table pipes and backticks", () => {
        expect(show("x|y")).toBe('`"x\\|y"`');
        expect(show("a`b")).toBe(`\`"a'b"\``);
        expect(show("z".repeat(100))).toBe(`\`"${"z".repeat(78)}…\``);
        expect(show(undefined)).toBe("_(unset)_");
    });
});

describe("plan directories", () => {
    it("reads back what npm run plan writes, for every stack below an out/ root", () => {
        for (const env of ["dev", "prod"]) writePlan(runs[env].plan, path.join(tmp, env), []);
        // What a plan killed while writing leaves behind is not a stack.
        cpSync(path.join(tmp, "dev"), path.join(tmp, ".dev.plan-new-0123456789ab"), { recursive: true });
        expect(stacksIn(tmp)).toEqual(["dev", "prod"]);
        expect(stacksIn(path.join(tmp, "missing"))).toEqual([]);
        const read = readPlanDir(path.join(tmp, "prod"));
        expect(diffPlans(read, snapshot("prod"))).toEqual({ added: [], removed: [], changed: [], charts: [], values: [], outputs: [] });
        expect(readPlanDir(path.join(tmp, "missing"))).toBe(EMPTY_PLAN);
    });
});
