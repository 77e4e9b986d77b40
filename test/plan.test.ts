/** The offline plan files: layout, secret redaction and placeholder handling. */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { writePlan } from "../scripts/lib/planWriter";
import { StackFileError, loadStack } from "../scripts/lib/stackFile";
import { MINIMAL_SECRETS, ROOT, runLoaded } from "./support/harness";

/** A project dir with the real Pulumi.yaml and the real dev stack file as `edit` changes its config. */
function projectWithDevConfig(edit: (config: Record<string, any>) => void): string {
    const dir = mkdtempSync(path.join(tmpdir(), "plan-"));
    copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const doc = yaml.load(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, any> };
    edit(doc.config);
    writeFileSync(path.join(dir, "Pulumi.dev.yaml"), yaml.dump(doc));
    return dir;
}

/** The dev stack file holding an encrypted value. */
const projectWithSecureValue = () =>
    projectWithDevConfig((config) => {
        config["mlops-platform:grafanaAdminPassword"] = { secure: "v1:3fQ0ZrjL0CfnM8bM:Yk3Ex1v8bXy4Qd0Hs2p2" };
    });

const filesUnder = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));

describe("offline plan", () => {
    it("asks for a placeholder for every encrypted value instead of failing later", () => {
        const dir = projectWithSecureValue();
        expect(() => loadStack(dir, "dev")).toThrow(StackFileError);
        expect(() => loadStack(dir, "dev")).toThrow(
            "Pulumi.dev.yaml has encrypted values the offline plan cannot decrypt: grafanaAdminPassword. " +
                "Pass a placeholder for each (--secret <key>=<value>) or let the plan generate them (--placeholder-secrets or PLAN_PLACEHOLDER_SECRETS=1).",
        );
    });

    it.each([
        [
            "explicit placeholders",
            {
                secrets: {
                    grafanaAdminPassword: "placeholder-admin-password-123",
                    ...MINIMAL_SECRETS,
                    airflowGitSshKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nplaceholder\n-----END OPENSSH PRIVATE KEY-----\n",
                },
            },
        ],
        ["generated placeholders", { placeholderSecrets: true }],
    ])("writes the plan with %s and never writes a placeholder", async (_label, opts) => {
        const dir = projectWithSecureValue();
        const stack = loadStack(dir, "dev", opts);
        // The encrypted value of the file, then every required secret the file does not hold.
        expect(stack.secretKeys).toEqual(
            [
                "grafanaAdminPassword",
                "alertmanagerSlackWebhook",
                "appSlackWebhookUrl",
                "mlflowDatabasePassword",
                "airflowDatabasePassword",
                "s3AccessKeyId",
                "s3SecretAccessKey",
                "airflowGitSshKey",
            ].map((k) => `mlops-platform:${k}`),
        );
        const { plan } = await runLoaded(stack);
        const out = path.join(dir, "out", "dev");
        const files = writePlan(plan, out, stack.placeholders)
            .map((f) => path.relative(out, f))
            .sort();
        expect(files).toEqual([
            "alertmanager/alertmanager.yaml",
            "alertmanager/slack.tmpl",
            "dashboards/data-pipeline-dev.json",
            "dashboards/fastapi-models-dev.json",
            "dashboards/fastapi-overview-dev.json",
            "dashboards/platform-k8s-dev.json",
            "outputs.json",
            "releases.json",
            "resources.json",
            "rules/loki-fake.yaml",
            "rules/prometheus.yaml",
            "values/airflow-dev.yaml",
            "values/loki-dev.yaml",
            "values/monitoring-dev.yaml",
            "values/nfs-dev.yaml",
            "values/promtail-dev.yaml",
        ]);
        for (const f of filesUnder(out)) {
            for (const p of stack.placeholders) expect(readFileSync(f, "utf8")).not.toContain(p);
        }
        // With a configured password no RandomPassword is created, and the Secret carries the marker.
        const resources = JSON.parse(readFileSync(path.join(out, "resources.json"), "utf8")) as any[];
        expect(resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword" && r.parent.includes("GrafanaAdmin"))).toEqual([]);
        expect(resources.find((r) => r.name === "grafana-admin-dev-secret").inputs.stringData).toBe("[secret]");
        const releases = JSON.parse(readFileSync(path.join(out, "releases.json"), "utf8")) as any[];
        for (const r of releases) {
            expect(yaml.load(readFileSync(path.join(out, r.valuesFile), "utf8"))).toEqual(plan.values[r.name]);
        }
    });

    it("without placeholders, names every secret the stack still needs and how to set it", async () => {
        const failure = await runLoaded(loadStack(ROOT, "dev")).then(
            () => undefined,
            (e: unknown) => e,
        );
        const lines = ((failure as { cause: Error }).cause.message as string).split("\n");
        expect(lines.filter((l) => l.includes("set with pulumi config set --secret"))).toEqual([
            "  - mlops-platform:appSlackWebhookUrl: expected an https Slack incoming-webhook URL for FastAPI and Airflow notifications, set with pulumi config set --secret appSlackWebhookUrl, got nothing (key not set)",
            "  - mlops-platform:mlflowDatabasePassword: expected the MLflow PostgreSQL user's password, set with pulumi config set --secret mlflowDatabasePassword, got nothing (key not set)",
            "  - mlops-platform:airflowDatabasePassword: expected the Airflow PostgreSQL user's password, set with pulumi config set --secret airflowDatabasePassword, got nothing (key not set)",
            "  - mlops-platform:s3AccessKeyId: expected the object store access key id, set with pulumi config set --secret s3AccessKeyId, got nothing (key not set)",
            "  - mlops-platform:s3SecretAccessKey: expected the object store secret access key, set with pulumi config set --secret s3SecretAccessKey, got nothing (key not set)",
            "  - mlops-platform:airflowGitSshKey: expected the SSH deploy key (private key) of the DAG repository, since workloads.airflow.dags.repository uses SSH, set with pulumi config set --secret airflowGitSshKey, got nothing (key not set)",
            "  - mlops-platform:alertmanagerSlackWebhook: expected a Slack incoming-webhook URL (https://...) for the env's Alertmanager, set with pulumi config set --secret alertmanagerSlackWebhook, got nothing (key not set)",
        ]);
    });

    it("plans a stack file with workloads switched off, asking only for the secrets the rest read", async () => {
        // Airflow's section (with its SSH repository) stays in the file: switching it off is the one key.
        const dir = projectWithDevConfig((config) => {
            const workloads = config["mlops-platform:workloads"];
            workloads.airflow.enabled = false;
            workloads.mlflow.enabled = false;
        });
        const stack = loadStack(dir, "dev", { placeholderSecrets: true });
        expect(stack.secretKeys).toEqual(["alertmanagerSlackWebhook", "appSlackWebhookUrl"].map((k) => `mlops-platform:${k}`));
        const { plan } = await runLoaded(stack);
        expect(plan.outputs.workloads).toEqual({ fastapi: true, mlflow: false, airflow: false });
        const out = path.join(dir, "out", "dev");
        const files = writePlan(plan, out, stack.placeholders).map((f) => path.relative(out, f));
        expect(files.filter((f) => f.startsWith("values/")).sort()).toEqual([
            "values/loki-dev.yaml",
            "values/monitoring-dev.yaml",
            "values/nfs-dev.yaml",
            "values/promtail-dev.yaml",
        ]);
    });

    it("refuses to keep plan files that contain a placeholder", () => {
        const out = mkdtempSync(path.join(tmpdir(), "leak-"));
        const plan = {
            resources: [],
            reads: [],
            releases: [],
            values: {},
            outputs: {},
            artifacts: { "alertmanager/alertmanager.yaml": "leaked: placeholder-xyz-123\n" },
        };
        expect(() => writePlan(plan, out, ["placeholder-xyz-123"])).toThrow(
            `a secret placeholder reached the plan files (${path.join(out, "alertmanager", "alertmanager.yaml")}); nothing was kept`,
        );
        expect(readdirSync(path.dirname(out)).includes(path.basename(out))).toBe(false);
    });
});
