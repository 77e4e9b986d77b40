/**
 * Across the envs, under amtool: an alert on shared infrastructure that both envs' Alertmanagers
 * receive pages one human channel, prod's (the rest of the cross-stack checks are test/crossStack.test.ts).
 */
import { describe, expect, it } from "vitest";
import { useBothStacks } from "../support/harness";
import { alertmanagerDir, amtoolReceivers } from "../support/validators";

const runs = useBothStacks();

describe("dev and prod on one cluster", () => {
    it.each<[string, Record<string, string>]>([
        ["a kube-system alert", { alertname: "KubeDaemonSetRolloutStuck", severity: "warning", namespace: "kube-system" }],
        ["an alert without namespace", { alertname: "KubeletDown", severity: "critical" }],
        ["a node-exporter host alert", { alertname: "NodeFilesystemAlmostOutOfSpace", severity: "critical", job: "node-exporter", instance: "node-1" }],
    ])("page one human channel, prod's, for %s that both envs' Alertmanagers receive (amtool)", (_label, labels) => {
        // Each Prometheus labels its node-exporter series with its own monitoring namespace.
        const receivers = (["dev", "prod"] as const).map((env) => {
            const own = labels.job ? { ...labels, namespace: `monitoring-${env}` } : labels;
            return amtoolReceivers(alertmanagerDir(runs[env].plan.artifacts), own);
        });
        expect(receivers).toEqual(["null", "slack-prod"]);
    });
});
