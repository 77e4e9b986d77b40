/** The offline plan files: layout, secret redaction and placeholder handling. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { OutDirError, PLAN_MARKER, PlaceholderLeakError, checkOutDir } from "../scripts/lib/planOutput";
import { Plan, writePlan } from "../scripts/lib/planWriter";
import { StackFileError, loadStack } from "../scripts/lib/stackFile";
import { MINIMAL_SECRETS, ROOT, runLoaded } from "./support/harness";
import { RANDOM_PASSWORD } from "../components/resourceTypes";

const tempDirs: string[] = [];
/** A fresh temporary directory (real path), removed when the file's tests are done. */
function tempDir(prefix: string): string {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
    tempDirs.push(dir);
    return dir;
}
afterAll(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A project dir with the real Pulumi.yaml and the real dev stack file as `edit` changes its config. */
function projectWithDevConfig(edit: (config: Record<string, any>) => void): string {
    const dir = tempDir("plan-");
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

const EMPTY_PLAN: Plan = { stack: "dev", resources: [], reads: [], releases: [], values: {}, outputs: {}, artifacts: {} };

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
        expect(resources.filter((r) => r.type === RANDOM_PASSWORD && r.parent.includes("GrafanaAdmin"))).toEqual([]);
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

    it("refuses to keep plan files that contain a placeholder, and leaves the directory as it was", () => {
        const parent = tempDir("leak-");
        const out = path.join(parent, "dev");
        // An empty directory (mkdir, mktemp -d) is accepted: there is nothing in it to lose.
        mkdirSync(out);
        const plan = { ...EMPTY_PLAN, artifacts: { "alertmanager/alertmanager.yaml": "leaked: placeholder-xyz-123\n" } };
        expect(() => writePlan(plan, out, ["placeholder-xyz-123"])).toThrow(
            new PlaceholderLeakError(`a secret placeholder reached the plan files (alertmanager/alertmanager.yaml); nothing was written to ${out}`),
        );
        expect(readdirSync(parent)).toEqual(["dev"]);
        expect(readdirSync(out)).toEqual([]);
    });

    it("a write that fails half way leaves the previous output intact and no temporary directory", () => {
        const parent = tempDir("halfway-");
        const out = path.join(parent, "dev");
        writePlan({ ...EMPTY_PLAN, outputs: { env: "dev" } }, out, []);
        const before = Object.fromEntries(filesUnder(out).map((f) => [f, readFileSync(f, "utf8")]));
        expect(Object.keys(before).map((f) => path.relative(out, f))).toEqual([PLAN_MARKER, "outputs.json", "releases.json", "resources.json"]);
        // An artifact below a file the plan already wrote: the write fails after several files exist.
        const broken = { ...EMPTY_PLAN, artifacts: { "resources.json/x.yaml": "x: 1\n" } };
        expect(() => writePlan(broken, out, [])).toThrow(/^ENOTDIR|^EEXIST/);
        expect(Object.fromEntries(filesUnder(out).map((f) => [f, readFileSync(f, "utf8")]))).toEqual(before);
        expect(readdirSync(parent)).toEqual(["dev"]);
    });
});

describe("where the plan may write", () => {
    it("names a place it cannot create the output in, rather than hanging or printing a stack trace", () => {
        // procfs answers ENOENT to mkdir below an existing directory; Node's recursive mkdir never returns there.
        expect(() => writePlan(EMPTY_PLAN, "/proc/no-such-dir/dev", [])).toThrow(
            new OutDirError("cannot write the plan next to /proc/no-such-dir/dev: ENOENT: no such file or directory, mkdir '/proc/no-such-dir'"),
        );
    });

    /** A project and a home directory of their own, so that nothing real is ever the target. */
    function fixture() {
        const base = tempDir("guard-");
        const guard = { projectRoot: path.join(base, "work", "project"), home: path.join(base, "home", "me") };
        mkdirSync(guard.home, { recursive: true });
        mkdirSync(guard.projectRoot, { recursive: true });
        writeFileSync(path.join(guard.projectRoot, "package.json"), "{}\n");
        return { base, guard };
    }
    const why = (dir: string, target: string, reason: string) => `--out ${dir}: refusing to write the plan into ${target}: ${reason}`;

    it("refuses /, the project, $HOME and every directory above them, also through a symbolic link", () => {
        const { base, guard } = fixture();
        const link = path.join(base, "link-to-project");
        symlinkSync(guard.projectRoot, link);
        const cases: [string, string, string][] = [
            ["/", "/", "it is the filesystem root"],
            [guard.projectRoot, guard.projectRoot, "it is the project root"],
            [path.dirname(guard.projectRoot), path.dirname(guard.projectRoot), "it contains the project"],
            [guard.home, guard.home, "it is your home directory"],
            [path.dirname(guard.home), path.dirname(guard.home), "it contains your home directory"],
            [link, guard.projectRoot, "it is the project root"],
            [`${guard.projectRoot}/scripts/..`, guard.projectRoot, "it is the project root"],
            [path.join(base, "dangling"), path.join(base, "dangling"), "it is a symbolic link to nothing"],
        ];
        symlinkSync(path.join(base, "nowhere"), path.join(base, "dangling"));
        for (const [dir, target, reason] of cases) expect(() => checkOutDir(dir, guard)).toThrow(new OutDirError(why(dir, target, reason)));
    });

    it("accepts a new directory, an empty one and a previous plan output", () => {
        const { base, guard } = fixture();
        const empty = path.join(base, "empty");
        mkdirSync(empty);
        const previous = path.join(base, "previous");
        mkdirSync(previous);
        writeFileSync(path.join(previous, PLAN_MARKER), JSON.stringify({ generator: "x", stack: "prod", formatVersion: 1 }));
        writeFileSync(path.join(previous, "resources.json"), "[]\n");
        for (const dir of [path.join(base, "new", "dev"), empty, previous, path.join(guard.projectRoot, "out", "dev")]) {
            expect(checkOutDir(dir, guard)).toBe(dir);
        }
    });
});
