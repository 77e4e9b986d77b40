/**
 * A stack is its env: the env is the stack's name, and every name outside the cluster that an env
 * writes to (databases, the NFS directory, the node directory, object-store prefixes) names it, so
 * a stack file copied from another env fails before anything is created instead of sharing data.
 */
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { ConfigError } from "../components/config/reader";
import { ProgramFailure } from "../scripts/lib/mockRuntime";
import { loadStackFile } from "../scripts/lib/stackFile";
import { MINIMAL_CONFIG, ROOT, STAGING_STACK_FILE, runLoaded, runStackFile, stackFromConfig } from "./support/harness";
import { KUBERNETES_PROVIDER } from "../components/resourceTypes";

async function rejected(run: Promise<unknown>): Promise<ConfigError> {
    const failure = await run.then(
        () => undefined,
        (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ProgramFailure);
    expect((failure as ProgramFailure).resources).toEqual([]);
    expect(((failure as ProgramFailure).cause as Error).name).toBe("ConfigError");
    return (failure as ProgramFailure).cause as ConfigError;
}

const wl = MINIMAL_CONFIG.workloads;
/** MINIMAL_CONFIG for `env`, without the `env` key: every name it derives names `env`. */
const minimalFor = (env: string): Record<string, unknown> => ({
    ...MINIMAL_CONFIG,
    env: undefined,
    storage: { nfs: { ...MINIMAL_CONFIG.storage.nfs, path: `/srv/nfs/mlops/${env}` } },
    workloads: {
        ...wl,
        mlflow: { ...wl.mlflow, database: { ...wl.mlflow.database, name: `mlflow_${env}` } },
        airflow: { ...wl.airflow, database: { ...wl.airflow.database, name: `airflow_${env}` } },
    },
});

describe("the env is the stack's name", () => {
    it("without an env key, the stack's name is the env of every name", async () => {
        const { run, plan } = await runLoaded(stackFromConfig(minimalFor("qa"), [], "qa"));
        expect(run.outputs.env).toBe("qa");
        expect(plan.outputs.namespaces).toMatchObject({ monitoring: "monitoring-qa", observability: "observability-qa" });
        expect(plan.releases.map((r) => r.name)).toEqual(["nfs-qa", "airflow-qa", "monitoring-qa", "loki-qa", "promtail-qa"]);
    });

    it("a Pulumi.staging.yaml copied from dev fails with everything that still names dev, at once", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "staging-"));
        copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.staging.yaml"));
        expect(readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8")).toContain("mlops-platform:env: dev");
        const error = await rejected(runLoaded(loadStackFile(dir, path.join(dir, "Pulumi.staging.yaml"), { placeholderSecrets: true })));
        const names = (what: string, example: string) =>
            `expected ${what} that names the env "staging" as a word (such as ${example}), so no two envs share it`;
        const s3 = (bucket: string) =>
            `expected a location that names the env "staging" in the bucket name or as a prefix segment (s3://${bucket}/staging/...), so envs never share objects`;
        expect(error.message).toBe(
            [
                "invalid stack config (7 problems):",
                '  - mlops-platform:env: expected the stack name "staging", got "dev"',
                `  - mlops-platform:storage.nfs.path: ${names("an NFS directory", "/srv/nfs/mlops/staging")}, got "/mnt/nfs_share/mlops/dev"`,
                `  - mlops-platform:storage.localPath.nodePath: ${names("a node directory", "/opt/local-path-provisioner/staging")}, got "/opt/local-path-provisioner/dev"`,
                `  - mlops-platform:workloads.mlflow.database.name: ${names("a database name", "mlflow_staging")}, got "mlflow_dev"`,
                `  - mlops-platform:workloads.mlflow.artifacts.prefix: ${s3("mlflow-artifacts-keonho")}, got "dev/mlflow"`,
                `  - mlops-platform:workloads.airflow.database.name: ${names("a database name", "airflow_staging")}, got "airflow_dev"`,
                `  - mlops-platform:workloads.airflow.logs.prefix: ${s3("mlflow-artifacts-keonho")}, got "dev/airflow-logs"`,
            ].join("\n"),
        );
    });

    it("the staging fixture plans cleanly: its own env, cluster, domain and hosts", async () => {
        const { run, plan } = await runStackFile(STAGING_STACK_FILE);
        expect(run.stack.stack).toBe("staging");
        expect(run.warnings).toEqual([]);
        expect(run.resources.find((r) => r.read)).toMatchObject({
            name: "kube-system-staging",
            inputs: { metadata: { uid: "3f6e2a94-1c7b-4d05-9a8e-52b1d0c47e19" } },
        });
        expect(run.resources.find((r) => r.type === KUBERNETES_PROVIDER)!.inputs).toEqual({ context: "staging-admin@staging" });
        expect(plan.outputs).toMatchObject({
            env: "staging",
            urls: { grafana: "https://grafana-staging.mlops-staging.internal", airflow: "https://airflow-staging.mlops-staging.internal" },
            storageClasses: { nfs: "nfs-staging", localPath: "local-path-staging" },
            alerting: { sharedInfrastructure: true },
        });
    });
});

describe("names outside the cluster name the env as a word", () => {
    const nfsPath = (p: string) => ({ ...MINIMAL_CONFIG, storage: { nfs: { ...MINIMAL_CONFIG.storage.nfs, path: p } } });
    const expectedPath = 'expected an NFS directory that names the env "dev" as a word (such as /srv/nfs/mlops/dev), so no two envs share it';

    it.each(["/srv/nfs/mlops/dev", "/srv/nfs/mlops-dev", "/srv/dev/mlops"])("accepts %s", async (p) => {
        const { plan } = await runLoaded(stackFromConfig(nfsPath(p)));
        expect(plan.values["nfs-dev"]).toMatchObject({ nfs: { path: p } });
    });

    it.each(["/srv/nfs/devices", "/srv/nfs/mlops", "/srv/nfs/mlops/prod"])("rejects %s", async (p) => {
        const error = await rejected(runLoaded(stackFromConfig(nfsPath(p))));
        expect(error.message.split("\n").slice(1)).toEqual([`  - mlops-platform:storage.nfs.path: ${expectedPath}, got "${p}"`]);
    });

    it("rejects a database named for no env, or glued to its env, and a node directory of another env", async () => {
        const error = await rejected(
            runLoaded(
                stackFromConfig({
                    ...MINIMAL_CONFIG,
                    storage: { ...MINIMAL_CONFIG.storage, localPath: { nodePath: "/opt/local-path-provisioner/prod" } },
                    workloads: {
                        ...wl,
                        mlflow: { ...wl.mlflow, database: { ...wl.mlflow.database, name: "mlflow" } },
                        airflow: { ...wl.airflow, database: { ...wl.airflow.database, name: "airflowdev" } },
                    },
                }),
            ),
        );
        const names = (what: string, example: string) => `expected ${what} that names the env "dev" as a word (such as ${example}), so no two envs share it`;
        expect(error.message.split("\n").slice(1)).toEqual([
            `  - mlops-platform:storage.localPath.nodePath: ${names("a node directory", "/opt/local-path-provisioner/dev")}, got "/opt/local-path-provisioner/prod"`,
            `  - mlops-platform:workloads.mlflow.database.name: ${names("a database name", "mlflow_dev")}, got "mlflow"`,
            `  - mlops-platform:workloads.airflow.database.name: ${names("a database name", "airflow_dev")}, got "airflowdev"`,
        ]);
    });

    it("leaves a switched-off workload's database unread", async () => {
        const config = { ...MINIMAL_CONFIG, workloads: { ...wl, mlflow: { enabled: false, database: { name: "mlflow_prod" } } } };
        const { run } = await runLoaded(stackFromConfig(config));
        expect(run.outputs.workloads).toEqual({ fastapi: true, mlflow: false, airflow: true });
    });
});
