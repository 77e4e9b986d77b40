/**
 * The scale-out example stack (Pulumi.scaleout.yaml): prod once it outgrows one node. It plans, holds
 * each scale-out part with its exact settings, and shares nothing with dev or prod (the cross-stack
 * tests compare it with both as well).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { requestTotals, workloadInventory } from "../components/sizing";
import { parseStackConfig } from "../scripts/lib/stackFile";
import { StackRun, allStrings, runStack, valuesOf } from "./support/harness";

let scale: StackRun;
beforeAll(async () => {
    scale = await runStack("scaleout");
});

describe("the scale-out example stack", () => {
    it("runs Alloy, distributed Loki on its own prefix, two Prometheus replicas remote-writing to Mimir and three Alertmanagers", () => {
        const cfg = parseStackConfig(scale.run.stack);
        expect([cfg.env, cfg.protect, cfg.logging.agent, cfg.logging.loki.mode]).toEqual(["scaleout", true, "alloy", "distributed"]);
        const kps = valuesOf(scale.plan, "monitoring-scaleout");
        expect(kps.prometheus.prometheusSpec.replicas).toBe(2);
        expect(kps.prometheus.prometheusSpec.externalLabels).toEqual({ env: "scaleout" });
        expect(kps.prometheus.prometheusSpec.remoteWrite.map((w: { url: string; headers?: Record<string, string> }) => [w.url, w.headers])).toEqual([
            ["https://mimir.mlops.internal/api/v1/push", { "X-Scope-OrgID": "mlops-scaleout" }],
        ]);
        expect(kps.alertmanager.alertmanagerSpec.replicas).toBe(3);
        const loki = valuesOf(scale.plan, "loki-scaleout");
        expect([loki.deploymentMode, loki.loki.commonConfig.replication_factor, loki.ingester.replicas]).toEqual(["Distributed", 3, 3]);
        expect(scale.plan.releases.map((r) => r.name).sort()).toEqual([
            "airflow-scaleout",
            "alloy-scaleout",
            "loki-scaleout",
            "monitoring-scaleout",
            "nfs-scaleout",
        ]);
    });

    // That `npm run plan -- scaleout` prints them is test/integration/commands.test.ts.
    it("requests these totals", () => {
        const totals = requestTotals(workloadInventory(parseStackConfig(scale.run.stack)));
        expect(totals).toEqual({ fixed: { cpuMillis: 7870, memoryBytes: 22976 * 2 ** 20 }, perNode: { cpuMillis: 150, memoryBytes: 320 * 2 ** 20 } });
    });

    it("names no other env anywhere", () => {
        const strings = allStrings([scale.plan.resources, scale.plan.values, scale.plan.outputs, scale.plan.artifacts]);
        expect(strings.filter((s) => /(^|[^a-z])(dev|prod)([^a-z]|$)/.test(s))).toEqual([]);
    });
});
