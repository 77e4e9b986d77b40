/**
 * Prometheus HA and remote write (issue 12, item 4): replicas with a replica and an env external
 * label, remote-write targets with credentials from secret config only, and Alertmanager as a
 * cluster of its own env's replicas. That promtool accepts the remote_write section and that alerts
 * reach Slack once although two replicas fire them (real servers) is test/integration/prometheusHa.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePlatformConfig } from "../components/config/schema";
import { requiredSecretPlaceholders } from "../components/config/workloads";
import { ConfigError } from "../components/config/reader";
import { workloadInventory } from "../components/sizing";
import { ProgramFailure, isSecretValue } from "../scripts/lib/mockRuntime";
import { programUnknowns } from "../scripts/lib/engineView";
import { loadStack, parseStackConfig } from "../scripts/lib/stackFile";
import {
    EngineViews,
    MINIMAL_CONFIG,
    MINIMAL_SECRETS,
    PROJECT,
    StackRun,
    engineViews,
    generatedSecretUnknowns,
    runLoaded,
    stackFromConfig,
    useBothStacks,
    valuesOf,
} from "./support/harness";
import { analyzeStack } from "./support/policyEngine";
import { HA_CONFIG, HA_MONITORING, MIMIR, THANOS, haStack, operatorRendering } from "./support/prometheusHa";
import { HELM_RELEASE } from "../components/resourceTypes";

const SECRET = "prometheus-remote-write-dev";
const ref = (key: string) => ({ name: SECRET, key });
/** Exactly what `prometheusSpec.remoteWrite` of HA_CONFIG must be. */
const HA_REMOTE_WRITE = [
    {
        name: "mimir",
        url: "https://mimir.example.com/api/v1/push",
        basicAuth: { username: ref("mimir-username"), password: ref("mimir-password") },
        headers: { "X-Scope-OrgID": "mlops-dev" },
        queueConfig: MIMIR.queueConfig,
        writeRelabelConfigs: MIMIR.writeRelabelConfigs,
    },
    { name: "thanos", url: THANOS.url, authorization: { type: "Bearer", credentials: ref("thanos-token") } },
];

/**
 * The peers prometheus-operator v0.93 gives each Alertmanager replica (pkg/alertmanager/statefulset.go):
 * `alertmanager-<name>-<i>.<governing Service>:9094` for every replica, then `additionalPeers`. The
 * short name resolves through the pod's DNS search path, its own namespace first.
 */
function alertmanagerPeers(values: Record<string, any>, namespace: string): string[] {
    const spec = values.alertmanager.alertmanagerSpec;
    const crName = `${values.fullnameOverride}-alertmanager`;
    const service = spec.serviceName ?? "alertmanager-operated";
    const own = Array.from({ length: spec.replicas }, (_, i) => `alertmanager-${crName}-${i}.${service}.${namespace}.svc.cluster.local:9094`);
    return [...own, ...(spec.additionalPeers ?? [])];
}

describe("the committed stacks", () => {
    const runs: Record<"dev" | "prod", StackRun> = useBothStacks();
    const kps = (env: "dev" | "prod") => valuesOf(runs[env].plan, `monitoring-${env}`);

    it.each(["dev", "prod"] as const)("%s: one Prometheus replica with the env and replica external labels, no remote write", (env) => {
        const v = kps(env);
        expect(v.prometheus.prometheusSpec).toMatchObject({
            replicas: 1,
            podAntiAffinity: "soft",
            podAntiAffinityTopologyKey: "kubernetes.io/hostname",
            externalLabels: { env },
            replicaExternalLabelName: "prometheus_replica",
            prometheusExternalLabelName: "prometheus",
        });
        expect(v.prometheus.prometheusSpec.remoteWrite).toBeUndefined();
        expect(v.prometheus.prometheusSpec.remoteWriteDashboards).toBeUndefined();
        // One replica: no disruption budget (it would block every drain) and the chart's Service as is.
        expect(v.prometheus.podDisruptionBudget).toBeUndefined();
        expect(v.prometheus.service).toBeUndefined();
        expect(runs[env].run.resources.filter((r) => r.name.includes("remote-write"))).toEqual([]);
    });

    it("Alertmanager: one member in dev, a cluster of two in prod, each with its env's cluster label", () => {
        const am = (env: "dev" | "prod") => kps(env).alertmanager;
        expect(am("dev").alertmanagerSpec).toMatchObject({ replicas: 1, clusterLabel: "monitoring-dev/monitoring-dev-alertmanager", podAntiAffinity: "soft" });
        expect(am("dev").podDisruptionBudget).toBeUndefined();
        expect(am("prod").alertmanagerSpec).toMatchObject({
            replicas: 2,
            clusterLabel: "monitoring-prod/monitoring-prod-alertmanager",
            podAntiAffinity: "soft",
        });
        expect(am("prod").podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
    });

    it("dev and prod label their series and alerts apart", () => {
        const labels = (env: "dev" | "prod") =>
            operatorRendering(kps(env).prometheus.prometheusSpec, `monitoring-${env}`, `monitoring-${env}-prometheus`, "pod").externalLabels;
        expect(labels("dev")).toEqual({ env: "dev", prometheus: "monitoring-dev/monitoring-dev-prometheus", prometheus_replica: "pod" });
        expect(labels("prod")).toEqual({ env: "prod", prometheus: "monitoring-prod/monitoring-prod-prometheus", prometheus_replica: "pod" });
    });

    it("an Alertmanager peers with its own env's replicas only, and refuses gossip labelled for the other env", () => {
        for (const env of ["dev", "prod"] as const) {
            const spec = kps(env).alertmanager.alertmanagerSpec;
            // Nothing that could point a member elsewhere: no extra peers, no advertised address, no
            // other governing Service, no cluster mode forced on a single replica.
            for (const key of ["additionalPeers", "clusterAdvertiseAddress", "serviceName", "forceEnableClusterMode", "clusterTLS"]) {
                expect(spec[key], `${env} ${key}`).toBeUndefined();
            }
            expect(kps(env).prometheusOperator.alertmanagerInstanceNamespaces).toEqual([`monitoring-${env}`]);
        }
        expect(alertmanagerPeers(kps("dev"), "monitoring-dev")).toEqual([
            "alertmanager-monitoring-dev-alertmanager-0.alertmanager-operated.monitoring-dev.svc.cluster.local:9094",
        ]);
        expect(alertmanagerPeers(kps("prod"), "monitoring-prod")).toEqual([
            "alertmanager-monitoring-prod-alertmanager-0.alertmanager-operated.monitoring-prod.svc.cluster.local:9094",
            "alertmanager-monitoring-prod-alertmanager-1.alertmanager-operated.monitoring-prod.svc.cluster.local:9094",
        ]);
        expect(kps("dev").alertmanager.alertmanagerSpec.clusterLabel).not.toBe(kps("prod").alertmanager.alertmanagerSpec.clusterLabel);
    });
});

describe("an env with two Prometheus replicas and remote write", () => {
    let ha: StackRun;
    beforeAll(async () => {
        ha = await runLoaded(haStack());
    });
    const kps = () => valuesOf(ha.plan, "monitoring-dev");

    it("runs two replicas on different nodes, one at a time disruptible, Grafana sticking to one", () => {
        const p = kps().prometheus;
        expect(p.prometheusSpec).toMatchObject({
            replicas: 2,
            podAntiAffinity: "hard",
            podAntiAffinityTopologyKey: "kubernetes.io/hostname",
            externalLabels: { env: "dev" },
            replicaExternalLabelName: "prometheus_replica",
            prometheusExternalLabelName: "prometheus",
        });
        // Each replica its own TSDB claim on the env's local-path class.
        expect(p.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe("local-path-dev");
        expect(p.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
        expect(p.service).toEqual({ sessionAffinity: "ClientIP" });
        expect(kps().alertmanager.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
        expect(kps().alertmanager.alertmanagerSpec.replicas).toBe(2);
    });

    it("remote-writes to each target with credentials referenced from the env's Secret", () => {
        expect(kps().prometheus.prometheusSpec.remoteWrite).toEqual(HA_REMOTE_WRITE);
        expect(kps().prometheus.prometheusSpec.remoteWriteDashboards).toBe(true);
    });

    it("keeps the credentials in a Secret of monitoring-dev, created before the release", () => {
        const secret = ha.run.resources.find((r) => r.name === "monitoring-dev-prometheus-remote-write")!;
        const inputs = secret.inputs as any;
        expect(inputs.metadata).toEqual({
            name: SECRET,
            namespace: "monitoring-dev",
            labels: {
                "app.kubernetes.io/managed-by": "pulumi",
                "app.kubernetes.io/part-of": "mlops-platform",
                "app.kubernetes.io/component": "prometheus",
                "platform.mlops/env": "dev",
            },
        });
        expect(isSecretValue(inputs.stringData)).toBe(true);
        expect(inputs.stringData.value).toEqual({
            "mimir-username": "mlops-dev",
            "mimir-password": "mimir-password-never-printed",
            "thanos-token": "thanos-token-never-printed",
        });
        const release = ha.run.resources.find((r) => r.type === HELM_RELEASE && r.name === "monitoring-dev")!;
        expect(release.dependencies).toContain(secret.urn);
        const plan = JSON.stringify(ha.plan);
        for (const credential of ["mimir-password-never-printed", "thanos-token-never-printed"]) expect(plan).not.toContain(credential);
    });

    it("counts both replicas of Prometheus and Alertmanager in the requested resources", () => {
        const stack = haStack();
        const cfg = parseStackConfig(stack);
        const replicas = Object.fromEntries(workloadInventory(cfg).map((w) => [w.workload, w.replicas]));
        expect([replicas.prometheus, replicas.alertmanager]).toEqual([2, 2]);
    });

    it("a stack file holding the credentials as one secure value plans offline with a placeholder of their shape", async () => {
        expect(requiredSecretPlaceholders({ [`${PROJECT}:monitoring`]: JSON.stringify(HA_MONITORING) }, PROJECT).prometheusRemoteWriteAuth("tok")).toBe(
            JSON.stringify({ mimir: { username: "tok", password: "tok" }, thanos: { token: "tok" } }),
        );
        const root = mkdtempSync(path.join(tmpdir(), "ha-stack-"));
        writeFileSync(path.join(root, "Pulumi.yaml"), `name: ${PROJECT}\nruntime: nodejs\n`);
        const config: Record<string, unknown> = Object.fromEntries(
            Object.entries({ ...HA_CONFIG, prometheusRemoteWriteAuth: undefined })
                .filter(([k, v]) => v !== undefined && !(k in MINIMAL_SECRETS))
                .map(([k, v]) => [`${PROJECT}:${k}`, v]),
        );
        config[`${PROJECT}:prometheusRemoteWriteAuth`] = { secure: "v1:encrypted-elsewhere" };
        // The stack is its env: the HA config is dev's.
        writeFileSync(path.join(root, "Pulumi.dev.yaml"), yaml.dump({ config }));
        const planned = await runLoaded(loadStack(root, "dev", { placeholderSecrets: true }));
        const secret = planned.run.resources.find((r) => r.name === "monitoring-dev-prometheus-remote-write")!.inputs as any;
        expect(Object.keys(secret.stringData.value).sort()).toEqual(["mimir-password", "mimir-username", "thanos-token"]);
        rmSync(root, { recursive: true, force: true });
    });
});

describe("the engine's view of an env with HA and remote write", () => {
    let views: EngineViews;
    beforeAll(async () => {
        views = await engineViews(haStack());
    });

    it("a first preview knows every value but the secrets the program generates", () => {
        expect(programUnknowns(views.firstPreview)).toEqual(generatedSecretUnknowns("dev"));
        const release = views.firstPreview.find((r) => r.type === HELM_RELEASE && r.name === "monitoring-dev")!;
        expect((release.props.values as any).prometheus.prometheusSpec.remoteWrite).toEqual(HA_REMOTE_WRITE);
    });

    it("every policy runs and passes on the first preview and on the deployed stack", async () => {
        expect(await analyzeStack(views.firstPreview)).toEqual([]);
        expect(await analyzeStack(views.deployed)).toEqual([]);
    });
});

/** Raw config as index.ts hands it to the schema: structured values as JSON, MINIMAL_SECRETS and `secret` as secret keys. */
function problemsOf(config: Record<string, unknown>, secret: string[] = []): string[] {
    const values = Object.fromEntries(
        Object.entries(config)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
    try {
        parsePlatformConfig(
            { stack: String(config.env ?? "dev"), values, secretKeys: new Set([...Object.keys(MINIMAL_SECRETS), ...secret]), foreignKeys: [] },
            PROJECT,
        );
        return [];
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.message
            .split("\n")
            .slice(1)
            .map((l) => l.replace(/^ {2}- /, ""));
    }
}

const withPrometheus = (prometheus: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({
    ...MINIMAL_CONFIG,
    monitoring: { prometheus },
    ...rest,
});
const withTarget = (target: Record<string, unknown>) => withPrometheus({ remoteWrite: [{ name: "mimir", url: MIMIR.url, ...target }] });
const withQueue = (queueConfig: Record<string, unknown>) => withTarget({ queueConfig });
const withRelabel = (rule: Record<string, unknown>) => withTarget({ writeRelabelConfigs: [rule] });
const RW = "mlops-platform:monitoring.prometheus.remoteWrite[0]";
const URL_EXPECTED = "expected an https:// URL of the remote-write endpoint (for example https://mimir.example.com/api/v1/push)";
const QUEUE_DEFAULTS = "Prometheus defaults";
const protectedWl = { ...MINIMAL_CONFIG.workloads, airflow: { ...MINIMAL_CONFIG.workloads.airflow, airflowVersion: "3.2.2" } };

describe("bad HA and remote-write config is rejected with the key, what was expected and what was given", () => {
    it.each<[string, Record<string, unknown>, string[], string]>([
        [
            "a remote-write URL that is not https",
            withTarget({ url: "http://mimir.example.com/api/v1/push" }),
            [],
            `${RW}.url: ${URL_EXPECTED}, got "http://mimir.example.com/api/v1/push"`,
        ],
        ["a remote-write URL that is no URL", withTarget({ url: "mimir:9009" }), [], `${RW}.url: ${URL_EXPECTED}, got "mimir:9009"`],
        [
            "a remote-write URL carrying credentials",
            withTarget({ url: "https://tenant:hunter2hunter2@mimir.example.com/api/v1/push" }),
            [],
            `${RW}.url: expected a URL without credentials (set them in secret config prometheusRemoteWriteAuth), got a URL with credentials (not shown)`,
        ],
        [
            "basic auth written in plain config",
            withTarget({ basicAuth: { username: "u", password: "hunter2hunter2" } }),
            [],
            `${RW}.basicAuth: expected no credentials in plain config (set auth and pulumi config set --secret --path prometheusRemoteWriteAuth.mimir.<field>), got a plaintext value (not shown)`,
        ],
        [
            "a bearer token written in plain config",
            withTarget({ bearerToken: "hunter2hunter2" }),
            [],
            `${RW}.bearerToken: expected no credentials in plain config (set auth and pulumi config set --secret --path prometheusRemoteWriteAuth.mimir.<field>), got a plaintext value (not shown)`,
        ],
        [
            "an Authorization header",
            withTarget({ headers: { Authorization: "Bearer hunter2hunter2" } }),
            [],
            `${RW}.headers.Authorization: expected a header Prometheus does not set itself (credentials go in secret config with auth basic or bearer), got reserved header "Authorization"`,
        ],
        [
            "a credential in a plain header",
            withTarget({ headers: { "X-Api-Key": "hunter2hunter2" } }),
            [],
            `${RW}.headers.X-Api-Key: expected no credential in a plain header (use auth with secret config prometheusRemoteWriteAuth), got a plaintext value (not shown)`,
        ],
        [
            'a header value the chart would run as a template ("{{")',
            withTarget({ headers: { "X-Scope-OrgID": "{{ .Release.Name }}" } }),
            [],
            `${RW}.headers.X-Scope-OrgID: expected a header value on one line without "{{", such as a tenant id, got "{{ .Release.Name }}"`,
        ],
        [
            "remote-write credentials set in plaintext",
            { ...withTarget({ auth: "bearer" }), prometheusRemoteWriteAuth: { mimir: { token: "hunter2hunter2" } } },
            [],
            "mlops-platform:prometheusRemoteWriteAuth: expected a secret value (pulumi config set --secret prometheusRemoteWriteAuth), got a plaintext value (not shown)",
        ],
        [
            "a target with auth and no credentials",
            withTarget({ auth: "basic" }),
            [],
            "mlops-platform:prometheusRemoteWriteAuth.mimir: expected username and password for target mimir (auth: basic), each set with pulumi config set --secret --path prometheusRemoteWriteAuth.mimir.<field>, got nothing (key not set)",
        ],
        [
            "credentials of the wrong kind",
            { ...withTarget({ auth: "bearer" }), prometheusRemoteWriteAuth: { mimir: { username: "u", password: "hunter2hunter2" } } },
            ["prometheusRemoteWriteAuth"],
            "mlops-platform:prometheusRemoteWriteAuth.mimir: expected token for target mimir (auth: bearer), each set with pulumi config set --secret --path prometheusRemoteWriteAuth.mimir.<field>, got a value (not shown: secret)",
        ],
        [
            "credentials for a target that takes none",
            { ...withTarget({}), prometheusRemoteWriteAuth: { mimri: { token: "hunter2hunter2" } } },
            ["prometheusRemoteWriteAuth"],
            'mlops-platform:prometheusRemoteWriteAuth.mimri: expected credentials only for remote-write targets with auth basic or bearer (none configured), got an entry "mimri"',
        ],
        [
            "an unknown auth kind",
            withTarget({ auth: "oauth2" }),
            [],
            `${RW}.auth: expected how the target authenticates: "none", "basic" (username and password) or "bearer" (a token), the credentials set in secret config prometheusRemoteWriteAuth, got "oauth2"`,
        ],
        [
            "two targets of one name",
            withPrometheus({
                remoteWrite: [
                    { name: "mimir", url: MIMIR.url },
                    { name: "mimir", url: THANOS.url },
                ],
            }),
            [],
            'mlops-platform:monitoring.prometheus.remoteWrite[1].name: expected a name no other remote-write target of the env uses, got "mimir"',
        ],
        [
            "more shards at least than at most",
            withQueue({ minShards: 60 }),
            [],
            `${RW}.queueConfig.minShards: expected minShards (60) at most maxShards (50; ${QUEUE_DEFAULTS}: minShards 1, maxShards 50), got number 60`,
        ],
        [
            "a buffer smaller than a batch",
            withQueue({ capacity: 1000 }),
            [],
            `${RW}.queueConfig.capacity: expected capacity (1000) at least maxSamplesPerSend (2000; ${QUEUE_DEFAULTS}: capacity 10000, maxSamplesPerSend 2000), got number 1000`,
        ],
        [
            "no shard at all",
            withQueue({ maxShards: 0 }),
            [],
            `${RW}.queueConfig.maxShards: expected a whole number of at least 1 (parallel senders at most), got number 0`,
        ],
        [
            "a deadline that is no duration",
            withQueue({ batchSendDeadline: "5 seconds" }),
            [],
            `${RW}.queueConfig.batchSendDeadline: expected a positive batch send deadline duration such as "30s" or "100ms" (units y, w, d, h, m, s, ms, largest first), got "5 seconds"`,
        ],
        [
            "a minimum backoff above the maximum",
            withQueue({ minBackoff: "10s" }),
            [],
            `${RW}.queueConfig.minBackoff: expected minBackoff (10s) at most maxBackoff (5s; ${QUEUE_DEFAULTS}: minBackoff 30ms, maxBackoff 5s), got "10s"`,
        ],
        [
            "a queue setting the operator does not know",
            withQueue({ maxRetries: 3 }),
            [],
            `${RW}.queueConfig.maxRetries: expected one of the known keys (batchSendDeadline, capacity, maxBackoff, maxSamplesPerSend, maxShards, minBackoff, minShards, retryOnRateLimit, sampleAgeLimit), got unknown key "maxRetries"`,
        ],
        [
            "a labeldrop without a regex (it would drop every label)",
            withRelabel({ action: "labeldrop" }),
            [],
            `${RW}.writeRelabelConfigs[0].regex: expected a regex naming the labels to drop for action labeldrop, got nothing (key not set)`,
        ],
        [
            "a replace without a target label",
            withRelabel({ sourceLabels: ["namespace"], regex: "(.*)" }),
            [],
            `${RW}.writeRelabelConfigs[0].targetLabel: expected a targetLabel for action replace, got nothing (key not set)`,
        ],
        [
            "an unknown relabel action",
            withRelabel({ action: "delete", sourceLabels: ["__name__"] }),
            [],
            `${RW}.writeRelabelConfigs[0].action: expected one of replace, keep, drop, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase, keepequal, dropequal, got "delete"`,
        ],
        [
            "a regex RE2 cannot run (lookahead)",
            withRelabel({ action: "drop", sourceLabels: ["__name__"], regex: "(?!up$).*" }),
            [],
            `${RW}.writeRelabelConfigs[0].regex: expected a regular expression in RE2 syntax (no lookaround, no backreferences, no "{{"), got "(?!up$).*"`,
        ],
        [
            "a regex given to keepequal, which compares values",
            withRelabel({ action: "keepequal", sourceLabels: ["namespace"], targetLabel: "exported_namespace", regex: "x" }),
            [],
            `${RW}.writeRelabelConfigs[0].regex: expected no regex with action keepequal (it compares the source labels' value with the target label's), got "x"`,
        ],
        [
            "a source label that is no label name",
            withRelabel({ action: "keep", sourceLabels: ["app.kubernetes.io/name"], regex: "x" }),
            [],
            `${RW}.writeRelabelConfigs[0].sourceLabels[0]: expected a label name, got "app.kubernetes.io/name"`,
        ],
        [
            "no Prometheus at all",
            withPrometheus({ replicas: 0 }),
            [],
            "mlops-platform:monitoring.prometheus.replicas: expected 1, or 2 or more for an HA pair (a whole number from 1 to 10), got number 0",
        ],
        [
            "anti-affinity asked of a single replica",
            withPrometheus({ podAntiAffinity: "hard" }),
            [],
            'mlops-platform:monitoring.prometheus.podAntiAffinity: expected no anti-affinity setting while monitoring.prometheus.replicas is 1 (it only keeps replicas apart; set replicas to 2 or more for HA), got "hard"',
        ],
        [
            "an unknown anti-affinity",
            withPrometheus({ replicas: 2, podAntiAffinity: "required" }),
            [],
            'mlops-platform:monitoring.prometheus.podAntiAffinity: expected "hard" (replicas on different nodes, or Pending) or "soft" (preferred), got "required"',
        ],
        [
            "a single Alertmanager on a protected stack",
            {
                ...MINIMAL_CONFIG,
                protect: true,
                cluster: { ...MINIMAL_CONFIG.cluster, kubeSystemUid: "6f1b0c52-5d2e-4c1a-9f7e-2b8d3a4c5e6f" },
                workloads: protectedWl,
                monitoring: { alertmanager: { replicas: 1 } },
            },
            [],
            "mlops-platform:monitoring.alertmanager.replicas: expected 2 or more on a protected stack (protect: true runs Alertmanager as a cluster, so alerts survive the loss of one pod), got number 1",
        ],
        [
            "no Alertmanager at all",
            { ...MINIMAL_CONFIG, monitoring: { alertmanager: { replicas: 0 } } },
            [],
            "mlops-platform:monitoring.alertmanager.replicas: expected a whole number of Alertmanager replicas from 1 to 5, got number 0",
        ],
    ])("%s", (_kind, config, secret, message) => {
        expect(problemsOf(config, secret)).toEqual([message]);
    });

    it("never echoes a credential, wherever it was put", () => {
        const leaks = [
            withTarget({ url: "https://tenant:hunter2hunter2@mimir.example.com/api/v1/push" }),
            withTarget({ basicAuth: { username: "u", password: "hunter2hunter2" } }),
            withTarget({ headers: { Authorization: "Bearer hunter2hunter2", "X-Auth-Token": "hunter2hunter2" } }),
            { ...withTarget({ auth: "bearer" }), prometheusRemoteWriteAuth: { mimir: { token: 7 } } },
            { ...withTarget({ auth: "bearer" }), prometheusRemoteWriteAuth: "hunter2hunter2" },
        ];
        for (const config of leaks) {
            const problems = problemsOf(config, ["prometheusRemoteWriteAuth"]);
            expect(problems.length).toBeGreaterThan(0);
            expect(problems.join("\n")).not.toContain("hunter2");
        }
    });

    it("accepts RE2 flag groups, capture-group references and every queue setting", () => {
        expect(
            problemsOf({ ...HA_CONFIG, monitoring: { prometheus: { ...HA_MONITORING.prometheus, podAntiAffinity: "soft" } } }, ["prometheusRemoteWriteAuth"]),
        ).toEqual([]);
        expect(problemsOf(withQueue({ sampleAgeLimit: "1h30m", batchSendDeadline: "500ms", minBackoff: "0" }))).toEqual([]);
        expect(
            problemsOf(withRelabel({ action: "replace", sourceLabels: ["pod"], regex: "(?P<app>[a-z]+)-.*", targetLabel: "app", replacement: "${app}" })),
        ).toEqual([]);
    });

    it("stops the program before anything is registered", async () => {
        const failure = await runLoaded(stackFromConfig(withTarget({ url: "http://mimir.example.com/api/v1/push" }))).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(failure).toBeInstanceOf(ProgramFailure);
        expect((failure as ProgramFailure).resources).toEqual([]);
        expect(((failure as ProgramFailure).cause as Error).message).toContain(`${RW}.url: ${URL_EXPECTED}, got "http://mimir.example.com/api/v1/push"`);
    });
});
