/**
 * Bad stack config: every mistake is reported with the key, what was expected and what was given,
 * all mistakes of a stack at once, and before a single resource is registered.
 */
import { describe, expect, it } from "vitest";
import type { ConfigError } from "../components/config/reader";
import { ProgramFailure, isSecretValue } from "../scripts/lib/mockRuntime";
import { MINIMAL_CONFIG, runLoaded, stackFromConfig } from "./support/harness";

async function expectRejected(config: Record<string, unknown>, secretKeys: string[] = []): Promise<ConfigError> {
    const failure = await runLoaded(stackFromConfig(config, secretKeys)).then(
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
const cases: { kind: string; config: Record<string, unknown>; secretKeys?: string[]; message: string }[] = [
    {
        kind: "missing env",
        config: { ...MINIMAL_CONFIG, env: undefined },
        message:
            "mlops-platform:env: expected an env name of 2-12 lowercase letters or digits starting with a letter (for example dev, prod), got nothing (key not set)",
    },
    {
        kind: "env with a hyphen (would break the -<env> suffix scheme)",
        config: { ...MINIMAL_CONFIG, env: "pre-prod" },
        message:
            'mlops-platform:env: expected an env name of 2-12 lowercase letters or digits starting with a letter (for example dev, prod), got "pre-prod"',
    },
    {
        kind: "domain that is not a DNS name",
        config: { ...MINIMAL_CONFIG, domain: "https://mlops.example.com" },
        message: 'mlops-platform:domain: expected a lowercase DNS domain such as mlops.example.com, got "https://mlops.example.com"',
    },
    {
        kind: "missing NFS server",
        config: { ...MINIMAL_CONFIG, storage: { nfs: { path: "/srv/nfs" } } },
        message: "mlops-platform:storage.nfs.server: expected the NFS server's IPv4 address or DNS name, got nothing (key not set)",
    },
    {
        kind: "relative NFS export path",
        config: { ...MINIMAL_CONFIG, storage: { nfs: { ...nfs, path: "srv/nfs" } } },
        message: 'mlops-platform:storage.nfs.path: expected an absolute export path such as /srv/nfs/mlops, got "srv/nfs"',
    },
    {
        kind: "mistyped key",
        config: { ...MINIMAL_CONFIG, storage: { nfs: { ...nfs, sever: "10.0.0.6" } } },
        message:
            'mlops-platform:storage.nfs.sever: expected one of the known keys (mountOptions, path, reclaimPolicy, resources, server), got unknown key "sever"',
    },
    {
        kind: "protected stack with deleting volumes",
        config: { ...MINIMAL_CONFIG, protect: true, storage: { nfs: { ...nfs, reclaimPolicy: "Delete" } } },
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
        kind: "secret set as plaintext",
        config: { ...MINIMAL_CONFIG, grafanaAdminPassword: "correct-horse-battery-staple" },
        message:
            "mlops-platform:grafanaAdminPassword: expected a secret value (pulumi config set --secret grafanaAdminPassword), got a plaintext value (not shown)",
    },
    {
        kind: "Slack webhook set as plaintext",
        config: { ...MINIMAL_CONFIG, alertmanagerSlackWebhook: "https://hooks.slack.com/services/T0/B0/x" },
        message:
            "mlops-platform:alertmanagerSlackWebhook: expected a secret value (pulumi config set --secret alertmanagerSlackWebhook), got a plaintext value (not shown)",
    },
    {
        kind: "Slack webhook that is not an https URL",
        config: { ...MINIMAL_CONFIG, alertmanagerSlackWebhook: "hooks.slack.com/services/T0/B0/x" },
        secretKeys: ["alertmanagerSlackWebhook"],
        message: "mlops-platform:alertmanagerSlackWebhook: expected a Slack incoming-webhook URL (https://...), got a value (not shown: secret)",
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
];

describe("bad config is rejected before anything is registered", () => {
    it.each(cases)("$kind", async ({ config, secretKeys, message }) => {
        const error = await expectRejected(config, secretKeys);
        expect(error.message.split("\n").slice(1)).toEqual([`  - ${message}`]);
    });

    it("never echoes a secret value, even a too-short one", async () => {
        const error = await expectRejected({ ...MINIMAL_CONFIG, grafanaAdminPassword: "short" }, ["grafanaAdminPassword"]);
        expect(error.problems).toEqual([
            { key: "grafanaAdminPassword", expected: "a password of at least 16 characters", got: "a value (not shown: secret)" },
        ]);
        expect(error.message).not.toContain("short");
    });

    it("reports every problem of a stack at once", async () => {
        const error = await expectRejected({
            env: "Prod",
            domain: "mlops.example.com",
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
        expect(ok.plan.releases.map((r) => r.name)).toEqual(["nfs-dev", "monitoring-dev", "loki-dev", "promtail-dev"]);
    });
});
