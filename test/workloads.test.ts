/** FastAPI serving, MLflow tracking and Airflow of both stacks: exact objects and chart values. */
import { describe, expect, it } from "vitest";
import { postgresUri } from "../components/workloads/postgres";
import { MOCK_RANDOM_RESULT, isSecretValue } from "../scripts/lib/mockRuntime";
import { MINIMAL_CONFIG, STACK_INGRESS_ANNOTATIONS, StackRun, resourcesOfType, runLoaded, stackFromConfig, useBothStacks, valuesOf } from "./support/harness";
import * as pulumi from "@pulumi/pulumi";
import { HPA, PDB, POD_MONITOR, RANDOM_BYTES, RANDOM_PASSWORD, SECRET, SERVICE_MONITOR } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();

const obj = (env: string, type: string, name: string) => {
    const found = resourcesOfType(runs[env].plan, `kubernetes:${type}`).filter((r) => (r.inputs as any).metadata?.name === name);
    expect(
        found.map((r) => r.name),
        `${type} ${name}`,
    ).toHaveLength(1);
    return found[0].inputs as any;
};
/** Inputs as the provider receives them, secrets unwrapped: only for asserting secret shapes. */
const rawSecretData = (env: string, namespace: string, name: string) => {
    const rec = runs[env].run.resources.find(
        (r) => r.type === SECRET && (r.inputs as any).metadata.name === name && (r.inputs as any).metadata.namespace === namespace,
    )!;
    const data = (rec.inputs as any).stringData;
    expect(isSecretValue(data)).toBe(true);
    return (data as { value: Record<string, string> }).value;
};
const svc = (name: string, ns: string, port: number) => `http://${name}.${ns}.svc.cluster.local:${port}`;

describe.each(["dev", "prod"])("FastAPI serving in %s", (env) => {
    const ns = `fastapi-${env}`;
    const selector = { "app.kubernetes.io/name": "fastapi", "app.kubernetes.io/instance": `fastapi-${env}` };

    it("runs the configured image with the env's own MLflow and the serving settings", () => {
        const c = obj(env, "apps/v1:Deployment", `fastapi-${env}`).spec.template.spec.containers[0];
        expect(c.image).toBe("hoizz/fastapi-custom:v1.3.3");
        expect(c.env).toEqual([
            { name: "APP_ENV", value: env },
            { name: "MLFLOW_TRACKING_URI", value: svc(`mlflow-${env}`, `mlflow-${env}`, 5000) },
            { name: "MODEL_NAME", value: "best_model" },
            { name: "ALIAS_SELECTION_MODE", value: env === "dev" ? "blue_green" : "ab_test" },
            { name: "DEFAULT_ALIAS", value: "B" },
            { name: "CANARY_PERCENT", value: env === "dev" ? "20" : "10" },
            { name: "LOG_LEVEL", value: env === "dev" ? "debug" : "info" },
            { name: "LOG_DIR", value: "/app/logs" },
            { name: "HOME", value: "/tmp" },
        ]);
        expect(c.envFrom).toEqual([{ secretRef: { name: `workload-app-${env}` } }]);
        expect(c.ports).toEqual([{ name: "http", containerPort: 8000, protocol: "TCP" }]);
    });

    it("probes liveness on /health and readiness on /ready (not ready while no model is loaded)", () => {
        const c = obj(env, "apps/v1:Deployment", `fastapi-${env}`).spec.template.spec.containers[0];
        expect(c.startupProbe).toEqual({ httpGet: { path: "/health", port: "http" }, periodSeconds: 5, failureThreshold: 60 });
        expect(c.livenessProbe).toEqual({ httpGet: { path: "/health", port: "http" }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
        expect(c.readinessProbe).toEqual({ httpGet: { path: "/ready", port: "http" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 });
    });

    it("runs as the NFS log directory's owner, non-root, with a read-only root filesystem", () => {
        const pod = obj(env, "apps/v1:Deployment", `fastapi-${env}`).spec.template.spec;
        expect(pod.securityContext).toEqual({
            runAsNonRoot: true,
            runAsUser: 2001,
            runAsGroup: 2001,
            fsGroup: 2001,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
        });
        expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(pod.containers[0].volumeMounts).toEqual([
            { name: "logs", mountPath: "/app/logs" },
            { name: "tmp", mountPath: "/tmp" },
        ]);
        expect(pod.volumes).toEqual([
            { name: "logs", persistentVolumeClaim: { claimName: `fastapi-${env}-logs` } },
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
        ]);
    });

    it("keeps its logs on the env's NFS class, shared by all replicas", () => {
        expect(obj(env, "core/v1:PersistentVolumeClaim", `fastapi-${env}-logs`).spec).toEqual({
            storageClassName: `nfs-${env}`,
            accessModes: ["ReadWriteMany"],
            resources: { requests: { storage: env === "dev" ? "5Gi" : "20Gi" } },
        });
    });

    it("sets requests and limits", () => {
        const c = obj(env, "apps/v1:Deployment", `fastapi-${env}`).spec.template.spec.containers[0];
        expect(c.resources).toEqual(
            env === "dev"
                ? { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } }
                : { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
        );
    });

    it("exposes a named port through its Service and is scraped by exactly one monitor of its own env", () => {
        expect(obj(env, "core/v1:Service", `fastapi-${env}`).spec).toEqual({
            type: "ClusterIP",
            selector,
            ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
        });
        const monitors = [...resourcesOfType(runs[env].plan, SERVICE_MONITOR), ...resourcesOfType(runs[env].plan, POD_MONITOR)].filter((r) =>
            JSON.stringify(r.inputs).includes("fastapi"),
        );
        expect(monitors).toHaveLength(1);
        const sm = monitors[0].inputs as any;
        expect(sm.metadata.namespace).toBe(ns);
        expect(sm.metadata.labels.release).toBe(`monitoring-${env}`);
        expect(sm.spec).toEqual({
            selector: { matchLabels: selector },
            namespaceSelector: { matchNames: [ns] },
            endpoints: [{ port: "http", path: "/metrics", interval: "15s", scrapeTimeout: "10s", scheme: "http" }],
        });
    });

    it("publishes the prediction API over TLS and never routes /metrics", () => {
        const ing = obj(env, "networking.k8s.io/v1:Ingress", `fastapi-${env}`);
        expect(ing.spec.tls).toEqual([{ hosts: [`fastapi-${env}.mlops.internal`], secretName: `fastapi-${env}-tls` }]);
        const paths = ing.spec.rules[0].http.paths;
        expect(paths.map((p: any) => [p.path, p.pathType])).toEqual([
            ["/predict", "Exact"],
            ["/variant", "Prefix"],
            ["/models", "Exact"],
        ]);
        const routes = (path: string) =>
            paths.some((p: any) => (p.pathType === "Exact" ? p.path === path : path === p.path || path.startsWith(`${p.path.replace(/\/$/, "")}/`)));
        expect(routes("/metrics")).toBe(false);
        expect(routes("/variant/A/predict")).toBe(true);
        expect(routes("/variant/B/reload")).toBe(true);
        expect(ing.metadata.annotations).toEqual(STACK_INGRESS_ANNOTATIONS);
        for (const p of paths) expect(p.backend).toEqual({ service: { name: `fastapi-${env}`, port: { name: "http" } } });
    });

    it("gives FastAPI and Airflow the same Slack webhook (secret config) and reload token (generated once), each in its own namespace", () => {
        const slack = runs[env].run.stack.config["mlops-platform:appSlackWebhookUrl"];
        // No fastapiReloadToken in the stack files: the token is the env's one RandomPassword of 40 characters.
        const token = runs[env].plan.resources.filter((r) => r.name === `app-secrets-${env}-reload-token`);
        expect(token.map((r) => [r.type, r.inputs])).toEqual([[RANDOM_PASSWORD, { length: 40, special: false }]]);
        for (const consumer of [ns, `airflow-${env}`]) {
            expect(rawSecretData(env, consumer, `workload-app-${env}`)).toEqual({ SLACK_WEBHOOK_URL: slack, RELOAD_SECRET_TOKEN: MOCK_RANDOM_RESULT });
        }
        expect(JSON.stringify(runs[env].plan)).not.toContain(slack);
    });
});

describe("a configured reload token", () => {
    it("is used as is and nothing is generated", async () => {
        const token = "configured-reload-token-0123456789";
        const { run, plan } = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, fastapiReloadToken: token }, ["fastapiReloadToken"]));
        expect(plan.resources.filter((r) => r.name.endsWith("-reload-token"))).toEqual([]);
        const data = run.resources
            .filter((r) => r.type === SECRET && (r.inputs as any).metadata.name === "workload-app-dev")
            .map((r) => ((r.inputs as any).stringData as { value: Record<string, string> }).value.RELOAD_SECRET_TOKEN);
        expect(data).toEqual([token, token]);
    });
});

describe("FastAPI scale", () => {
    it("dev runs one replica with no disruption budget or autoscaler", () => {
        expect(obj("dev", "apps/v1:Deployment", "fastapi-dev").spec.replicas).toBe(1);
        expect(resourcesOfType(runs.dev.plan, PDB)).toEqual([]);
        expect(resourcesOfType(runs.dev.plan, HPA)).toEqual([]);
    });

    it("prod autoscales from 2 pods spread over nodes, lets disruptions take one pod at a time, and leaves the count to the autoscaler", () => {
        const dep = obj("prod", "apps/v1:Deployment", "fastapi-prod").spec;
        expect(dep.replicas).toBeUndefined();
        expect(dep.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        expect(dep.template.spec.topologySpreadConstraints).toEqual([
            {
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { "app.kubernetes.io/name": "fastapi", "app.kubernetes.io/instance": "fastapi-prod" } },
            },
        ]);
        expect(obj("prod", "policy/v1:PodDisruptionBudget", "fastapi-prod").spec).toEqual({
            maxUnavailable: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": "fastapi", "app.kubernetes.io/instance": "fastapi-prod" } },
        });
        expect(obj("prod", "autoscaling/v2:HorizontalPodAutoscaler", "fastapi-prod").spec).toEqual({
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "fastapi-prod" },
            minReplicas: 2,
            maxReplicas: 6,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        });
    });
});

describe.each(["dev", "prod"])("MLflow tracking in %s", (env) => {
    const ns = `mlflow-${env}`;

    it("serves artifacts from the env's S3 prefix with its PostgreSQL URI read from a Secret", () => {
        const c = obj(env, "apps/v1:Deployment", `mlflow-${env}`).spec.template.spec.containers[0];
        expect(c.command).toEqual(["mlflow", "server"]);
        expect(c.args).toEqual(["--host=0.0.0.0", "--port=5000", "--serve-artifacts", `--artifacts-destination=s3://mlflow-artifacts-keonho/${env}/mlflow`]);
        expect(c.env).toEqual([
            { name: "MLFLOW_BACKEND_STORE_URI", valueFrom: { secretKeyRef: { name: `mlflow-${env}-backend-store`, key: "uri" } } },
            { name: "AWS_DEFAULT_REGION", value: "ap-northeast-2" },
            {
                name: "MLFLOW_SERVER_ALLOWED_HOSTS",
                value: [
                    `mlflow-${env}`,
                    `mlflow-${env}:*`,
                    `mlflow-${env}.${ns}.svc.cluster.local`,
                    `mlflow-${env}.${ns}.svc.cluster.local:*`,
                    `mlflow-${env}.mlops.internal`,
                    `mlflow-${env}.mlops.internal:*`,
                    "localhost:*",
                ].join(","),
            },
            { name: "MLFLOW_SERVER_CORS_ALLOWED_ORIGINS", value: `https://mlflow-${env}.mlops.internal` },
            { name: "HOME", value: "/tmp" },
        ]);
        expect(c.envFrom).toEqual([{ secretRef: { name: `mlflow-${env}-object-store` } }]);
        expect(obj(env, "apps/v1:Deployment", `mlflow-${env}`).spec.replicas).toBe(env === "dev" ? 1 : 2);
    });

    it("runs non-root with a read-only root filesystem and probes /health", () => {
        const pod = obj(env, "apps/v1:Deployment", `mlflow-${env}`).spec.template.spec;
        expect(pod.securityContext).toEqual({
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
        });
        const c = pod.containers[0];
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
        expect(c.ports).toEqual([{ name: "http", containerPort: 5000, protocol: "TCP" }]);
        expect(c.livenessProbe).toEqual({ httpGet: { path: "/health", port: "http" }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 });
        expect(c.readinessProbe).toEqual({ httpGet: { path: "/health", port: "http" }, periodSeconds: 5, failureThreshold: 3 });
        expect(c.resources).toEqual(
            env === "dev"
                ? { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } }
                : { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
        );
    });

    it("builds the backend URI from config and the secret password, never in plain inputs", () => {
        const uri = rawSecretData(env, ns, `mlflow-${env}-backend-store`).uri;
        const password = runs[env].run.stack.config["mlops-platform:mlflowDatabasePassword"];
        const host = env === "dev" ? "192.168.18.142" : "192.168.18.143";
        expect(uri).toBe(`postgresql://mlflow:${encodeURIComponent(password)}@${host}:5432/mlflow_${env}?sslmode=${env === "dev" ? "prefer" : "require"}`);
        expect(Object.keys(rawSecretData(env, ns, `mlflow-${env}-object-store`)).sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    });

    it("has a Service and a TLS Ingress, and no database chart", () => {
        expect(obj(env, "core/v1:Service", `mlflow-${env}`).spec.ports).toEqual([{ name: "http", port: 5000, targetPort: "http", protocol: "TCP" }]);
        const ing = obj(env, "networking.k8s.io/v1:Ingress", `mlflow-${env}`);
        expect(ing.spec.tls).toEqual([{ hosts: [`mlflow-${env}.mlops.internal`], secretName: `mlflow-${env}-tls` }]);
        expect(ing.metadata.annotations).toEqual({ ...STACK_INGRESS_ANNOTATIONS, "nginx.ingress.kubernetes.io/proxy-body-size": "1g" });
        expect(ing.spec.rules).toEqual([
            {
                host: `mlflow-${env}.mlops.internal`,
                http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: `mlflow-${env}`, port: { name: "http" } } } }] },
            },
        ]);
        expect(runs[env].plan.releases.map((r) => r.chart)).not.toContain("mlflow");
        expect(JSON.stringify(runs[env].plan).toLowerCase()).not.toContain("bitnami");
    });
});

describe("postgresUri", () => {
    it("percent-encodes the password so any character is safe", async () => {
        const uri = postgresUri({ host: "db", port: 5433, database: "m", user: "u", sslMode: "require" }, "p@ss:w/rd?#");
        const value = await new Promise<string>((resolve) => uri.apply((v) => resolve(v)));
        expect(value).toBe("postgresql://u:p%40ss%3Aw%2Frd%3F%23@db:5433/m?sslmode=require");
        expect(pulumi.Output.isInstance(uri)).toBe(true);
    });
});

describe.each(["dev", "prod"])("Airflow in %s", (env) => {
    const ns = `airflow-${env}`;

    it("installs the pinned official chart as a real Helm release in its own namespace", () => {
        expect(runs[env].plan.releases.find((r) => r.name === `airflow-${env}`)).toMatchObject({
            chart: "airflow",
            version: "1.22.0",
            repo: "https://airflow.apache.org",
            namespace: ns,
            resource: "helm.v3.Release",
        });
    });

    it("gets exactly these chart values", () => {
        const v = valuesOf(runs[env].plan, `airflow-${env}`);
        const res = (cpu: string, memory: string, lc: string, lm: string) => ({ requests: { cpu, memory }, limits: { cpu: lc, memory: lm } });
        const prod = env === "prod";
        expect(v).toEqual({
            executor: "KubernetesExecutor",
            airflowVersion: "3.0.2",
            defaultAirflowRepository: "apache/airflow",
            defaultAirflowTag: "3.0.2",
            images: {
                airflow: { repository: "hoizz/airflow-custom", tag: "v1.3.0", pullPolicy: "IfNotPresent" },
                pod_template: { repository: "hoizz/airflow-custom", tag: "v1.3.0", pullPolicy: "IfNotPresent" },
            },
            postgresql: { enabled: false },
            redis: { enabled: false },
            statsd: { enabled: false },
            data: { metadataSecretName: `airflow-${env}-metadata` },
            fernetKeySecretName: `airflow-${env}-fernet-key`,
            apiSecretKeySecretName: `airflow-${env}-api-secret-key`,
            jwtSecretName: `airflow-${env}-jwt-secret`,
            dags: {
                gitSync: {
                    enabled: true,
                    repo: prod ? "git@github.com:keonhoban/airflow-dags.git" : "git@github.com:keonhoban/airflow-dags-dev.git",
                    ref: "main",
                    branch: "main",
                    rev: "HEAD",
                    subPath: "dags",
                    depth: 1,
                    period: "60s",
                    sshKeySecret: `airflow-${env}-git-ssh-key`,
                    knownHosts: "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
                },
            },
            config: {
                core: { load_examples: "False", dags_are_paused_at_creation: "True" },
                api: { base_url: `https://airflow-${env}.mlops.internal` },
                logging: {
                    remote_logging: "True",
                    remote_base_log_folder: `s3://mlflow-artifacts-keonho/${env}/airflow-logs`,
                    remote_log_conn_id: "mlops_object_store",
                },
            },
            env: [
                { name: "MLFLOW_TRACKING_URI", value: svc(`mlflow-${env}`, `mlflow-${env}`, 5000) },
                { name: "FASTAPI_RELOAD_URL", value: svc(`fastapi-${env}`, `fastapi-${env}`, 80) },
                { name: "MLOPS_ENV", value: env },
            ],
            secret: [
                { envName: "AIRFLOW_CONN_MLOPS_OBJECT_STORE", secretName: `airflow-${env}-object-store-connection`, secretKey: "connection" },
                { envName: "SLACK_WEBHOOK_URL", secretName: `workload-app-${env}`, secretKey: "SLACK_WEBHOOK_URL" },
                { envName: "RELOAD_SECRET_TOKEN", secretName: `workload-app-${env}`, secretKey: "RELOAD_SECRET_TOKEN" },
            ],
            ingress: {
                apiServer: {
                    enabled: true,
                    ingressClassName: "nginx",
                    annotations: STACK_INGRESS_ANNOTATIONS,
                    path: "/",
                    pathType: "Prefix",
                    hosts: [{ name: `airflow-${env}.mlops.internal`, tls: { enabled: true, secretName: `airflow-${env}-tls` } }],
                },
            },
            migrateDatabaseJob: { enabled: true, useHelmHooks: false, applyCustomEnv: false },
            createUserJob: { enabled: false },
            triggerer: { persistence: { enabled: false }, resources: prod ? res("100m", "512Mi", "500m", "1Gi") : res("50m", "192Mi", "500m", "512Mi") },
            scheduler: { resources: prod ? res("1", "1Gi", "2", "2Gi") : res("100m", "384Mi", "1", "1Gi") },
            apiServer: { resources: prod ? res("500m", "1Gi", "1", "2Gi") : res("100m", "384Mi", "1", "1Gi") },
            dagProcessor: { resources: prod ? res("250m", "512Mi", "1", "1Gi") : res("50m", "256Mi", "500m", "768Mi") },
            workers: { kubernetes: { resources: prod ? res("1", "1Gi", "2", "2Gi") : res("100m", "512Mi", "1", "1Gi") } },
            logs: { persistence: { enabled: false } },
        });
    });

    it("creates every secret the chart reads, in its namespace, with the key names the chart expects", () => {
        const keys = (name: string) => Object.keys(rawSecretData(env, ns, name));
        expect(keys(`airflow-${env}-metadata`)).toEqual(["connection"]);
        expect(keys(`airflow-${env}-fernet-key`)).toEqual(["fernet-key"]);
        expect(keys(`airflow-${env}-api-secret-key`)).toEqual(["api-secret-key"]);
        expect(keys(`airflow-${env}-jwt-secret`)).toEqual(["jwt-secret"]);
        expect(keys(`airflow-${env}-git-ssh-key`)).toEqual(["gitSshKey"]);
        const conn = JSON.parse(rawSecretData(env, ns, `airflow-${env}-object-store-connection`).connection);
        expect(conn).toEqual({
            conn_type: "aws",
            login: runs[env].run.stack.config["mlops-platform:s3AccessKeyId"],
            password: runs[env].run.stack.config["mlops-platform:s3SecretAccessKey"],
            extra: { region_name: "ap-northeast-2" },
        });
        const metadata = rawSecretData(env, ns, `airflow-${env}-metadata`).connection;
        expect(metadata.startsWith(`postgresql://airflow:`)).toBe(true);
        expect(
            metadata.endsWith(`@${env === "dev" ? "192.168.18.142" : "192.168.18.143"}:5432/airflow_${env}?sslmode=${env === "dev" ? "prefer" : "require"}`),
        ).toBe(true);
    });

    it("generates the fernet key (URL-safe base64 of 32 bytes), API secret and JWT secret once with @pulumi/random", () => {
        const fernet = rawSecretData(env, ns, `airflow-${env}-fernet-key`)["fernet-key"];
        expect(fernet).toMatch(/^[A-Za-z0-9_-]{43}=$/);
        expect(Buffer.from(fernet, "base64url")).toHaveLength(32);
        const generated = runs[env].plan.resources
            .filter((r) => r.type.startsWith("random:") && r.parent?.endsWith(`Airflow::airflow-${env}`))
            .map((r) => [r.type, r.name, r.inputs]);
        // Fixed names and inputs: Pulumi keeps each value in state and never regenerates it on `up`.
        expect(generated).toEqual([
            [RANDOM_BYTES, `airflow-${env}-fernet-key`, { length: 32 }],
            [RANDOM_PASSWORD, `airflow-${env}-api-secret-key`, { length: 32, special: false }],
            [RANDOM_PASSWORD, `airflow-${env}-jwt-secret`, { length: 64, special: false }],
        ]);
    });
});

describe("the Airflow version", () => {
    const versionValues = async (airflow: Record<string, unknown>) => {
        const run = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, workloads: { ...MINIMAL_CONFIG.workloads, airflow } }));
        const v = valuesOf(run.plan, "airflow-dev");
        return {
            airflowVersion: v.airflowVersion,
            defaultAirflowRepository: v.defaultAirflowRepository,
            defaultAirflowTag: v.defaultAirflowTag,
            images: v.images,
        };
    };
    const airflow = MINIMAL_CONFIG.workloads.airflow;

    it("without a custom image is the documented pin, run from the official image of that version", async () => {
        expect(await versionValues(airflow)).toEqual({
            airflowVersion: "3.2.2",
            defaultAirflowRepository: "apache/airflow",
            defaultAirflowTag: "3.2.2",
            images: undefined,
        });
    });

    it("set in config moves the chart's version and the official image together", async () => {
        expect(await versionValues({ ...airflow, airflowVersion: "3.1.8" })).toEqual({
            airflowVersion: "3.1.8",
            defaultAirflowRepository: "apache/airflow",
            defaultAirflowTag: "3.1.8",
            images: undefined,
        });
    });
});

describe.each([
    ["dev", "prod"],
    ["prod", "dev"],
])("%s workloads are wired only to their own env (never %s)", (env, other) => {
    const workloadNamespaces = [`fastapi-${env}`, `mlflow-${env}`, `airflow-${env}`];
    const own = (s: string) => new RegExp(`(^|[^a-z])${env}([^a-z]|$)`).test(s);
    const names = (s: string) => new RegExp(`(^|[^a-z])${other}([^a-z]|$)`).test(s);

    /** Every reference a workload makes: URLs, hosts, buckets, secrets, namespaces, claims. */
    function references(): Record<string, string[]> {
        const plan = runs[env].plan;
        const objects = plan.resources.filter((r) => workloadNamespaces.includes((r.inputs as any).metadata?.namespace));
        const text = JSON.stringify([objects.map((r) => r.inputs), plan.values[`airflow-${env}`]]);
        const all = (re: RegExp) => [...new Set([...text.matchAll(re)].map((m) => m[1]))].sort();
        return {
            urls: [...all(/"((?:https?|s3):\/\/[^"]+)"/g), ...all(/--artifacts-destination=([^"]+)"/g)].sort(),
            hosts: [...all(/"hosts?":\["([^"]+)"/g), ...all(/"host":"([^"]+)"/g), ...all(/"name":"([a-z0-9.-]+\.mlops\.internal)"/g)],
            secrets: all(/"(?:secretName|sshKeySecret|metadataSecretName|fernetKeySecretName|apiSecretKeySecretName|jwtSecretName)":"([^"]+)"/g).concat(
                all(/"secretRef":\{"name":"([^"]+)"/g),
                all(/"secretKeyRef":\{"name":"([^"]+)"/g),
            ),
            namespaces: all(/"namespace":"([^"]+)"/g).concat(all(/"matchNames":\["([^"]+)"/g)),
            claims: all(/"claimName":"([^"]+)"/g),
        };
    }

    it("every URL, host, bucket path, secret, namespace and claim names its own env", () => {
        const refs = references();
        for (const [kind, list] of Object.entries(refs)) {
            expect(list.length, kind).toBeGreaterThan(0);
            expect(
                list.filter((s) => !own(s)),
                `${kind} not naming ${env}`,
            ).toEqual([]);
            expect(list.filter(names), `${kind} naming ${other}`).toEqual([]);
        }
        expect(refs.urls).toEqual(
            [
                svc(`fastapi-${env}`, `fastapi-${env}`, 80),
                svc(`mlflow-${env}`, `mlflow-${env}`, 5000),
                `https://airflow-${env}.mlops.internal`,
                `https://mlflow-${env}.mlops.internal`,
                `s3://mlflow-artifacts-keonho/${env}/airflow-logs`,
                `s3://mlflow-artifacts-keonho/${env}/mlflow`,
            ].sort(),
        );
    });
});
