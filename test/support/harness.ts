/**
 * Runs the real program (index.ts) in Pulumi's mock runtime from tests, the same way
 * `npm run plan` does, and hands back the recorded resources and the plan built from them.
 */
import * as path from "node:path";
import { beforeAll, vi } from "vitest";
import { ViewResource, engineView } from "../../scripts/lib/engineView";
import { ConfigError } from "../../components/config/reader";
import { StackConfig } from "../../components/config/stack";
import { ProgramRun, RunOptions, runProgram } from "../../scripts/lib/mockRuntime";
import { CHART_STAND_INS } from "./chartStandIns";
import { Plan, buildPlan } from "../../scripts/lib/planWriter";
import { LoadedStack, StackOptions, loadStack, loadStackFile, parseLoadedStack } from "../../scripts/lib/stackFile";

export const ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT = "mlops-platform";
/**
 * A third env on a second cluster, in test/fixtures so the project's own stacks stay dev and prod:
 * what adding an env takes, checked like the real stacks.
 */
export const STAGING_STACK_FILE = path.join(ROOT, "test", "fixtures", "Pulumi.staging.yaml");

/** The program as the mocks run it (index.ts, fresh). */
export const loadIndex = async () => {
    // index.ts reads config when it is evaluated: every run needs a fresh module graph.
    vi.resetModules();
    return (await import("../../index")) as Record<string, unknown>;
};

export interface StackRun {
    readonly run: ProgramRun;
    readonly plan: Plan;
}

/**
 * Secret config only the user's machine holds is stood in for by placeholders unless `opts` says otherwise.
 * The stack file is loaded once per test process for the same options: its placeholders are random
 * per load, and one load is what lets every test that runs this stack share one run.
 */
export async function runStack(stack: string, opts: StackOptions = {}): Promise<StackRun> {
    return runLoaded(loadedOnce(["stack", stack, opts], () => loadStack(ROOT, stack, { placeholderSecrets: true, ...opts })));
}

/** The same for a stack file anywhere (the staging fixture). */
export async function runStackFile(file: string, opts: StackOptions = {}): Promise<StackRun> {
    return runLoaded(loadedOnce(["file", file, opts], () => loadStackFile(ROOT, file, { placeholderSecrets: true, ...opts })));
}

const LOADED_STACKS = Symbol.for("mlops-platform/test-harness/loadedStacks");
const loadedStacks: Map<string, LoadedStack> = ((globalThis as Record<symbol, unknown>)[LOADED_STACKS] ??= new Map()) as Map<string, LoadedStack>;

function loadedOnce(key: unknown[], load: () => LoadedStack): LoadedStack {
    const k = JSON.stringify(key);
    let loaded = loadedStacks.get(k);
    if (!loaded) {
        loaded = load();
        loadedStacks.set(k, loaded);
    }
    return loaded;
}

/**
 * Runs of this test process, by everything a run depends on: the loaded stack (project, stack name,
 * config, secret keys, placeholders) and the run options. The program reads nothing else (no
 * environment, no files), so a run with identical inputs would record the same resources, and
 * test files that evaluate the same stack again and again (per describe, per env) share one run.
 * Only successful runs are kept: a failing one runs again and fails the same way. Shared results
 * are frozen, so a test that tried to edit one (instead of a structuredClone) fails at once
 * rather than changing what later tests see.
 */
const SHARED_RUNS = Symbol.for("mlops-platform/test-harness/sharedRuns");
const sharedRuns: Map<string, Promise<unknown>> = ((globalThis as Record<symbol, unknown>)[SHARED_RUNS] ??= new Map()) as Map<string, Promise<unknown>>;

function memo<T>(kind: string, loaded: LoadedStack, options: RunOptions, make: () => Promise<T>): Promise<T> {
    const key = JSON.stringify([kind, loaded, options]);
    let result = sharedRuns.get(key) as Promise<T> | undefined;
    if (!result) {
        result = make().then(deepFreeze);
        sharedRuns.set(key, result);
        result.catch(() => sharedRuns.delete(key));
    }
    return result;
}

/** Freezes plain objects and arrays all the way down; the stack a run was given stays the caller's. */
function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
    if (typeof value !== "object" || value === null || seen.has(value) || Object.isFrozen(value)) return value;
    const proto = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
    seen.add(value);
    for (const [k, v] of Object.entries(value)) if (k !== "stack") deepFreeze(v, seen);
    return Object.freeze(value);
}

/** A run that shares nothing with earlier ones: for tests about what a second evaluation does. */
export async function runLoadedFresh(loaded: LoadedStack, options: RunOptions = {}): Promise<StackRun> {
    const run = await runProgram(loaded, loadIndex, options);
    return { run, plan: buildPlan(run) };
}

/**
 * `options` may stand in for a first preview, or for a cluster whose objects differ from the stack's own (`live`).
 * Runs with identical inputs are shared within a test file (see `sharedRuns`); the result is read-only.
 */
export function runLoaded(loaded: LoadedStack, options: RunOptions = {}): Promise<StackRun> {
    return memo("run", loaded, options, () => runLoadedFresh(loaded, options));
}

/** The engine's view of a stack in a first preview of a new stack, and after an up. */
export interface EngineViews {
    readonly firstPreview: ViewResource[];
    readonly deployed: ViewResource[];
    readonly previewRun: ProgramRun;
}

/** Runs a stack twice: as the engine's first preview on a fresh cluster, and as deployed; `live` is what reads find. */
export function engineViews(loaded: LoadedStack, live?: RunOptions["live"]): Promise<EngineViews> {
    return memo("engineViews", loaded, { live }, async () => {
        const previewRun = (await runLoaded(loaded, { preview: true, live })).run;
        const deployedRun = (await runLoaded(loaded, { live })).run;
        return {
            previewRun,
            firstPreview: await engineView(previewRun, { renderers: CHART_STAND_INS, crdsInstalled: false }),
            deployed: await engineView(deployedRun, { renderers: CHART_STAND_INS, crdsInstalled: true }),
        };
    });
}

/** Runs the real dev and prod stack files once for a test file (fills `runs` in beforeAll). */
export function useBothStacks(): Record<"dev" | "prod", StackRun> {
    const runs = {} as Record<"dev" | "prod", StackRun>;
    beforeAll(async () => {
        runs.dev = await runStack("dev");
        runs.prod = await runStack("prod");
    });
    return runs;
}

/**
 * What a first preview of a stack with every workload on and basic ingress auth cannot know: the
 * secrets the program generates (`@pulumi/random`), as `<kind> <resource name> <path>`.
 */
export const generatedSecretUnknowns = (env: string): string[] => [
    `Secret ingress-auth-${env}-credentials stringData`,
    `Secret grafana-admin-${env}-secret stringData`,
    `Secret app-secrets-${env}-fastapi stringData`,
    `Secret app-secrets-${env}-airflow stringData`,
    `Secret ingress-auth-${env}-htpasswd-monitoring stringData`,
    `Secret ingress-auth-${env}-htpasswd-observability stringData`,
    `Secret airflow-${env}-api-secret-key stringData`,
    `Secret airflow-${env}-jwt-secret stringData`,
    `Secret airflow-${env}-fernet-key stringData`,
];

/** Secret config every stack needs (set with `pulumi config set --secret` in real stacks). */
export const MINIMAL_SECRETS = {
    alertmanagerSlackWebhook: "https://hooks.slack.com/services/T000/B000/test-alerts-webhook",
    appSlackWebhookUrl: "https://hooks.slack.com/services/T000/B000/test-app-webhook",
    mlflowDatabasePassword: "test-mlflow-db-password",
    airflowDatabasePassword: "test-airflow-db-password",
    s3AccessKeyId: "TESTACCESSKEYID",
    s3SecretAccessKey: "test-s3-secret-access-key",
};

/**
 * A stack built from a config object (keys without project prefix; objects become JSON; a key with
 * a namespace, such as `kubernetes:context`, stays as it is). Keys of MINIMAL_SECRETS are secret;
 * `secretKeys` names further secret keys. The stack is named after `config.env` (a stack is its
 * env), `cluster` for a cluster stack's config, or `stack`.
 */
export function stackFromConfig(
    config: Record<string, unknown>,
    secretKeys: string[] = [],
    stack = config.role === "cluster" ? "cluster" : String(config.env ?? "dev"),
): LoadedStack {
    secretKeys = [...secretKeys, ...Object.keys(MINIMAL_SECRETS).filter((k) => config[k] !== undefined)];
    const qualified = (k: string) => (k.includes(":") ? k : `${PROJECT}:${k}`);
    const entries = Object.entries(config)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [qualified(k), typeof v === "string" ? v : JSON.stringify(v)]);
    return {
        project: PROJECT,
        stack,
        config: Object.fromEntries(entries),
        secretKeys: secretKeys.map(qualified),
        placeholders: [],
    };
}

/** A config object (as for `stackFromConfig`) read as the program reads it: its `role` picks the schema. */
export function parseConfig(config: Record<string, unknown>, stack?: string): StackConfig {
    return parseLoadedStack(stackFromConfig(config, [], stack));
}

/** The problem lines of a config the program refuses (`  - <key>: expected …, got …`); an accepted one fails the test. */
export function configProblems(config: Record<string, unknown>, stack?: string): string[] {
    try {
        parseConfig(config, stack);
    } catch (e) {
        if (e instanceof ConfigError) return e.message.split("\n").slice(1);
        throw e;
    }
    throw new Error("config was accepted");
}

/** Minimal valid config: everything else takes the program's defaults. */
export const MINIMAL_CONFIG = {
    env: "dev",
    domain: "mlops.example.com",
    cluster: { context: "lab-admin@lab" },
    storage: { nfs: { server: "10.0.0.5", path: "/srv/nfs/mlops/dev" } },
    workloads: {
        fastapi: { image: "registry.example.com/ml/fastapi-serving:1.0.0" },
        mlflow: {
            image: "registry.example.com/ml/mlflow:2.13.0",
            database: { host: "10.0.0.7", name: "mlflow_dev", user: "mlflow" },
            artifacts: { bucket: "ml-artifacts" },
        },
        airflow: {
            dags: { repository: "https://git.example.com/ml/dags.git" },
            database: { host: "10.0.0.7", name: "airflow_dev", user: "airflow" },
            logs: { bucket: "ml-logs" },
        },
    },
    ...MINIMAL_SECRETS,
};

/** MINIMAL_CONFIG for another env: every name outside the cluster names that env (stack identity). */
export function minimalConfigFor(env: string): typeof MINIMAL_CONFIG {
    const w = MINIMAL_CONFIG.workloads;
    return {
        ...MINIMAL_CONFIG,
        env,
        storage: { nfs: { ...MINIMAL_CONFIG.storage.nfs, path: `/srv/nfs/mlops/${env}` } },
        workloads: {
            ...w,
            mlflow: { ...w.mlflow, database: { ...w.mlflow.database, name: `mlflow_${env}` } },
            airflow: { ...w.airflow, database: { ...w.airflow.database, name: `airflow_${env}` } },
        },
    };
}

/**
 * `config` (MINIMAL_CONFIG-shaped) with the named workloads switched off, their sections reduced to
 * the switch, and the keys in `without` (secrets nothing switched on reads) left out.
 */
export function withWorkloadsOff(config: typeof MINIMAL_CONFIG, off: readonly string[], without: readonly string[] = []): Record<string, unknown> {
    const workloads: Record<string, unknown> = { ...config.workloads };
    for (const w of off) workloads[w] = { enabled: false };
    return Object.fromEntries(Object.entries({ ...config, workloads }).filter(([k]) => !without.includes(k)));
}

/** Annotations every Ingress gets from the real stack files (issuer internal-ca, the lab allow-list). */
export const STACK_INGRESS_ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/ssl-redirect": "true",
    "cert-manager.io/cluster-issuer": "internal-ca",
    "nginx.ingress.kubernetes.io/whitelist-source-range": "192.168.18.0/24",
};

/** What the default `ingress.auth` (basic) adds to the Prometheus, Alertmanager and Loki Ingresses of `env`. */
export const basicAuthAnnotations = (env: string) => ({
    "nginx.ingress.kubernetes.io/auth-type": "basic",
    "nginx.ingress.kubernetes.io/auth-secret": `ingress-htpasswd-${env}`,
    "nginx.ingress.kubernetes.io/auth-realm": `mlops-platform ${env}`,
});

export function valuesOf(plan: Plan, release: string): Record<string, any> {
    const v = plan.values[release];
    if (!v) throw new Error(`no release ${release} in plan (have ${Object.keys(plan.values).join(", ")})`);
    return v as Record<string, any>;
}

export function resourcesOfType(plan: Plan, type: string) {
    return plan.resources.filter((r) => r.type === type);
}

/** Every string anywhere inside a value. */
export function allStrings(value: unknown, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
    else if (typeof value === "object" && value !== null) {
        for (const [k, v] of Object.entries(value)) {
            out.push(k);
            allStrings(v, out);
        }
    }
    return out;
}
