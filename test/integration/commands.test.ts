/**
 * The project's commands as a user runs them (child processes, tsx), where a test of the product
 * itself wants their printed output or their files; their arguments and errors are the *Cli tests.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli";
import { PROCESS_TEST_TIMEOUT } from "../support/timeouts";
import { ROOT, StackRun, runStack } from "../support/harness";

const TSX_CLI = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
/** The kube-system UID Pulumi.cluster.yaml pins (a placeholder, the same as prod's). */
const CLUSTER_PIN = "00000000-0000-0000-0000-000000000000";

describe("the cluster stack", () => {
    let cluster: StackRun;
    beforeAll(async () => {
        cluster = await runStack("cluster");
    });

    it(
        "npm run plan -- cluster --placeholder-secrets writes the plan and names the chart",
        () => {
            const out = path.join(mkdtempSync(path.join(tmpdir(), "plan-cluster-")), "cluster");
            const stdout = execFileSync(process.execPath, [TSX_CLI, "scripts/plan.ts", "cluster", "--placeholder-secrets", "--out", out], {
                cwd: ROOT,
                encoding: "utf8",
            });
            const lines = stdout.trim().split("\n");
            expect(lines.slice(0, -1)).toEqual([
                "Plan for stack cluster (the cluster stack): 5 resources, 1 Helm releases",
                "  kubernetes k8s-cluster",
                "  ClusterShared mlops-cluster",
                "    PrometheusOperatorCrds prometheus-operator-crds",
                "      Chart prometheus-operator-crds",
                "    NamespacePatch kube-system-cluster-stack",
                `  cluster: context kubernetes-admin@kubernetes, kube-system UID pinned to ${CLUSTER_PIN} (the offline plan has no cluster: it cannot check the live UID; pulumi preview does)`,
                "  release prometheus-operator-crds -> kube-system: prometheus-operator-crds@31.0.1 (helm.v4.Chart)",
            ]);
            expect(lines.at(-1)).toMatch(/^Wrote 4 files to .* in \d+ ms$/);
            expect(JSON.parse(readFileSync(path.join(out, "outputs.json"), "utf8"))).toEqual(cluster.plan.outputs);
        },
        PROCESS_TEST_TIMEOUT,
    );
});

describe("the scale-out example stack", () => {
    it(
        "prints its total requests in the plan",
        async () => {
            const out = path.join(mkdtempSync(path.join(tmpdir(), "scaleout-plan-")), "scaleout");
            const run = await runCli("scripts/plan.ts", ["scaleout", "--placeholder-secrets", "--out", out]);
            rmSync(path.dirname(out), { recursive: true, force: true });
            expect(run.code).toBe(0);
            expect(run.stdout).toContain("Requests: 7870m CPU, 22.44Gi memory + per node (DaemonSets) 150m CPU, 320Mi memory\n");
        },
        PROCESS_TEST_TIMEOUT,
    );
});

describe("npm run policy-config", () => {
    it(
        "writes the config of a stack without mirrors to stdout or to --out",
        () => {
            const expected = '{\n  "chart-version-pinned": {\n    "chartSources": {}\n  }\n}\n';
            const cli = (...args: string[]) => execFileSync(process.execPath, [TSX_CLI, "scripts/policyConfig.ts", ...args], { cwd: ROOT, encoding: "utf8" });
            expect(cli("dev")).toBe(expected);
            const out = path.join(mkdtempSync(path.join(tmpdir(), "policy-config-")), "nested", "policy-config.json");
            expect(cli("prod", "--out", out)).toBe("");
            expect(readFileSync(out, "utf8")).toBe(expected);
        },
        PROCESS_TEST_TIMEOUT,
    );
});
