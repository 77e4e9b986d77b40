/**
 * The `workloads` section of the stack config (FastAPI serving, MLflow tracking, Airflow) and the
 * secret-only keys the workloads need. Every setting is validated here, before anything is created.
 */
import { DNS_NAME, DNS_LABEL, ENV_PATTERN, IPV4, Resources, r, readResources, requireEnvName, secretString, storageSize } from "./fields";
import { ObjectReader, describeValue } from "./reader";
import { REMOTE_WRITE_AUTH_KEY, remoteWriteAuthPlaceholder } from "./remoteWrite";
import { airflowDefault } from "../versions";

export const ALIAS_SELECTION_MODES = ["ab_test", "canary", "blue_green"] as const;
export type AliasSelectionMode = (typeof ALIAS_SELECTION_MODES)[number];

export const LOG_LEVELS = ["debug", "info", "warning", "error", "critical"] as const;
export const PG_SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;

/** An external PostgreSQL database; the password comes from secret config. */
export interface PostgresConfig {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    readonly sslMode: (typeof PG_SSL_MODES)[number];
}

/** A place in the S3-compatible object store: `s3://<bucket>/<prefix>`. */
export interface S3Location {
    readonly bucket: string;
    /** No leading or trailing slash. */
    readonly prefix: string;
}

export interface FastapiConfig {
    readonly image: string;
    readonly modelName: string;
    readonly aliasSelectionMode: AliasSelectionMode;
    readonly defaultAlias: string;
    readonly canaryPercent: number;
    readonly logLevel: string;
    /** Fixed replica count; absent when autoscaling owns it. */
    readonly replicas?: number;
    readonly autoscaling?: { readonly minReplicas: number; readonly maxReplicas: number; readonly targetCpuUtilization: number };
    /** Owner of the NFS log directory: the pod runs as this user and group (and fsGroup). */
    readonly runAsUser: number;
    readonly runAsGroup: number;
    readonly readOnlyRootFilesystem: boolean;
    readonly logStorageSize: string;
    readonly resources: Resources;
}

export interface MlflowConfig {
    readonly image: string;
    readonly replicas: number;
    readonly runAsUser: number;
    readonly database: PostgresConfig;
    readonly artifacts: S3Location;
    readonly resources: Resources;
}

export interface AirflowConfig {
    /** Custom Airflow image (`repository:tag`); absent means the official image of `airflowVersion`. */
    readonly image?: { readonly repository: string; readonly tag: string };
    /** Exact Airflow version (`3.y.z`) the image runs: the chart picks commands and config by it. */
    readonly airflowVersion: string;
    readonly dags: {
        readonly repository: string;
        readonly branch: string;
        readonly subPath: string;
        /** `known_hosts` line(s) for the git host; required for SSH repositories. */
        readonly knownHosts?: string;
    };
    readonly database: PostgresConfig;
    readonly logs: S3Location;
    readonly resources: {
        readonly scheduler: Resources;
        readonly apiServer: Resources;
        readonly dagProcessor: Resources;
        readonly triggerer: Resources;
        /** Each task pod of the KubernetesExecutor. */
        readonly workers: Resources;
    };
}

/** The workloads a stack can switch off with `workloads.<name>.enabled`. */
export const WORKLOAD_NAMES = ["fastapi", "mlflow", "airflow"] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** Which of the env's workloads exist. */
export type WorkloadSwitches = { readonly [W in WorkloadName]: boolean };

/** A workload's settings while it is switched on; nothing but the switch while it is off. */
export type Switchable<T> = ({ readonly enabled: true } & T) | { readonly enabled: false };

export interface WorkloadsConfig {
    /** The S3-compatible object store: AWS S3 when `endpointUrl` is absent. */
    readonly objectStore: { readonly endpointUrl?: string; readonly region: string };
    readonly fastapi: Switchable<FastapiConfig>;
    readonly mlflow: Switchable<MlflowConfig>;
    readonly airflow: Switchable<AirflowConfig>;
}

export function workloadSwitches(workloads: WorkloadsConfig): WorkloadSwitches {
    return { fastapi: workloads.fastapi.enabled, mlflow: workloads.mlflow.enabled, airflow: workloads.airflow.enabled };
}

/**
 * Values of the workloads' secret-only config keys (plain here; index.ts wraps them as secrets).
 * Each is present only while a workload that reads it is switched on (see SECRET_READERS).
 */
export interface WorkloadSecrets {
    readonly appSlackWebhookUrl?: string;
    /** Absent: a token is generated once and kept in state. */
    readonly fastapiReloadToken?: string;
    readonly mlflowDatabasePassword?: string;
    readonly airflowDatabasePassword?: string;
    readonly s3AccessKeyId?: string;
    readonly s3SecretAccessKey?: string;
    /** Required when the DAG repository is reached over SSH. */
    readonly airflowGitSshKey?: string;
}

/**
 * The workloads that read each secret key: a key is required (if it ever is) only while one of
 * them is switched on, and is otherwise accepted and ignored.
 */
export const SECRET_READERS = {
    // FastAPI notifies and checks reload requests; Airflow notifies and sends them.
    appSlackWebhookUrl: ["fastapi", "airflow"],
    fastapiReloadToken: ["fastapi", "airflow"],
    mlflowDatabasePassword: ["mlflow"],
    airflowDatabasePassword: ["airflow"],
    // MLflow's artifact store and Airflow's remote task logs.
    s3AccessKeyId: ["mlflow", "airflow"],
    s3SecretAccessKey: ["mlflow", "airflow"],
    airflowGitSshKey: ["airflow"],
} as const satisfies { readonly [K in keyof WorkloadSecrets]-?: readonly WorkloadName[] };

export const secretInUse = (key: keyof WorkloadSecrets, on: WorkloadSwitches): boolean => SECRET_READERS[key].some((w) => on[w]);

/** Lab-sized like the platform defaults: dev's whole env still requests under 2 vCPU and 4 GiB. */
export const DEFAULT_WORKLOAD_RESOURCES = {
    fastapi: r("100m", "256Mi", "1", "1Gi"),
    mlflow: r("100m", "256Mi", "1", "1Gi"),
    airflowScheduler: r("100m", "384Mi", "1", "1Gi"),
    airflowApiServer: r("100m", "384Mi", "1", "1Gi"),
    airflowDagProcessor: r("50m", "256Mi", "500m", "768Mi"),
    airflowTriggerer: r("50m", "192Mi", "500m", "512Mi"),
    airflowWorkers: r("100m", "512Mi", "1", "1Gi"),
} as const satisfies Record<string, Resources>;

const IMAGE_NAME = /^([a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const PG_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const SSH_GIT_URL = /^(git@[A-Za-z0-9.-]+:[A-Za-z0-9_./-]+|ssh:\/\/[^\s]+)$/;
const HTTPS_GIT_URL = /^https:\/\/[^\s]+$/;
const GIT_REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;

/** Splits `name[:tag][@digest]`; the tag separator is a colon after the last slash. */
export function parseImage(ref: string): { repository: string; tag?: string; digest?: string } | undefined {
    const [nameTag, digest, ...rest] = ref.split("@");
    if (rest.length || (digest !== undefined && !DIGEST.test(digest))) return undefined;
    const colon = nameTag.lastIndexOf(":");
    const hasTag = colon > nameTag.lastIndexOf("/");
    const repository = hasTag ? nameTag.slice(0, colon) : nameTag;
    const tag = hasTag ? nameTag.slice(colon + 1) : undefined;
    if (!IMAGE_NAME.test(repository) || (tag !== undefined && !IMAGE_TAG.test(tag))) return undefined;
    return { repository, tag, digest };
}

/** An image pinned by a tag other than `latest`, or by digest: a moving tag would change prod silently. */
function isPinnedImage(ref: string): boolean {
    const p = parseImage(ref);
    return p !== undefined && (p.digest !== undefined || (p.tag !== undefined && p.tag !== "latest"));
}

const PINNED_IMAGE = 'a pinned container image such as "registry.example.com/team/app:1.4.2" (a tag other than latest, or a @sha256 digest)';

function image(o: ObjectReader, name: string, required: boolean): string {
    return o.string(name, { required, expected: PINNED_IMAGE, check: isPinnedImage });
}

function uid(o: ObjectReader, name: string, def: number): number {
    return o.int(name, { expected: "a non-root numeric id (1-2147483647)", min: 1, max: 2147483647, default: def });
}

/** An external PostgreSQL database of `app`, named for the env (`mlflow_dev`): both envs may share a server. */
function postgres(o: ObjectReader, env: string, app: string): PostgresConfig {
    const db = o.object("database");
    const out = {
        host: db.string("host", {
            required: true,
            expected: "the PostgreSQL server's IPv4 address or DNS name",
            check: (v) => IPV4.test(v) || DNS_NAME.test(v) || DNS_LABEL.test(v),
        }),
        port: db.int("port", { expected: "a TCP port (1-65535)", min: 1, max: 65535, default: 5432 }),
        database: db.string("name", {
            required: true,
            pattern: PG_IDENTIFIER,
            expected: `a PostgreSQL database name (letters, digits, _) such as ${app}_${env}`,
        }),
        user: db.string("user", { required: true, pattern: PG_IDENTIFIER, expected: "a PostgreSQL role name (letters, digits, _)" }),
        sslMode: db.string("sslMode", {
            expected: `one of ${PG_SSL_MODES.join(", ")}`,
            oneOf: PG_SSL_MODES,
            default: "prefer",
        }) as PostgresConfig["sslMode"],
    };
    requireEnvName(db, "name", out.database, env, "a database name", `${app}_${env}`, PG_IDENTIFIER.test(out.database));
    db.done();
    return out;
}

/**
 * An object-store location that names its env (in the bucket name or as a prefix segment), so two
 * envs can share a bucket but never a prefix.
 */
function s3Location(o: ObjectReader, name: string, env: string, defaultPrefix: string): S3Location {
    const loc = o.object(name);
    const bucket = loc.string("bucket", { required: true, pattern: S3_BUCKET, expected: "an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)" });
    const prefix = loc.string("prefix", {
        expected: "an object key prefix without leading or trailing slash, such as dev/mlflow",
        pattern: S3_PREFIX,
        default: defaultPrefix,
    });
    loc.done();
    if (bucket && S3_PREFIX.test(prefix) && ENV_PATTERN.test(env) && !bucket.split(/[.-]/).includes(env) && !prefix.split("/").includes(env)) {
        o.problems.add(
            loc.keyOf("prefix"),
            `a location that names the env "${env}" in the bucket name or as a prefix segment (s3://${bucket}/${env}/...), so envs never share objects`,
            describeValue(prefix),
        );
    }
    return { bucket, prefix };
}

export function readWorkloads(wl: ObjectReader, env: string, protect: boolean): WorkloadsConfig {
    const os = wl.object("objectStore");
    const objectStore = {
        endpointUrl: os.has("endpointUrl")
            ? os.string("endpointUrl", { expected: "an http(s) URL of the S3-compatible endpoint", pattern: /^https?:\/\/[^\s/]+(\/[^\s]*)?$/ })
            : undefined,
        region: os.string("region", { expected: "an S3 region name such as us-east-1", pattern: /^[a-z0-9-]{2,32}$/, default: "us-east-1" }),
    };
    os.done();
    const fastapi = switchable(wl.object("fastapi"), (o) => readFastapi(o, protect));
    const mlflow = switchable(wl.object("mlflow"), (o) => readMlflow(o, env));
    const airflow = switchable(wl.object("airflow"), (o) => readAirflow(o, env, protect));
    wl.done();
    return { objectStore, fastapi, mlflow, airflow };
}

/** The `enabled` switch of a workload's section, then its settings only while it is on. */
function switchable<T>(o: ObjectReader, read: (o: ObjectReader) => T): Switchable<T> {
    if (o.bool("enabled", { expected: "true or false", default: true })) return { enabled: true, ...read(o) };
    // The settings of a switched-off workload stay in the stack file unread and unchecked, so
    // switching it off or back on is a change of this one key.
    o.acceptRest();
    return { enabled: false };
}

function readFastapi(fa: ObjectReader, protect: boolean): FastapiConfig {
    const img = image(fa, "image", true);
    const modelName = fa.string("modelName", { expected: "a registered MLflow model name", pattern: /^[A-Za-z0-9_.-]{1,128}$/, default: "best_model" });
    const aliasSelectionMode = fa.string("aliasSelectionMode", {
        expected: ALIAS_SELECTION_MODES.join(", ").replace(/, ([^,]+)$/, " or $1"),
        oneOf: ALIAS_SELECTION_MODES,
        default: "ab_test",
    }) as AliasSelectionMode;
    const defaultAlias = fa.string("defaultAlias", { expected: "an MLflow model alias such as A", pattern: ALIAS, default: "A" });
    const canaryPercent = fa.int("canaryPercent", { expected: "an integer percentage from 0 to 100", min: 0, max: 100, default: 10 });
    const logLevel = fa.string("logLevel", { expected: `one of ${LOG_LEVELS.join(", ")}`, oneOf: LOG_LEVELS, default: "info" });
    // Prod keeps serving through a node drain or a rollout only with two pods and a disruption budget.
    const minimum = protect ? 2 : 1;
    const why = protect ? " (a protected stack serves from at least 2 pods)" : "";
    let replicas: number | undefined;
    let autoscaling: FastapiConfig["autoscaling"];
    if (fa.has("autoscaling")) {
        if (fa.has("replicas")) {
            const expected = "no fixed replica count when autoscaling is set (the autoscaler owns it)";
            fa.problems.add(fa.keyOf("replicas"), expected, describeValue(fa.int("replicas", { expected })));
        }
        const as = fa.object("autoscaling");
        const minReplicas = as.int("minReplicas", { expected: `an integer from ${minimum} to 50${why}`, min: minimum, max: 50, default: minimum });
        const maxReplicas = as.int("maxReplicas", {
            expected: `an integer from minReplicas (${minReplicas}) to 50`,
            min: minReplicas,
            max: 50,
            required: true,
        });
        const targetCpuUtilization = as.int("targetCpuUtilization", {
            expected: "a CPU utilisation percentage from 10 to 100",
            min: 10,
            max: 100,
            default: 70,
        });
        as.done();
        autoscaling = { minReplicas, maxReplicas, targetCpuUtilization };
    } else {
        replicas = fa.int("replicas", { expected: `an integer from ${minimum} to 50${why}`, min: minimum, max: 50, default: minimum });
    }
    const out: FastapiConfig = {
        image: img,
        modelName,
        aliasSelectionMode,
        defaultAlias,
        canaryPercent,
        logLevel,
        replicas,
        autoscaling,
        runAsUser: uid(fa, "runAsUser", 2001),
        runAsGroup: uid(fa, "runAsGroup", 2001),
        readOnlyRootFilesystem: fa.bool("readOnlyRootFilesystem", { expected: "true or false", default: true }),
        logStorageSize: storageSize(fa, "5Gi", "logStorageSize"),
        resources: readResources(fa, "resources", DEFAULT_WORKLOAD_RESOURCES.fastapi),
    };
    fa.done();
    return out;
}

function readMlflow(ml: ObjectReader, env: string): MlflowConfig {
    const out = {
        image: image(ml, "image", true),
        replicas: ml.int("replicas", { expected: "an integer from 1 to 10", min: 1, max: 10, default: 1 }),
        runAsUser: uid(ml, "runAsUser", 1000),
        database: postgres(ml, env, "mlflow"),
        artifacts: s3Location(ml, "artifacts", env, `${env}/mlflow`),
        resources: readResources(ml, "resources", DEFAULT_WORKLOAD_RESOURCES.mlflow),
    };
    ml.done();
    return out;
}

const AIRFLOW_3_VERSION = /^3\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

function readAirflow(af: ObjectReader, env: string, protect: boolean): AirflowConfig {
    let img: AirflowConfig["image"];
    if (af.has("image")) {
        const ref = af.string("image", {
            expected: 'a pinned image "repository:tag" (a tag other than latest)',
            check: (v) => isPinnedImage(v) && parseImage(v)?.tag !== undefined,
        });
        const p = parseImage(ref);
        if (p?.tag) img = { repository: p.repository, tag: p.tag };
    }
    // The program cannot read the version out of a custom image, and a protected stack should not
    // move when the program's pin does; elsewhere the documented pin of versions.ts applies.
    const why = af.has("image")
        ? " (required with a custom image: the version the image runs, e.g. 3.0.2 for one built FROM apache/airflow:3.0.2)"
        : protect
          ? " (required on a protected stack)"
          : "";
    // Airflow 3 only: the values below configure the API server, JWT secret and DAG processor.
    const airflowVersion = af.string("airflowVersion", {
        expected: `an exact Airflow 3 version x.y.z such as 3.0.2${why}`,
        pattern: AIRFLOW_3_VERSION,
        required: why !== "",
        default: why ? undefined : airflowDefault.version,
    });
    const d = af.object("dags");
    const dags = {
        repository: d.string("repository", {
            required: true,
            expected: "a git URL (git@host:org/repo.git, ssh://... or https://...)",
            check: (v) => SSH_GIT_URL.test(v) || HTTPS_GIT_URL.test(v),
        }),
        branch: d.string("branch", { expected: "a git branch name", pattern: GIT_REF, default: "main" }),
        subPath: d.string("subPath", { expected: "a directory inside the repository, without leading slash", pattern: S3_PREFIX, default: "dags" }),
        knownHosts: d.has("knownHosts")
            ? d.string("knownHosts", { expected: "known_hosts line(s) for the git host", check: (v) => v.trim().length > 0 })
            : undefined,
    };
    // Without known hosts the chart turns git-sync's host-key check off: anyone on the path could serve DAGs.
    if (isSshRepository(dags.repository) && dags.knownHosts === undefined) {
        d.problems.add(
            d.keyOf("knownHosts"),
            "the git host's known_hosts line(s) when the repository uses SSH (git-sync checks the host key against them)",
            describeValue(undefined),
        );
    }
    d.done();
    const res = af.object("resources");
    const resources = {
        scheduler: readResources(res, "scheduler", DEFAULT_WORKLOAD_RESOURCES.airflowScheduler),
        apiServer: readResources(res, "apiServer", DEFAULT_WORKLOAD_RESOURCES.airflowApiServer),
        dagProcessor: readResources(res, "dagProcessor", DEFAULT_WORKLOAD_RESOURCES.airflowDagProcessor),
        triggerer: readResources(res, "triggerer", DEFAULT_WORKLOAD_RESOURCES.airflowTriggerer),
        workers: readResources(res, "workers", DEFAULT_WORKLOAD_RESOURCES.airflowWorkers),
    };
    res.done();
    const out = {
        image: img,
        airflowVersion,
        dags,
        database: postgres(af, env, "airflow"),
        logs: s3Location(af, "logs", env, `${env}/airflow-logs`),
        resources,
    };
    af.done();
    return out;
}

/** True when git-sync reaches the DAG repository over SSH (and so needs a deploy key). */
export function isSshRepository(url: string): boolean {
    return SSH_GIT_URL.test(url);
}

export function readWorkloadSecrets(top: ObjectReader, secretKeys: ReadonlySet<string>, workloads: WorkloadsConfig): WorkloadSecrets {
    const on = workloadSwitches(workloads);
    // A key no switched-on workload reads is accepted (still only as a secret) and ignored.
    const ignore = (key: keyof WorkloadSecrets) => void secretString(top, secretKeys, key, { expected: "a string" });
    const read = (key: keyof WorkloadSecrets, expected: string, check: (v: string) => boolean, required = true) =>
        secretInUse(key, on) ? secretString(top, secretKeys, key, { expected, required, check }) : ignore(key);
    const out = {
        appSlackWebhookUrl: read("appSlackWebhookUrl", "an https Slack incoming-webhook URL for FastAPI and Airflow notifications", (v) =>
            /^https:\/\/\S+$/.test(v),
        ),
        fastapiReloadToken: read("fastapiReloadToken", "a model-reload token of at least 24 characters", (v) => v.length >= 24, false),
        mlflowDatabasePassword: read("mlflowDatabasePassword", "the MLflow PostgreSQL user's password", (v) => v.length > 0),
        airflowDatabasePassword: read("airflowDatabasePassword", "the Airflow PostgreSQL user's password", (v) => v.length > 0),
        s3AccessKeyId: read("s3AccessKeyId", "the object store access key id", (v) => v.length > 0),
        s3SecretAccessKey: read("s3SecretAccessKey", "the object store secret access key", (v) => v.length > 0),
        airflowGitSshKey: undefined as string | undefined,
    };
    const airflow = workloads.airflow;
    if (!airflow.enabled) {
        ignore("airflowGitSshKey");
    } else if (isSshRepository(airflow.dags.repository)) {
        out.airflowGitSshKey = read(
            "airflowGitSshKey",
            "the SSH deploy key (private key) of the DAG repository, since workloads.airflow.dags.repository uses SSH",
            (v) => v.trim().length > 0,
        );
    } else if (top.has("airflowGitSshKey")) {
        top.problems.add("airflowGitSshKey", "no SSH key when workloads.airflow.dags.repository is an https URL", "a value (not shown: secret)");
        top.string("airflowGitSshKey", { expected: "", sensitive: true });
    }
    return out;
}

/**
 * The workload switches as the raw stack config holds them (`project:workloads` as JSON), read the
 * way the schema reads them: anything but false (or "false") is on; a bad value is reported by the
 * schema itself.
 */
function rawSwitches(config: Readonly<Record<string, string>>, project: string): { on: WorkloadSwitches; workloads: any } {
    let workloads: any;
    try {
        workloads = JSON.parse(config[`${project}:workloads`] ?? "{}");
    } catch {
        // Invalid workloads config is reported by the schema itself.
    }
    const enabled = (w: WorkloadName) => {
        const v = workloads?.[w]?.enabled;
        return v !== false && v !== "false";
    };
    return { on: { fastapi: enabled("fastapi"), mlflow: enabled("mlflow"), airflow: enabled("airflow") }, workloads };
}

/**
 * Secret-only config keys (the workloads', the Alertmanager webhook, remote-write credentials) whose absence stops the
 * program, given the stack's other config (which workloads are on, how DAGs are fetched), each with
 * the shape of a placeholder that passes validation: the offline plan stands in for values only the
 * user's machine can decrypt.
 */
export function requiredSecretPlaceholders(config: Readonly<Record<string, string>>, project: string): Record<string, (token: string) => string> {
    const slackUrl = (t: string) => `https://hooks.slack.com/services/${t}`;
    const workloadSecrets: { [K in keyof WorkloadSecrets]?: (token: string) => string } = {
        appSlackWebhookUrl: slackUrl,
        mlflowDatabasePassword: (t) => t,
        airflowDatabasePassword: (t) => t,
        s3AccessKeyId: (t) => t,
        s3SecretAccessKey: (t) => t,
    };
    const { on, workloads } = rawSwitches(config, project);
    const out: Record<string, (token: string) => string> = { alertmanagerSlackWebhook: slackUrl };
    for (const [key, shape] of Object.entries(workloadSecrets)) {
        if (secretInUse(key as keyof WorkloadSecrets, on)) out[key] = shape;
    }
    const remoteWriteAuth = remoteWriteAuthPlaceholder(config[`${project}:monitoring`]);
    if (remoteWriteAuth) out[REMOTE_WRITE_AUTH_KEY] = remoteWriteAuth;
    const repository: unknown = workloads?.airflow?.dags?.repository;
    if (on.airflow && typeof repository === "string" && isSshRepository(repository)) {
        out.airflowGitSshKey = (t) => `-----BEGIN OPENSSH PRIVATE KEY-----\n${t}\n-----END OPENSSH PRIVATE KEY-----\n`;
    }
    return out;
}
