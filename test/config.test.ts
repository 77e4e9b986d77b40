/**
 * Bad stack config: every mistake is reported with the key, what was expected and what was given,
 * all mistakes of a stack at once, and before a single resource is registered.
 */
import { describe, expect, it } from "vitest";
import type { ConfigError } from "../components/config/reader";
import { ProgramFailure, isSecretValue } from "../scripts/lib/mockRuntime";
import { MINIMAL_CONFIG, runLoaded, stackFromConfig } from "./support/harness";

async function expectRejected(
    config: Record<string, unknown>,
    secretKeys: string[] = [],
    plaintextKeys: string[] = [],
    stackName?: string,
): Promise<ConfigError> {
    const stack = stackFromConfig(config, secretKeys, stackName);
    const loaded = { ...stack, secretKeys: stack.secretKeys.filter((k) => !plaintextKeys.some((p) => k.endsWith(`:${p}`))) };
    const failure = await runLoaded(loaded).then(
        () => undefined,
        (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ProgramFailure);
    const { cause, resources } = failure as ProgramFailure;
    expect(resources).toEqual([]);
    // index.ts is loaded into a fresh module graph, so its ConfigError is a different class object.
    expect((cause as Error).name).toBe("ConfigError");
    return cause as ConfigError;
}

const nfs = MINIMAL_CONFIG.storage.nfs;
const wl = MINIMAL_CONFIG.workloads;
/** A protected stack names its Airflow version and pins its cluster; cases about other protected-stack rules set both. */
const protectedWl = { ...wl, airflow: { ...wl.airflow, airflowVersion: "3.2.2" } };
const pinned = { ...MINIMAL_CONFIG.cluster, kubeSystemUid: "5b3c1f0e-7a2d-4c9b-8e61-0f4d2a9c7b13" };
const cases: { kind: string; config: Record<string, unknown>; stack?: string; secretKeys?: string[]; plaintextKeys?: string[]; message: string }[] = [
    {
        kind: "env that is not the stack's name",
        config: { ...MINIMAL_CONFIG, env: "prod" },
        stack: "dev",
        message: 'mlops-platform:env: expected the stack name "dev", got "prod"',
    },
    {
        kind: "stack name with a hyphen (would break the -<env> suffix scheme)",
        config: { ...MINIMAL_CONFIG, env: "pre-prod" },
        message:
            'mlops-platform:env: expected a stack name of 2-12 lowercase letters or digits starting with a letter (the stack\'s name is its env, for example dev, prod), got the stack name "pre-prod"',
    },
    {
        kind: "domain that is not a DNS name",
        config: { ...MINIMAL_CONFIG, domain: "https://mlops.example.com" },
        message: 'mlops-platform:domain: expected a lowercase DNS domain such as mlops.example.com, got "https://mlops.example.com"',
    },
    {
        kind: "missing NFS server",
        config: { ...MINIMAL_CONFIG, storage: { nfs: { path: "/srv/nfs/dev" } } },
        message: "mlops-platform:storage.nfs.server: expected the NFS server's IPv4 address or DNS name, got nothing (key not set)",
    },
    {
        kind: "relative NFS export path",
        config: { ...MINIMAL_CONFIG, storage: { nfs: { ...nfs, path: "srv/nfs" } } },
        message: 'mlops-platform:storage.nfs.path: expected an absolute export path such as /srv/nfs/mlops/dev, got "srv/nfs"',
    },
    {
        kind: "mistyped key",
        config: { ...MINIMAL_CONFIG, storage: { nfs: { ...nfs, sever: "10.0.0.6" } } },
        message:
            'mlops-platform:storage.nfs.sever: expected one of the known keys (mountOptions, path, reclaimPolicy, resources, server), got unknown key "sever"',
    },
    {
        kind: "protected stack with deleting volumes",
        config: { ...MINIMAL_CONFIG, protect: true, cluster: pinned, storage: { nfs: { ...nfs, reclaimPolicy: "Delete" } }, workloads: protectedWl },
        message: 'mlops-platform:storage.nfs.reclaimPolicy: expected Retain on a protected stack (protect: true keeps prod volumes), got "Delete"',
    },
    {
        kind: "adopting a local-path class without naming it",
        config: { ...MINIMAL_CONFIG, storage: { nfs, localPath: { mode: "existing" } } },
        message:
            'mlops-platform:storage.localPath.className: expected the name of the existing local-path StorageClass (for example "local-path") when mode is "existing", got nothing (key not set)',
    },
    {
        kind: "unknown local-path mode",
        config: { ...MINIMAL_CONFIG, storage: { nfs, localPath: { mode: "nfs" } } },
        message:
            'mlops-platform:storage.localPath.mode: expected either "install" (an env-scoped provisioner and class) or "existing" (adopt a class by name), got "nfs"',
    },
    {
        kind: "retention that is not a duration",
        config: { ...MINIMAL_CONFIG, monitoring: { prometheus: { retention: "15 days" } } },
        message:
            'mlops-platform:monitoring.prometheus.retention: expected a TSDB retention duration such as "7d" (number and one unit of s, m, h, d, w), got "15 days"',
    },
    {
        kind: "TSDB retention size that does not fit its volume",
        config: { ...MINIMAL_CONFIG, monitoring: { prometheus: { retentionSize: "20GiB", storageSize: "10Gi" } } },
        message:
            'mlops-platform:monitoring.prometheus.retentionSize: expected less than monitoring.prometheus.storageSize (10Gi), leaving headroom for the WAL, got "20GiB"',
    },
    {
        kind: "malformed CPU quantity",
        config: { ...MINIMAL_CONFIG, logging: { promtail: { resources: { requests: { cpu: "lots" } } } } },
        message: 'mlops-platform:logging.promtail.resources.requests.cpu: expected a CPU quantity such as "250m" or "1", got "lots"',
    },
    {
        kind: "requests above limits",
        config: {
            ...MINIMAL_CONFIG,
            monitoring: { grafana: { resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } } },
        },
        message: 'mlops-platform:monitoring.grafana.resources.requests.memory: expected at most limits.memory (1Gi), got "2Gi"',
    },
    {
        kind: "Loki retention that is not whole days",
        config: { ...MINIMAL_CONFIG, logging: { loki: { retention: "36h" } } },
        message:
            'mlops-platform:logging.loki.retention: expected a retention period in whole days written in hours or days, such as "168h" or "14d" (Loki applies retention per 24h index period), got "36h"',
    },
    {
        kind: "invalid client CIDR",
        config: { ...MINIMAL_CONFIG, ingress: { sourceRanges: ["192.168.18.0/33"] } },
        message: 'mlops-platform:ingress.sourceRanges[0]: expected an IPv4 CIDR such as 192.168.18.0/24, got "192.168.18.0/33"',
    },
    {
        kind: "unknown ingress auth mode (there is no off)",
        config: { ...MINIMAL_CONFIG, ingress: { auth: { mode: "none" } } },
        message:
            'mlops-platform:ingress.auth.mode: expected either "basic" (ingress-nginx basic auth, credentials generated per env) or "external" (an existing auth service such as oauth2-proxy, by URL), got "none"',
    },
    {
        kind: "external ingress auth without its URL",
        config: { ...MINIMAL_CONFIG, ingress: { auth: { mode: "external", signin: "https://auth.example.com/oauth2/start" } } },
        message:
            'mlops-platform:ingress.auth.url: expected an https URL of the auth service\'s check endpoint such as https://auth.example.com/oauth2/auth (required with mode "external"), got nothing (key not set)',
    },
    {
        kind: "external ingress auth over plain http",
        config: { ...MINIMAL_CONFIG, ingress: { auth: { mode: "external", url: "http://oauth2-proxy.auth.svc.cluster.local/oauth2/auth" } } },
        message:
            'mlops-platform:ingress.auth.url: expected an https URL of the auth service\'s check endpoint such as https://auth.example.com/oauth2/auth (required with mode "external"), got "http://oauth2-proxy.auth.svc.cluster.local/oauth2/auth"',
    },
    {
        kind: "external ingress auth URL with credentials (never echoed)",
        config: { ...MINIMAL_CONFIG, ingress: { auth: { mode: "external", url: "https://user:hunter2@auth.example.com/oauth2/auth" } } },
        message:
            'mlops-platform:ingress.auth.url: expected an https URL of the auth service\'s check endpoint such as https://auth.example.com/oauth2/auth (required with mode "external"), without credentials, got a URL with credentials (not shown)',
    },
    {
        kind: "sign-in URL a Helm template would rewrite",
        config: {
            ...MINIMAL_CONFIG,
            ingress: { auth: { mode: "external", url: "https://auth.example.com/oauth2/auth", signin: "https://auth.example.com/start?rd={{ .uri }}" } },
        },
        message:
            'mlops-platform:ingress.auth.signin: expected an https URL of the auth service\'s sign-in page such as https://auth.example.com/oauth2/start?rd=$escaped_request_uri, got "https://auth.example.com/start?rd={{ .uri }}"',
    },
    {
        kind: "an auth URL with basic auth",
        config: { ...MINIMAL_CONFIG, ingress: { auth: { url: "https://auth.example.com/oauth2/auth" } } },
        message:
            'mlops-platform:ingress.auth.url: expected no url while mode is "basic" (an external auth service needs mode "external"), got "https://auth.example.com/oauth2/auth"',
    },
    {
        kind: "mistyped ingress auth key",
        config: { ...MINIMAL_CONFIG, ingress: { auth: { mode: "basic", realm: "ops" } } },
        message: 'mlops-platform:ingress.auth.realm: expected one of the known keys (mode, signin, url), got unknown key "realm"',
    },
    {
        kind: "secret set as plaintext",
        config: { ...MINIMAL_CONFIG, grafanaAdminPassword: "correct-horse-battery-staple" },
        message:
            "mlops-platform:grafanaAdminPassword: expected a secret value (pulumi config set --secret grafanaAdminPassword), got a plaintext value (not shown)",
    },
    {
        kind: "Slack webhook set as plaintext",
        config: { ...MINIMAL_CONFIG, alertmanagerSlackWebhook: "https://hooks.slack.com/services/T0/B0/x" },
        plaintextKeys: ["alertmanagerSlackWebhook"],
        message:
            "mlops-platform:alertmanagerSlackWebhook: expected a secret value (pulumi config set --secret alertmanagerSlackWebhook), got a plaintext value (not shown)",
    },
    {
        kind: "Slack webhook that is not an https URL",
        config: { ...MINIMAL_CONFIG, alertmanagerSlackWebhook: "hooks.slack.com/services/T0/B0/x" },
        secretKeys: ["alertmanagerSlackWebhook"],
        message:
            "mlops-platform:alertmanagerSlackWebhook: expected a Slack incoming-webhook URL (https://...) for the env's Alertmanager, got a value (not shown: secret)",
    },
    {
        kind: "Slack channel without #",
        config: { ...MINIMAL_CONFIG, alerting: { slack: { channel: "alerts-dev" } } },
        message: 'mlops-platform:alerting.slack.channel: expected a Slack channel such as "#alerts-dev", got "alerts-dev"',
    },
    {
        kind: "boolean given as a word",
        config: { ...MINIMAL_CONFIG, protect: "yes" },
        message: 'mlops-platform:protect: expected true or false, got "yes"',
    },
    {
        kind: "scalar where an object is expected",
        config: { ...MINIMAL_CONFIG, monitoring: ["prometheus"] },
        message: 'mlops-platform:monitoring: expected an object, got a list ["prometheus"]',
    },
    {
        kind: "missing FastAPI image",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, fastapi: {} } },
        message:
            'mlops-platform:workloads.fastapi.image: expected a pinned container image such as "registry.example.com/team/app:1.4.2" (a tag other than latest, or a @sha256 digest), got nothing (key not set)',
    },
    {
        kind: "image on a moving tag",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, mlflow: { ...wl.mlflow, image: "ghcr.io/mlflow/mlflow:latest" } } },
        message:
            'mlops-platform:workloads.mlflow.image: expected a pinned container image such as "registry.example.com/team/app:1.4.2" (a tag other than latest, or a @sha256 digest), got "ghcr.io/mlflow/mlflow:latest"',
    },
    {
        kind: "invalid alias selection mode",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, fastapi: { ...wl.fastapi, aliasSelectionMode: "a/b" } } },
        message: 'mlops-platform:workloads.fastapi.aliasSelectionMode: expected ab_test, canary or blue_green, got "a/b"',
    },
    {
        kind: "canary percent out of range",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, fastapi: { ...wl.fastapi, canaryPercent: 120 } } },
        message: "mlops-platform:workloads.fastapi.canaryPercent: expected an integer percentage from 0 to 100, got number 120",
    },
    {
        kind: "one FastAPI replica on a protected stack",
        config: {
            ...MINIMAL_CONFIG,
            protect: true,
            cluster: pinned,
            storage: { nfs: { ...nfs, reclaimPolicy: "Retain" } },
            workloads: { ...protectedWl, fastapi: { ...wl.fastapi, replicas: 1 } },
        },
        message: "mlops-platform:workloads.fastapi.replicas: expected an integer from 2 to 50 (a protected stack serves from at least 2 pods), got number 1",
    },
    {
        kind: "fixed replicas beside autoscaling",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, fastapi: { ...wl.fastapi, replicas: 3, autoscaling: { maxReplicas: 4 } } } },
        message: "mlops-platform:workloads.fastapi.replicas: expected no fixed replica count when autoscaling is set (the autoscaler owns it), got number 3",
    },
    {
        kind: "shared-infrastructure paging that is not a boolean",
        config: { ...MINIMAL_CONFIG, alerting: { sharedInfrastructure: "prod" } },
        message: 'mlops-platform:alerting.sharedInfrastructure: expected true or false, got "prod"',
    },
    {
        kind: "missing database secret",
        config: { ...MINIMAL_CONFIG, mlflowDatabasePassword: undefined },
        message:
            "mlops-platform:mlflowDatabasePassword: expected the MLflow PostgreSQL user's password, set with pulumi config set --secret mlflowDatabasePassword, got nothing (key not set)",
    },
    {
        kind: "missing Airflow database secret",
        config: { ...MINIMAL_CONFIG, airflowDatabasePassword: undefined },
        message:
            "mlops-platform:airflowDatabasePassword: expected the Airflow PostgreSQL user's password, set with pulumi config set --secret airflowDatabasePassword, got nothing (key not set)",
    },
    {
        kind: "missing MLflow database host",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, mlflow: { ...wl.mlflow, database: { name: "mlflow_dev", user: "mlflow" } } } },
        message: "mlops-platform:workloads.mlflow.database.host: expected the PostgreSQL server's IPv4 address or DNS name, got nothing (key not set)",
    },
    {
        kind: "artifact location that does not name the env",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, mlflow: { ...wl.mlflow, artifacts: { bucket: "ml-artifacts", prefix: "mlflow" } } } },
        message:
            'mlops-platform:workloads.mlflow.artifacts.prefix: expected a location that names the env "dev" in the bucket name or as a prefix segment (s3://ml-artifacts/dev/...), so envs never share objects, got "mlflow"',
    },
    {
        kind: "SSH DAG repository without a deploy key",
        config: {
            ...MINIMAL_CONFIG,
            workloads: { ...wl, airflow: { ...wl.airflow, dags: { repository: "git@github.com:org/dags.git", knownHosts: "github.com ssh-ed25519 AAAA" } } },
        },
        message:
            "mlops-platform:airflowGitSshKey: expected the SSH deploy key (private key) of the DAG repository, since workloads.airflow.dags.repository uses SSH, set with pulumi config set --secret airflowGitSshKey, got nothing (key not set)",
    },
    {
        kind: "SSH DAG repository without known hosts (git-sync would skip the host-key check)",
        config: {
            ...MINIMAL_CONFIG,
            airflowGitSshKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nk\n-----END OPENSSH PRIVATE KEY-----\n",
            workloads: { ...wl, airflow: { ...wl.airflow, dags: { repository: "git@github.com:org/dags.git" } } },
        },
        secretKeys: ["airflowGitSshKey"],
        message:
            "mlops-platform:workloads.airflow.dags.knownHosts: expected the git host's known_hosts line(s) when the repository uses SSH (git-sync checks the host key against them), got nothing (key not set)",
    },
    {
        kind: "custom Airflow image without the Airflow version it runs",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, airflow: { ...wl.airflow, image: "registry.example.com/ml/airflow:1.0.0" } } },
        message:
            "mlops-platform:workloads.airflow.airflowVersion: expected an exact Airflow 3 version x.y.z such as 3.0.2 (required with a custom image: the version the image runs, e.g. 3.0.2 for one built FROM apache/airflow:3.0.2), got nothing (key not set)",
    },
    {
        kind: "protected stack that leaves the Airflow version to the program's pin",
        config: { ...MINIMAL_CONFIG, protect: true, cluster: pinned, storage: { nfs: { ...nfs, reclaimPolicy: "Retain" } } },
        message:
            "mlops-platform:workloads.airflow.airflowVersion: expected an exact Airflow 3 version x.y.z such as 3.0.2 (required on a protected stack), got nothing (key not set)",
    },
    {
        kind: "Airflow version that is not exact",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, airflow: { ...wl.airflow, airflowVersion: "3.0" } } },
        message: 'mlops-platform:workloads.airflow.airflowVersion: expected an exact Airflow 3 version x.y.z such as 3.0.2, got "3.0"',
    },
    {
        kind: "Airflow 2 version (the values configure Airflow 3's API server and DAG processor)",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, airflow: { ...wl.airflow, airflowVersion: "2.11.0" } } },
        message: 'mlops-platform:workloads.airflow.airflowVersion: expected an exact Airflow 3 version x.y.z such as 3.0.2, got "2.11.0"',
    },
    {
        kind: "DAG repository that is not a git URL",
        config: { ...MINIMAL_CONFIG, workloads: { ...wl, airflow: { ...wl.airflow, dags: { repository: "github.com/org/dags" } } } },
        message:
            'mlops-platform:workloads.airflow.dags.repository: expected a git URL (git@host:org/repo.git, ssh://... or https://...), got "github.com/org/dags"',
    },
];

describe("bad config is rejected before anything is registered", () => {
    it.each(cases)("$kind", async ({ config, stack, secretKeys, plaintextKeys, message }) => {
        const error = await expectRejected(config, secretKeys, plaintextKeys, stack);
        expect(error.message.split("\n").slice(1)).toEqual([`  - ${message}`]);
    });

    it("rejects a workload secret set in plaintext without echoing it", async () => {
        const error = await expectRejected({ ...MINIMAL_CONFIG, s3SecretAccessKey: "plain-text-key" }, [], ["s3SecretAccessKey"]);
        expect(error.problems).toEqual([
            { key: "s3SecretAccessKey", expected: "a secret value (pulumi config set --secret s3SecretAccessKey)", got: "a plaintext value (not shown)" },
        ]);
        expect(error.message).not.toContain("plain-text-key");
    });

    it("never echoes a secret value, even a too-short one", async () => {
        const error = await expectRejected({ ...MINIMAL_CONFIG, grafanaAdminPassword: "short" }, ["grafanaAdminPassword"]);
        expect(error.problems).toEqual([{ key: "grafanaAdminPassword", expected: "a password of at least 16 characters", got: "a value (not shown: secret)" }]);
        expect(error.message).not.toContain("short");
    });

    it("reports every problem of a stack at once", async () => {
        const error = await expectRejected({
            ...MINIMAL_CONFIG,
            env: "Prod",
            storage: { nfs: { server: "10.0.0.5", path: "/srv" }, locaPath: {} },
            monitoring: { prometheus: { retention: "forever" } },
        });
        expect(error.problems.map((p) => p.key)).toEqual(["env", "storage.locaPath", "monitoring.prometheus.retention"]);
        expect(error.message.startsWith("invalid stack config (3 problems):\n")).toBe(true);
    });

    it("puts a secret Slack webhook into the Slack Secret only, never into the plan", async () => {
        const webhook = "https://hooks.slack.com/services/T000/B000/not-a-real-token";
        const ok = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, alertmanagerSlackWebhook: webhook }, ["alertmanagerSlackWebhook"]));
        const secret = ok.run.resources.find((r) => r.name === "monitoring-dev-alertmanager-slack")!.inputs as any;
        expect(isSecretValue(secret.stringData)).toBe(true);
        expect(secret.stringData.value).toEqual({ url: webhook });
        expect(JSON.stringify(ok.plan)).not.toContain("not-a-real-token");
    });

    it("accepts the minimal config and applies lab defaults", async () => {
        const ok = await runLoaded(stackFromConfig(MINIMAL_CONFIG));
        expect(ok.plan.releases.map((r) => r.name)).toEqual(["nfs-dev", "airflow-dev", "monitoring-dev", "loki-dev", "promtail-dev"]);
    });
});
