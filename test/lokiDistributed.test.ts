/**
 * Loki in distributed mode (`logging.loki.mode: distributed`): the chart's microservices on the
 * env's bucket, exactly as configured; the endpoints, network policies, alerts, sizing and verify
 * that follow the mode; the ring that can never join another env's; bad config; and the program
 * under the engine with the policy pack. Monolithic mode (the default) is what the other suites test.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { requiredSecretPlaceholders } from "../components/config/workloads";
import { parsePlatformConfig, rawConfigFrom } from "../components/config/schema";
import { envNames } from "../components/naming";
import { requestTotals, workloadInventory } from "../components/sizing";
import { evaluate } from "../policy/rules";
import { UNKNOWN, ProgramFailure, isSecretValue } from "../scripts/lib/mockRuntime";
import { programUnknowns, unknownPaths } from "../scripts/lib/engineView";
import { expectedJobs } from "../scripts/lib/verify/prometheus";
import { envScope } from "../scripts/lib/verify/scope";
import { VerifyContext } from "../scripts/lib/verify/context";
import { VerifyOutputs } from "../scripts/lib/verify/outputs";
import {
    EngineViews,
    MINIMAL_CONFIG,
    PROJECT,
    ROOT,
    StackRun,
    allStrings,
    engineViews,
    generatedSecretUnknowns,
    resourcesOfType,
    runLoaded,
    stackFromConfig,
    valuesOf,
} from "./support/harness";
import { analyzeStack } from "./support/policyEngine";
import { LoadedStack, loadStack } from "../scripts/lib/stackFile";
import { HELM_RELEASE, NETWORK_POLICY, PROMETHEUS_RULE, SECRET } from "../components/resourceTypes";

const OBJECT_STORAGE = { bucket: "loki-chunks", endpointUrl: "https://s3.example.com", region: "eu-west-1", s3ForcePathStyle: true };
const LOKI_SECRETS = { lokiS3AccessKeyId: "LOKITESTACCESSKEYID", lokiS3SecretAccessKey: "loki/test+secret=access-key" };

/** MINIMAL_CONFIG (dev) with distributed Loki. */
function distributedConfig(loki: Record<string, unknown> = {}): Record<string, unknown> {
    return { ...MINIMAL_CONFIG, logging: { loki: { mode: "distributed", objectStorage: OBJECT_STORAGE, ...loki } }, ...LOKI_SECRETS };
}

/** A committed stack file with distributed Loki in place of its monolithic settings, and Loki's credentials. */
function distributedStackFile(env: "dev" | "prod"): LoadedStack {
    const base = loadStack(ROOT, env, { placeholderSecrets: true });
    const key = (k: string) => `${PROJECT}:${k}`;
    const logging = JSON.parse(base.config[key("logging")]);
    const loki = { mode: "distributed", retention: logging.loki.retention, objectStorage: OBJECT_STORAGE };
    return {
        ...base,
        config: {
            ...base.config,
            [key("logging")]: JSON.stringify({ ...logging, loki }),
            ...Object.fromEntries(Object.entries(LOKI_SECRETS).map(([k, v]) => [key(k), v])),
        },
        secretKeys: [...base.secretKeys, ...Object.keys(LOKI_SECRETS).map(key)],
        placeholders: [...base.placeholders, ...Object.values(LOKI_SECRETS)],
    };
}

const stackOf = (config: Record<string, unknown>) =>
    stackFromConfig(
        config,
        Object.keys(LOKI_SECRETS).filter((k) => config[k] !== undefined),
    );

/** Non-default sizes for dev, so every setting is seen to reach the chart. */
const DEV_SIZES = {
    ingester: { replicas: 4, walStorageSize: "20Gi" },
    distributor: { replicas: 3 },
    caches: { chunksMemoryMiB: 2048 },
};

const runs = {} as Record<"dev" | "prod", StackRun>;
beforeAll(async () => {
    runs.dev = await runLoaded(stackOf(distributedConfig(DEV_SIZES)));
    runs.prod = await runLoaded(distributedStackFile("prod"));
});

const r = (cpu: string, memory: string, limitCpu: string, limitMemory: string) => ({
    requests: { cpu, memory },
    limits: { cpu: limitCpu, memory: limitMemory },
});
const RESOURCES = {
    ingester: r("100m", "256Mi", "1", "1Gi"),
    distributor: r("50m", "128Mi", "500m", "512Mi"),
    querier: r("100m", "256Mi", "1", "1Gi"),
    queryFrontend: r("50m", "128Mi", "500m", "512Mi"),
    queryScheduler: r("20m", "64Mi", "200m", "256Mi"),
    indexGateway: r("50m", "128Mi", "500m", "512Mi"),
    compactor: r("50m", "128Mi", "500m", "512Mi"),
    ruler: r("50m", "128Mi", "500m", "512Mi"),
};

describe("distributed Loki values", () => {
    it("run the chart's microservices on the env's bucket, with RF 3, its own ring, the ruler and compactor retention", () => {
        expect(valuesOf(runs.dev.plan, "loki-dev")).toEqual({
            deploymentMode: "Distributed",
            loki: {
                auth_enabled: false,
                commonConfig: { replication_factor: 3 },
                storage: {
                    type: "s3",
                    bucketNames: { chunks: "loki-chunks" },
                    s3: {
                        endpoint: "https://s3.example.com",
                        region: "eu-west-1",
                        s3ForcePathStyle: true,
                        accessKeyId: "${LOKI_S3_ACCESS_KEY_ID}",
                        secretAccessKey: "${LOKI_S3_SECRET_ACCESS_KEY}",
                    },
                },
                storage_config: { object_prefix: "dev/loki" },
                schemaConfig: {
                    configs: [{ from: "2024-04-01", store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "loki_index_", period: "24h" } }],
                },
                compactor: {
                    working_directory: "/var/loki/compactor",
                    compaction_interval: "10m",
                    retention_enabled: true,
                    retention_delete_delay: "2h",
                    delete_request_store: "s3",
                },
                limits_config: { retention_period: "168h" },
                rulerConfig: {
                    alertmanager_url: "http://monitoring-dev-alertmanager.monitoring-dev.svc.cluster.local:9093",
                    storage: { type: "local", local: { directory: "/etc/loki/rules" } },
                    rule_path: "/tmp/loki-rules-scratch",
                    enable_api: true,
                },
                extraMemberlistConfig: { cluster_label: "loki-dev", cluster_label_verification_disabled: false },
                podSecurityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, fsGroupChangePolicy: "OnRootMismatch" },
            },
            defaults: { extraEnvFrom: [{ secretRef: { name: "loki-dev-object-store" } }] },
            ingester: {
                replicas: 4,
                resources: RESOURCES.ingester,
                zoneAwareReplication: { enabled: false },
                persistence: {
                    enabled: true,
                    claims: [{ name: "data", accessModes: ["ReadWriteOnce"], size: "20Gi", storageClass: "local-path-dev" }],
                    enableStatefulSetAutoDeletePVC: true,
                    whenDeleted: "Delete",
                    whenScaled: "Retain",
                },
            },
            distributor: { replicas: 3, resources: RESOURCES.distributor },
            querier: { replicas: 2, resources: RESOURCES.querier },
            queryFrontend: { replicas: 2, resources: RESOURCES.queryFrontend },
            queryScheduler: { replicas: 2, resources: RESOURCES.queryScheduler },
            indexGateway: { replicas: 2, resources: RESOURCES.indexGateway },
            compactor: {
                replicas: 1,
                resources: RESOURCES.compactor,
                persistence: {
                    enabled: true,
                    storageClass: "nfs-dev",
                    size: "5Gi",
                    accessModes: ["ReadWriteOnce"],
                    claims: [],
                    enableStatefulSetAutoDeletePVC: true,
                    whenDeleted: "Delete",
                    whenScaled: "Retain",
                },
            },
            ruler: {
                enabled: true,
                replicas: 1,
                resources: RESOURCES.ruler,
                extraVolumes: [{ name: "platform-rules", configMap: { name: "loki-rules-dev" } }],
                extraVolumeMounts: [{ name: "platform-rules", mountPath: "/etc/loki/rules/fake", readOnly: true }],
            },
            singleBinary: { replicas: 0 },
            read: { replicas: 0 },
            write: { replicas: 0 },
            backend: { replicas: 0 },
            chunksCache: { enabled: true, allocatedMemory: 2048, allocatedCPU: "100m" },
            resultsCache: { enabled: true, allocatedMemory: 256, allocatedCPU: "100m" },
            lokiCanary: { enabled: false },
            test: { enabled: false },
            gateway: { enabled: false },
            sidecar: { rules: { enabled: false } },
            rbac: { namespaced: true },
            ingress: {
                enabled: true,
                ingressClassName: "nginx",
                annotations: {
                    "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                    "nginx.ingress.kubernetes.io/auth-type": "basic",
                    "nginx.ingress.kubernetes.io/auth-secret": "ingress-htpasswd-dev",
                    "nginx.ingress.kubernetes.io/auth-realm": "mlops-platform dev",
                },
                hosts: ["loki-dev.mlops.example.com"],
                tls: [{ hosts: ["loki-dev.mlops.example.com"], secretName: "loki-dev-tls" }],
                paths: { distributor: [], compactor: [] },
            },
            monitoring: { serviceMonitor: { enabled: true, labels: { release: "monitoring-dev" } } },
        });
    });

    it("keep prod's ingester and compactor claims when the release or the stack goes away, and name prod's prefix and ring", () => {
        const v = valuesOf(runs.prod.plan, "loki-prod");
        for (const component of ["ingester", "compactor"]) {
            expect(v[component].persistence).toMatchObject({ enableStatefulSetAutoDeletePVC: true, whenDeleted: "Retain", whenScaled: "Retain" });
        }
        expect(v.ingester.persistence.claims).toEqual([{ name: "data", accessModes: ["ReadWriteOnce"], size: "10Gi", storageClass: "local-path-prod" }]);
        expect(v.ingester.replicas).toBe(3);
        expect(v.compactor.persistence.storageClass).toBe("nfs-prod");
        expect(v.loki.storage_config).toEqual({ object_prefix: "prod/loki" });
        expect(v.loki.extraMemberlistConfig).toEqual({ cluster_label: "loki-prod", cluster_label_verification_disabled: false });
        expect(v.defaults.extraEnvFrom).toEqual([{ secretRef: { name: "loki-prod-object-store" } }]);
    });

    it("hand the bucket's credentials to Loki only through a Secret in observability-<env>, never as values", () => {
        const secrets = runs.dev.run.resources.filter((x) => x.type === SECRET && (x.inputs as any).metadata.name === "loki-dev-object-store");
        expect(secrets).toHaveLength(1);
        const inputs = secrets[0].inputs as any;
        expect(inputs.metadata).toEqual({
            name: "loki-dev-object-store",
            namespace: "observability-dev",
            labels: {
                "app.kubernetes.io/part-of": "mlops-platform",
                "app.kubernetes.io/managed-by": "pulumi",
                "app.kubernetes.io/component": "loki",
                "platform.mlops/env": "dev",
            },
        });
        expect(isSecretValue(inputs.stringData)).toBe(true);
        expect((inputs.stringData as { value: Record<string, string> }).value).toEqual({
            LOKI_S3_ACCESS_KEY_ID: LOKI_SECRETS.lokiS3AccessKeyId,
            LOKI_S3_SECRET_ACCESS_KEY: LOKI_SECRETS.lokiS3SecretAccessKey,
        });
        // Neither credential is anywhere in the plan a reviewer reads.
        for (const value of Object.values(LOKI_SECRETS)) expect(JSON.stringify(runs.dev.plan)).not.toContain(value);
        // The release waits for the Secret it reads and for the rules ConfigMap.
        const release = runs.dev.run.resources.find((x) => x.type === HELM_RELEASE && x.name === "loki-dev")!;
        expect(release.dependencies).toEqual(
            expect.arrayContaining([expect.stringMatching(/::loki-dev-object-store$/), expect.stringMatching(/::loki-dev-rules$/)]),
        );
    });

    it("are what the offline plan asks Loki's credentials for: only in distributed mode", () => {
        const lokiKeys = (loki: Record<string, unknown>) =>
            Object.keys(requiredSecretPlaceholders({ [`${PROJECT}:logging`]: JSON.stringify({ loki }) }, PROJECT)).filter((k) => k.startsWith("loki"));
        expect(lokiKeys({ retention: "168h" })).toEqual([]);
        expect(lokiKeys({ mode: "monolithic" })).toEqual([]);
        expect(lokiKeys({ mode: "distributed" })).toEqual(["lokiS3AccessKeyId", "lokiS3SecretAccessKey"]);
    });
});

describe("what follows the mode", () => {
    const svc = (name: string, env: string) => `http://${name}.observability-${env}.svc.cluster.local:3100`;

    it("pushes go to the distributors, queries to the query-frontends: outputs, Grafana's datasource and the log agent", () => {
        const outputs = runs.dev.plan.outputs as any;
        expect(outputs.endpoints.lokiPush).toBe(`${svc("loki-dev-distributor", "dev")}/loki/api/v1/push`);
        expect(outputs.endpoints.lokiQuery).toBe(svc("loki-dev-query-frontend", "dev"));
        expect(valuesOf(runs.dev.plan, "monitoring-dev").grafana.additionalDataSources).toEqual([
            {
                name: "Loki",
                type: "loki",
                uid: "loki-dev",
                url: svc("loki-dev-query-frontend", "dev"),
                access: "proxy",
                isDefault: false,
                jsonData: { maxLines: 1000 },
            },
        ]);
        expect(valuesOf(runs.dev.plan, "promtail-dev").config.clients).toEqual([{ url: `${svc("loki-dev-distributor", "dev")}/loki/api/v1/push` }]);
        expect(envNames("dev", "x", "distributed").loki.components).toEqual({
            distributor: "loki-dev-distributor",
            ingester: "loki-dev-ingester",
            querier: "loki-dev-querier",
            queryFrontend: "loki-dev-query-frontend",
            queryScheduler: "loki-dev-query-scheduler",
            indexGateway: "loki-dev-index-gateway",
            compactor: "loki-dev-compactor",
            ruler: "loki-dev-ruler",
        });
    });

    it("admits pushes only to the distributors from the env's agent, queries only to the query-frontends", () => {
        const policies = resourcesOfType(runs.dev.plan, NETWORK_POLICY).filter((p) => (p.inputs as any).metadata.namespace === "observability-dev");
        const loki = { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki-dev" };
        const ns = (name: string, pods?: Record<string, string>) => ({
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
            ...(pods ? { podSelector: { matchLabels: pods } } : {}),
        });
        const http = [{ protocol: "TCP", port: 3100 }];
        const component = (c: string) => ({ matchLabels: { ...loki, "app.kubernetes.io/component": c } });
        expect(Object.fromEntries(policies.map((p) => [(p.inputs as any).metadata.name, (p.inputs as any).spec]))).toEqual({
            "loki-dev-ingress": {
                podSelector: { matchLabels: loki },
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [ns("observability-dev", loki)] },
                    {
                        from: [ns("monitoring-dev", { "app.kubernetes.io/name": "prometheus" })],
                        ports: [
                            { protocol: "TCP", port: 3100 },
                            { protocol: "TCP", port: 9150 },
                        ],
                    },
                ],
            },
            "loki-dev-push": {
                podSelector: component("distributor"),
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [ns("observability-dev", { "app.kubernetes.io/name": "promtail", "app.kubernetes.io/instance": "promtail-dev" })], ports: http },
                ],
            },
            "loki-dev-query": {
                podSelector: component("query-frontend"),
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [ns("monitoring-dev", { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "monitoring-dev" })], ports: http },
                    { from: [ns("ingress-nginx")], ports: http },
                ],
            },
            "loki-dev-rules": {
                podSelector: component("ruler"),
                policyTypes: ["Ingress"],
                ingress: [{ from: [ns("ingress-nginx")], ports: http }],
            },
        });
    });

    it("LokiDown watches every component of the write, read and rule paths, and a write quorum of ingesters", () => {
        const rules = (resourcesOfType(runs.dev.plan, PROMETHEUS_RULE)[0].inputs as any).spec.groups.flatMap((g: any) => g.rules);
        const down = rules.find((x: any) => x.alert === "LokiDown");
        expect(down.expr).toBe(
            'kube_statefulset_status_replicas_ready{namespace="observability-dev",statefulset="loki-dev-ingester"} < 2\n' +
                '  or kube_deployment_status_replicas_available{namespace="observability-dev",deployment=~"loki-dev-distributor|loki-dev-querier|loki-dev-query-frontend|loki-dev-query-scheduler"} < 1\n' +
                '  or kube_statefulset_status_replicas_ready{namespace="observability-dev",statefulset=~"loki-dev-index-gateway|loki-dev-ruler"} < 1',
        );
        expect(down.annotations.summary).toBe("[dev] A Loki component on the write, read or rule path is down");
        // The log alerts are the same as monolithic mode's, in the same ConfigMap, mounted into the ruler.
        expect(Object.keys(runs.dev.plan.artifacts).filter((k) => k.startsWith("rules/loki"))).toEqual(["rules/loki-fake.yaml"]);
    });

    it("sizes every component and cache as the inventory reports it, and the plan adds them up", () => {
        const config = parsePlatformConfig(
            rawConfigFrom(runs.dev.run.stack.config, (k) => runs.dev.run.stack.secretKeys.includes(k), PROJECT, runs.dev.run.stack.stack),
            PROJECT,
        );
        const loki = workloadInventory(config).filter((w) => w.workload.startsWith("loki"));
        expect(loki.map((w) => [w.workload, w.kind, w.replicas, w.containers.map((c) => c.resources)])).toEqual([
            ["loki-distributor", "Deployment", 3, [RESOURCES.distributor]],
            ["loki-ingester", "StatefulSet", 4, [RESOURCES.ingester]],
            ["loki-querier", "Deployment", 2, [RESOURCES.querier]],
            ["loki-query-frontend", "Deployment", 2, [RESOURCES.queryFrontend]],
            ["loki-query-scheduler", "Deployment", 2, [RESOURCES.queryScheduler]],
            ["loki-index-gateway", "StatefulSet", 2, [RESOURCES.indexGateway]],
            ["loki-compactor", "StatefulSet", 1, [RESOURCES.compactor]],
            ["loki-ruler", "StatefulSet", 1, [RESOURCES.ruler]],
            // The chart requests round(1.2 x the cache size) MiB for memcached.
            ["loki-chunks-cache", "StatefulSet", 1, [{ requests: { cpu: "100m", memory: "2458Mi" }, limits: { memory: "2458Mi" } }]],
            ["loki-results-cache", "StatefulSet", 1, [{ requests: { cpu: "100m", memory: "307Mi" }, limits: { memory: "307Mi" } }]],
        ]);
        const v = valuesOf(runs.dev.plan, "loki-dev");
        for (const key of Object.keys(RESOURCES)) expect(v[key].resources, key).toEqual(RESOURCES[key as keyof typeof RESOURCES]);
        expect(requestTotals(loki)).toEqual({
            // 3x50 + 4x100 + 2x100 + 2x50 + 2x20 + 2x50 + 50 + 50 + 2x100 millicores
            fixed: { cpuMillis: 1290, memoryBytes: (3 * 128 + 4 * 256 + 2 * 256 + 2 * 128 + 2 * 64 + 2 * 128 + 128 + 128 + 2458 + 307) * 2 ** 20 },
            perNode: { cpuMillis: 0, memoryBytes: 0 },
        });
    });

    it("verify expects the distributors' and query-frontends' scrape jobs, and the single binary's in monolithic mode", () => {
        const jobs = (outputs: unknown) =>
            expectedJobs({ outputs, scope: envScope(outputs as VerifyOutputs) } as unknown as VerifyContext).map((j) => `${j.what}: ${j.job}`);
        expect(jobs(runs.dev.plan.outputs)).toEqual([
            "FastAPI: fastapi-dev",
            "Loki push: loki-dev-distributor",
            "Loki query: loki-dev-query-frontend",
            "log agent: promtail-dev-metrics",
        ]);
        const monolithic = { ...runs.dev.plan.outputs, endpoints: { ...(runs.dev.plan.outputs as any).endpoints, ...pick(envNames("dev", "x").endpoints) } };
        expect(jobs(monolithic)).toEqual(["FastAPI: fastapi-dev", "Loki: loki-dev", "log agent: promtail-dev-metrics"]);
    });
});

const pick = (e: { lokiPush: string; lokiQuery: string }) => ({ lokiPush: e.lokiPush, lokiQuery: e.lokiQuery });

describe("the ring of distributed Loki", () => {
    it("can never join the other env's: own memberlist Service in its own namespace, own cluster label, own prefix and Secret", () => {
        const ring = (env: "dev" | "prod") => {
            const v = valuesOf(runs[env].plan, `loki-${env}`);
            const names = envNames(env, "x", "distributed");
            return {
                // The chart seeds the ring with `<fullname>-memberlist.<namespace>.svc` of its own release.
                seed: `${names.loki.memberlistService}.${names.namespaces.observability}`,
                clusterLabel: v.loki.extraMemberlistConfig.cluster_label,
                verification: v.loki.extraMemberlistConfig.cluster_label_verification_disabled,
                prefix: v.loki.storage_config.object_prefix,
                credentials: v.defaults.extraEnvFrom[0].secretRef.name,
            };
        };
        expect(ring("dev")).toEqual({
            seed: "loki-dev-memberlist.observability-dev",
            clusterLabel: "loki-dev",
            verification: false,
            prefix: "dev/loki",
            credentials: "loki-dev-object-store",
        });
        expect(ring("prod")).toEqual({
            seed: "loki-prod-memberlist.observability-prod",
            clusterLabel: "loki-prod",
            verification: false,
            prefix: "prod/loki",
            credentials: "loki-prod-object-store",
        });
        // Nothing of one env's Loki names the other env.
        for (const [env, other] of [
            ["dev", "prod"],
            ["prod", "dev"],
        ] as const) {
            const strings = allStrings(valuesOf(runs[env].plan, `loki-${env}`));
            expect(strings.filter((s) => new RegExp(`(^|[^a-z0-9])${other}([^a-z0-9]|$)`).test(s))).toEqual([]);
        }
    });

    it("admits memberlist gossip from the env's own Loki pods only", () => {
        for (const env of ["dev", "prod"] as const) {
            const policy = resourcesOfType(runs[env].plan, NETWORK_POLICY).find((p) => (p.inputs as any).metadata.name === `loki-${env}-ingress`)!
                .inputs as any;
            // The only rule without ports: Loki's own pods of this release in this namespace.
            expect(policy.spec.ingress.filter((rule: any) => !rule.ports)).toEqual([
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": `observability-${env}` } },
                            podSelector: { matchLabels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": `loki-${env}` } },
                        },
                    ],
                },
            ]);
        }
    });
});

describe("distributed Loki under the engine", () => {
    const views = {} as Record<"dev" | "prod", EngineViews>;
    beforeAll(async () => {
        for (const env of ["dev", "prod"] as const) views[env] = await engineViews(distributedStackFile(env));
    });

    it.each(["dev", "prod"] as const)("%s: a first preview knows every name; only generated secrets are unknown", (env) => {
        expect(programUnknowns(views[env].firstPreview)).toEqual(generatedSecretUnknowns(env));
        expect(unknownPaths(views[env].previewRun.outputs, UNKNOWN)).toEqual([]);
    });

    it.each(["dev", "prod"] as const)(
        "%s: every policy runs and passes on a first preview and on the deployed stack (no violation, no advisory)",
        async (env) => {
            expect(await analyzeStack(views[env].firstPreview)).toEqual([]);
            expect(await analyzeStack(views[env].deployed)).toEqual([]);
        },
    );

    it("the policy pack catches a compactor on NFS without fsGroup and prod claims deleted with their StatefulSets", () => {
        const release = (env: "dev" | "prod") =>
            structuredClone(views[env].deployed).map((x) => ({ ...x })) as (EngineViews["deployed"][number] & { props: any })[];
        const dev = release("dev");
        delete dev.find((x) => x.name === "loki-dev" && x.type === HELM_RELEASE)!.props.values.loki.podSecurityContext;
        expect(evaluate(dev).map((v) => `${v.policy}: ${v.message}`)).toEqual([
            "nfs-writers-set-fsgroup: release loki-dev: Loki's compactor writes to NFS class nfs-dev but loki.podSecurityContext.fsGroup is not set",
        ]);
        const prod = release("prod");
        const values = prod.find((x) => x.name === "loki-prod" && x.type === HELM_RELEASE)!.props.values;
        values.ingester.persistence.whenDeleted = "Delete";
        values.compactor.persistence.whenDeleted = "Delete";
        expect(evaluate(prod).map((v) => `${v.policy}: ${v.message}`)).toEqual([
            'protected-env-volumes-retained: release loki-prod in protected env prod: ingester.persistence.whenDeleted must be "Retain" (the StatefulSet keeps Loki\'s ingester claims)',
            'protected-env-volumes-retained: release loki-prod in protected env prod: compactor.persistence.whenDeleted must be "Retain" (the StatefulSet keeps Loki\'s compactor claims)',
        ]);
    });
});

describe("bad distributed Loki config is rejected before anything is registered", () => {
    async function rejected(config: Record<string, unknown>): Promise<string[]> {
        const failure = await runLoaded(stackOf(config)).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(failure).toBeInstanceOf(ProgramFailure);
        expect((failure as ProgramFailure).resources).toEqual([]);
        return ((failure as ProgramFailure).cause as Error).message.split("\n").slice(1);
    }
    const loki = (settings: Record<string, unknown>, drop: string[] = []) => {
        const config = { ...distributedConfig(), logging: { loki: { mode: "distributed", ...settings } } };
        return Object.fromEntries(Object.entries(config).filter(([k]) => !drop.includes(k)));
    };

    it.each([
        {
            kind: "distributed mode without object storage",
            config: loki({}),
            messages: [
                "mlops-platform:logging.loki.objectStorage: expected S3-compatible object storage for distributed mode ({bucket, prefix, endpointUrl, region, s3ForcePathStyle}, in a location that names the env), got nothing (key not set)",
            ],
        },
        {
            kind: "a location that does not name the env",
            config: loki({ objectStorage: { bucket: "loki-chunks", prefix: "shared/loki" } }),
            messages: [
                'mlops-platform:logging.loki.objectStorage.prefix: expected a location that names the env "dev" in the bucket name or as a prefix segment (s3://loki-chunks/dev/...), so envs never share objects, got "shared/loki"',
            ],
        },
        {
            kind: "fewer ingesters than the replication factor",
            config: loki({ objectStorage: OBJECT_STORAGE, ingester: { replicas: 2 } }),
            messages: [
                "mlops-platform:logging.loki.ingester.replicas: expected an integer from 3 to 50 (replication factor 3 writes every stream to 3 different ingesters), got number 2",
            ],
        },
        {
            kind: "the bucket's credentials missing",
            config: loki({ objectStorage: OBJECT_STORAGE }, Object.keys(LOKI_SECRETS)),
            messages: [
                "mlops-platform:lokiS3AccessKeyId: expected the access key id of Loki's bucket (logging.loki.objectStorage), letters, digits and / + = . _ ~ - only, since Loki substitutes it into its YAML config, set with pulumi config set --secret lokiS3AccessKeyId, got nothing (key not set)",
                "mlops-platform:lokiS3SecretAccessKey: expected the secret access key of Loki's bucket (logging.loki.objectStorage), letters, digits and / + = . _ ~ - only, since Loki substitutes it into its YAML config, set with pulumi config set --secret lokiS3SecretAccessKey, got nothing (key not set)",
            ],
        },
        {
            kind: "a credential that would change Loki's YAML config, never echoed",
            config: { ...loki({ objectStorage: OBJECT_STORAGE }), lokiS3SecretAccessKey: "abc#def: x" },
            messages: [
                "mlops-platform:lokiS3SecretAccessKey: expected the secret access key of Loki's bucket (logging.loki.objectStorage), letters, digits and / + = . _ ~ - only, since Loki substitutes it into its YAML config, got a value (not shown: secret)",
            ],
        },
        {
            kind: "the single binary's sizes in distributed mode",
            config: loki({ objectStorage: OBJECT_STORAGE, storageSize: "10Gi" }),
            messages: [
                'mlops-platform:logging.loki.storageSize: expected no storageSize while logging.loki.mode is "distributed" (it sizes monolithic mode\'s single binary; distributed mode sizes each component), got "10Gi"',
            ],
        },
        {
            kind: "a distributed-mode setting in monolithic mode",
            config: { ...MINIMAL_CONFIG, logging: { loki: { objectStorage: OBJECT_STORAGE } } },
            messages: [
                'mlops-platform:logging.loki.objectStorage: expected no objectStorage while logging.loki.mode is "monolithic" (a distributed-mode setting: set logging.loki.mode to distributed), got an object {"bucket":"loki-chunks","endpointUrl":"https://s3.example.com","region":"eu-w...',
            ],
        },
        {
            kind: "an unknown mode, reported once",
            config: { ...MINIMAL_CONFIG, logging: { loki: { mode: "Distributed", objectStorage: OBJECT_STORAGE } } },
            messages: [
                'mlops-platform:logging.loki.mode: expected either "monolithic" (one binary on the env\'s NFS class) or "distributed" (microservices on object storage), got "Distributed"',
            ],
        },
        {
            kind: "caches smaller than memcached can run with",
            config: loki({ objectStorage: OBJECT_STORAGE, caches: { resultsMemoryMiB: 16 } }),
            messages: ["mlops-platform:logging.loki.caches.resultsMemoryMiB: expected memcached memory in MiB, an integer from 64 to 65536, got number 16"],
        },
    ])("$kind", async ({ config, messages }) => {
        expect(await rejected(config)).toEqual(messages.map((m) => `  - ${m}`));
    });

    it("a plaintext credential is refused without being echoed", async () => {
        const stack = stackOf(distributedConfig());
        const loaded = { ...stack, secretKeys: stack.secretKeys.filter((k) => !k.endsWith(":lokiS3SecretAccessKey")) };
        const failure = (await runLoaded(loaded).catch((e: unknown) => e)) as ProgramFailure;
        const message = (failure.cause as Error).message;
        expect(message.split("\n").slice(1)).toEqual([
            "  - mlops-platform:lokiS3SecretAccessKey: expected a secret value (pulumi config set --secret lokiS3SecretAccessKey), got a plaintext value (not shown)",
        ]);
        expect(message).not.toContain(LOKI_SECRETS.lokiS3SecretAccessKey);
    });
});
