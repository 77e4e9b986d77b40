/**
 * The `logging.loki` section of the stack config and Loki's secret-only keys. Monolithic mode (the
 * default) is one binary on the env's NFS class; distributed mode is the chart's microservices mode
 * on S3-compatible object storage, for an env that outgrows one node.
 */
import { ResourceList, Resources, r, readResources, secretString, storageSize } from "./fields";
import { S3Location, bucketAndPrefix, requireEnvInLocation, s3EndpointUrl, s3Region } from "./objectStore";
import { parseDuration } from "./quantities";
import { ObjectReader, describeValue } from "./reader";

export const LOKI_MODES = ["monolithic", "distributed"] as const;
export type LokiMode = (typeof LOKI_MODES)[number];

/** Every stream is written to this many ingesters: a push succeeds on 2, and one lost ingester loses nothing. */
export const LOKI_REPLICATION_FACTOR = 3;

/** Where distributed mode keeps chunks, index and delete requests. */
export interface LokiObjectStorage extends S3Location {
    /** Absent: AWS S3 of `region`. */
    readonly endpointUrl?: string;
    readonly region: string;
    /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (most S3-compatible stores). */
    readonly s3ForcePathStyle: boolean;
}

export interface LokiScaled {
    readonly replicas: number;
    readonly resources: Resources;
}

/** The components of distributed mode that run several replicas, as the chart's values name them. */
export const LOKI_SCALED = ["ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway"] as const;
export type LokiScaledComponent = (typeof LOKI_SCALED)[number];

export interface LokiDistributed {
    readonly objectStorage: LokiObjectStorage;
    readonly ingester: LokiScaled & {
        /** Each ingester's claim for its WAL and not yet flushed chunks, on the env's local-path class. */
        readonly walStorageSize: string;
    };
    readonly distributor: LokiScaled;
    readonly querier: LokiScaled;
    readonly queryFrontend: LokiScaled;
    readonly queryScheduler: LokiScaled;
    readonly indexGateway: LokiScaled;
    /** One compactor; its working directory (retention marks) is a claim on the env's NFS class. */
    readonly compactor: { readonly storageSize: string; readonly resources: Resources };
    /** One ruler, evaluating the env's log alerts. */
    readonly ruler: { readonly resources: Resources };
    /** Memory of the memcached chunks and query-results caches, in MiB. */
    readonly caches: { readonly chunksMemoryMiB: number; readonly resultsMemoryMiB: number };
}

export type LokiConfig = { readonly retention: string } & (
    { readonly mode: "monolithic"; readonly storageSize: string; readonly resources: Resources } | ({ readonly mode: "distributed" } & LokiDistributed)
);

/** Lab-sized like the rest: what one component needs at a few GB of logs a day. */
export const DEFAULT_LOKI_COMPONENT_RESOURCES = {
    ingester: r("100m", "256Mi", "1", "1Gi"),
    distributor: r("50m", "128Mi", "500m", "512Mi"),
    querier: r("100m", "256Mi", "1", "1Gi"),
    queryFrontend: r("50m", "128Mi", "500m", "512Mi"),
    queryScheduler: r("20m", "64Mi", "200m", "256Mi"),
    indexGateway: r("50m", "128Mi", "500m", "512Mi"),
    compactor: r("50m", "128Mi", "500m", "512Mi"),
    ruler: r("50m", "128Mi", "500m", "512Mi"),
} as const satisfies Record<LokiScaledComponent | "compactor" | "ruler", Resources>;

/** CPU request of each memcached pod (the chart's `allocatedCPU`). */
export const LOKI_CACHE_CPU = "100m";

/**
 * What the chart requests for a memcached pod of `cacheMiB`: the CPU above and round(1.2 x the cache
 * size) MiB of memory, which is its memory limit too; the exporter beside it requests nothing.
 */
export function memcachedRequests(cacheMiB: number): { readonly requests: ResourceList; readonly limits: { readonly memory: string } } {
    const memory = `${Math.floor((cacheMiB * 12 + 5) / 10)}Mi`;
    return { requests: { cpu: LOKI_CACHE_CPU, memory }, limits: { memory } };
}

const MONOLITHIC_KEYS = ["storageSize", "resources"] as const;
const DISTRIBUTED_KEYS = ["objectStorage", ...LOKI_SCALED, "compactor", "ruler", "caches"] as const;

export function readLoki(lk: ObjectReader, env: string, monolithicResources: Resources): LokiConfig {
    const mode = lk.string("mode", {
        expected: 'either "monolithic" (one binary on the env\'s NFS class) or "distributed" (microservices on object storage)',
        oneOf: LOKI_MODES,
        default: "monolithic",
    });
    const retention = lk.string("retention", {
        expected: 'a retention period in whole days written in hours or days, such as "168h" or "14d" (Loki applies retention per 24h index period)',
        default: "168h",
        check: (v) => {
            const s = parseDuration(v);
            return s !== undefined && s % 86400 === 0;
        },
    });
    let out: LokiConfig;
    if (mode === "distributed") {
        for (const key of MONOLITHIC_KEYS) {
            lk.forbid(
                key,
                `no ${key} while logging.loki.mode is "distributed" (it sizes monolithic mode's single binary; distributed mode sizes each component)`,
            );
        }
        out = { mode, retention, ...readDistributed(lk, env) };
    } else {
        const known = mode === "monolithic";
        for (const key of DISTRIBUTED_KEYS) {
            // A mistyped mode is reported once, not once more for every setting of the mode meant.
            if (known) lk.forbid(key, `no ${key} while logging.loki.mode is "monolithic" (a distributed-mode setting: set logging.loki.mode to distributed)`);
        }
        if (!known) lk.acceptRest();
        out = { mode: "monolithic", retention, storageSize: storageSize(lk, "10Gi"), resources: readResources(lk, "resources", monolithicResources) };
    }
    lk.done();
    return out;
}

function readDistributed(lk: ObjectReader, env: string): LokiDistributed {
    const scaled = (name: LokiScaledComponent, min: number, why = "") => {
        const o = lk.object(name);
        const value = {
            replicas: o.int("replicas", { expected: `an integer from ${min} to 50${why}`, min, max: 50, default: Math.max(min, 2) }),
            resources: readResources(o, "resources", DEFAULT_LOKI_COMPONENT_RESOURCES[name]),
        };
        return { o, value };
    };
    const single = (name: "compactor" | "ruler") => {
        const o = lk.object(name);
        return { o, resources: readResources(o, "resources", DEFAULT_LOKI_COMPONENT_RESOURCES[name]) };
    };
    const done = <T>(part: { o: ObjectReader; value: T }): T => {
        part.o.done();
        return part.value;
    };

    const objectStorage = readObjectStorage(lk, env);
    const ing = scaled(
        "ingester",
        LOKI_REPLICATION_FACTOR,
        ` (replication factor ${LOKI_REPLICATION_FACTOR} writes every stream to ${LOKI_REPLICATION_FACTOR} different ingesters)`,
    );
    const ingester = { ...ing.value, walStorageSize: storageSize(ing.o, "10Gi", "walStorageSize") };
    ing.o.done();
    const compactor = single("compactor");
    const compactorStorage = storageSize(compactor.o, "5Gi");
    compactor.o.done();
    const ruler = single("ruler");
    ruler.o.done();
    const c = lk.object("caches");
    const cacheMiB = (name: string, def: number) =>
        c.int(name, { expected: "memcached memory in MiB, an integer from 64 to 65536", min: 64, max: 65536, default: def });
    const caches = { chunksMemoryMiB: cacheMiB("chunksMemoryMiB", 1024), resultsMemoryMiB: cacheMiB("resultsMemoryMiB", 256) };
    c.done();
    return {
        objectStorage,
        ingester,
        distributor: done(scaled("distributor", 1)),
        querier: done(scaled("querier", 1)),
        queryFrontend: done(scaled("queryFrontend", 1)),
        queryScheduler: done(scaled("queryScheduler", 1)),
        indexGateway: done(scaled("indexGateway", 1)),
        compactor: { storageSize: compactorStorage, resources: compactor.resources },
        ruler: { resources: ruler.resources },
        caches,
    };
}

function readObjectStorage(lk: ObjectReader, env: string): LokiObjectStorage {
    const given = lk.has("objectStorage");
    const os = lk.object("objectStorage");
    if (!given) {
        lk.problems.add(
            os.path,
            "S3-compatible object storage for distributed mode ({bucket, prefix, endpointUrl, region, s3ForcePathStyle}, in a location that names the env)",
            describeValue(undefined),
        );
        return { bucket: "", prefix: "", region: "", s3ForcePathStyle: false };
    }
    const location = bucketAndPrefix(os, `${env}/loki`, `${env}/loki`);
    const out = {
        ...location,
        endpointUrl: s3EndpointUrl(os),
        region: s3Region(os),
        s3ForcePathStyle: os.bool("s3ForcePathStyle", { expected: "true or false", default: false }),
    };
    os.done();
    requireEnvInLocation(os, env, location);
    return out;
}

/** Loki's secret-only config keys: the credentials of its bucket, read only in distributed mode. */
export interface LokiSecrets {
    readonly lokiS3AccessKeyId?: string;
    readonly lokiS3SecretAccessKey?: string;
}

export const LOKI_SECRET_KEYS = ["lokiS3AccessKeyId", "lokiS3SecretAccessKey"] as const satisfies readonly (keyof LokiSecrets)[];

/**
 * Characters a credential may hold: Loki substitutes it into its YAML config (`-config.expand-env`),
 * where quotes, `#`, `:` or a leading `*`, `&` or `!` would change what the config says.
 */
const CREDENTIAL = /^[A-Za-z0-9/+=._~-]+$/;
const CREDENTIAL_CHARS = "letters, digits and / + = . _ ~ - only, since Loki substitutes it into its YAML config";

export function readLokiSecrets(top: ObjectReader, secretKeys: ReadonlySet<string>, loki: LokiConfig): LokiSecrets {
    if (loki.mode !== "distributed") {
        // Kept for a switch back to distributed mode: accepted (still only as a secret) and ignored.
        for (const key of LOKI_SECRET_KEYS) secretString(top, secretKeys, key, { expected: "a string" });
        return {};
    }
    const read = (key: keyof LokiSecrets, what: string) =>
        secretString(top, secretKeys, key, {
            expected: `${what} of Loki's bucket (logging.loki.objectStorage), ${CREDENTIAL_CHARS}`,
            required: true,
            check: (v) => CREDENTIAL.test(v),
        });
    return { lokiS3AccessKeyId: read("lokiS3AccessKeyId", "the access key id"), lokiS3SecretAccessKey: read("lokiS3SecretAccessKey", "the secret access key") };
}

/** The secret keys a stack's raw config needs for Loki, as placeholders the offline plan stands in with. */
export function lokiSecretPlaceholders(config: Readonly<Record<string, string>>, project: string): Record<string, (token: string) => string> {
    let logging: { loki?: { mode?: unknown } } | undefined;
    try {
        logging = JSON.parse(config[`${project}:logging`] ?? "{}");
    } catch {
        // Invalid logging config is reported by the schema itself.
    }
    if (logging?.loki?.mode !== "distributed") return {};
    return Object.fromEntries(LOKI_SECRET_KEYS.map((key) => [key, (t: string) => t]));
}
