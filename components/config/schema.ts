/**
 * The one schema of the stack config. `parsePlatformConfig` turns the raw key/value config of a
 * stack into a typed, validated `PlatformConfig`, or throws a `ConfigError` listing every problem.
 * It knows nothing about Pulumi's runtime: index.ts hands it the raw values and which keys are secret.
 *
 * Defaults are sized for a small lab cluster (dev); prod stack files set their sizes explicitly.
 */
import { ChartSources, ENV_CHART_KEYS } from "../chartSources";
import { LOG_AGENT_KINDS, LogAgentKind, localPathNodeDir } from "../naming";
import { readCharts } from "./charts";
import { ClusterConfig, checkForeignKeys, readCluster, readKubeconfig } from "./cluster";
import {
    ABS_PATH,
    DNS_LABEL,
    DNS_NAME,
    ENV_PATTERN,
    IPV4,
    ReclaimPolicy,
    Resources,
    duration,
    isCidr,
    r,
    readResources,
    requireEnvName,
    secretString,
    storageSize,
} from "./fields";
import { IngressAuthConfig, readIngressAuth } from "./ingressAuth";
import { ConfigError, ObjectReader, Problems, describeValue } from "./reader";
import { readRole } from "./role";
import { WorkloadSecrets, WorkloadsConfig, readWorkloadSecrets, readWorkloads } from "./workloads";
import { LokiConfig, LokiSecrets, readLoki, readLokiSecrets } from "./loki";
import { parseBytes, parsePrometheusBytes } from "./quantities";
import { RemoteWriteCredentials, RemoteWriteTarget, readRemoteWrite, readRemoteWriteAuth } from "./remoteWrite";

export type { ReclaimPolicy, ResourceList, Resources } from "./fields";
export type { RemoteWriteCredentials, RemoteWriteTarget } from "./remoteWrite";

export type LocalPathConfig =
    { readonly mode: "install"; readonly nodePath: string; readonly resources: Resources } | { readonly mode: "existing"; readonly className: string };

export interface PlatformConfig {
    /** Short env token used in every derived name (`dev`, `prod`): the stack's name. */
    readonly env: string;
    /** The cluster the stack manages (its kubeconfig context and pinned identity). */
    readonly cluster: ClusterConfig;
    /**
     * Secret config: the whole kubeconfig (plain here; index.ts wraps it as a secret). Absent, the
     * provider reads KUBECONFIG or ~/.kube/config, still with `cluster.context`.
     */
    readonly kubeconfig?: string;
    /** DNS zone under which `grafana-<env>.<domain>` etc. are served. */
    readonly domain: string;
    /** Protect namespaces and volumes from `pulumi destroy` and replacement (prod). */
    readonly protect: boolean;
    readonly ingress: {
        readonly className: string;
        /** cert-manager ClusterIssuer that issues the TLS secrets; unset means the secrets are provided out of band. */
        readonly clusterIssuer?: string;
        /** Client CIDRs allowed through the ingress (nginx allow-list); empty allows all. */
        readonly sourceRanges: readonly string[];
        /** Namespace of the ingress controller pods; network policies admit them to the served ports. */
        readonly controllerNamespace: string;
        /** How the Prometheus, Alertmanager and Loki ingresses authenticate; Grafana has its own login. */
        readonly auth: IngressAuthConfig;
    };
    readonly network: {
        /** Default-deny ingress and egress in the workload namespaces, with the allowances they need. */
        readonly defaultDenyWorkloads: boolean;
        /** Where workloads may connect outside the cluster (external PostgreSQL, S3) when default-deny is on. */
        readonly externalEgressCidrs: readonly string[];
    };
    readonly storage: {
        readonly nfs: {
            readonly server: string;
            readonly path: string;
            readonly mountOptions: readonly string[];
            readonly reclaimPolicy: ReclaimPolicy;
            readonly resources: Resources;
        };
        readonly localPath: LocalPathConfig;
    };
    readonly monitoring: {
        readonly prometheus: {
            readonly retention: string;
            readonly retentionSize: string;
            readonly storageSize: string;
            readonly resources: Resources;
            /** 1, or 2+ for an HA pair of identical replicas, each with its own TSDB. */
            readonly replicas: number;
            /** Keep replicas on different nodes (hard) or prefer to (soft). */
            readonly podAntiAffinity: "hard" | "soft";
            readonly remoteWrite: readonly RemoteWriteTarget[];
        };
        readonly alertmanager: {
            readonly storageSize: string;
            readonly resources: Resources;
            /** Members of the env's Alertmanager cluster (its peers are its own replicas only). */
            readonly replicas: number;
        };
        readonly grafana: {
            readonly storageSize: string;
            readonly resources: Resources;
            readonly sidecarResources: Resources;
        };
        readonly operator: { readonly resources: Resources; readonly configReloaderResources: Resources };
        readonly kubeStateMetrics: { readonly resources: Resources };
        readonly nodeExporter: { readonly resources: Resources };
    };
    readonly logging: {
        readonly loki: LokiConfig;
        /** Which log agent the env runs; Promtail for existing installs, Alloy for new ones. */
        readonly agent: LogAgentKind;
        readonly promtail: { readonly resources: Resources };
        readonly alloy: { readonly resources: Resources };
    };
    readonly workloads: WorkloadsConfig;
    /** Secret config of the workloads (plain here; index.ts wraps every value as a secret). */
    readonly workloadSecrets: WorkloadSecrets;
    /** Secret config: the credentials of Loki's bucket in distributed mode (plain here; index.ts wraps them as secrets). */
    readonly lokiSecrets: LokiSecrets;
    /** Secret config override of the generated Grafana admin password (plain here; index.ts wraps it as a secret). */
    readonly grafanaAdminPassword?: string;
    /** Secret config: the Slack incoming-webhook URL of the env's alerts (plain here; index.ts wraps it as a secret). */
    readonly alertmanagerSlackWebhook: string;
    /** Secret config: credentials of the remote-write targets by name (plain here; index.ts wraps it as a secret). */
    readonly prometheusRemoteWriteAuth: Readonly<Record<string, RemoteWriteCredentials>>;
    /**
     * Where every chart comes from, resolved once: its pin in components/versions.ts, or the stack's
     * `charts` override (an internal mirror or OCI registry, optionally another exact version).
     */
    readonly charts: ChartSources;
    readonly alerting: {
        /** Channel override; unset posts to the webhook's own channel. */
        readonly slack: { readonly channel?: string };
        readonly groupBy: readonly string[];
        readonly groupWait: string;
        readonly groupInterval: string;
        readonly repeatInterval: string;
        /**
         * Whether this env pages for the infrastructure both envs watch (kube-system, node-level
         * alerts): exactly one env of a cluster should, so a shared alert reaches one channel.
         */
        readonly sharedInfrastructure: boolean;
    };
}

/** Raw stack config: top-level key (without the project prefix) to its string value. */
export interface RawConfig {
    /** The stack's name, which is its env. */
    readonly stack: string;
    readonly values: Readonly<Record<string, string>>;
    /** Top-level keys whose value was set with `pulumi config set --secret`. */
    readonly secretKeys: ReadonlySet<string>;
    /** Keys of other namespaces, in full (`kubernetes:context`): some would silently do nothing. */
    readonly foreignKeys: readonly string[];
}

/** Splits the runtime's full config map (`project:key` to string) of `stack` into this project's keys and the others. */
export function rawConfigFrom(all: Readonly<Record<string, string>>, isSecret: (fullKey: string) => boolean, project: string, stack: string): RawConfig {
    const prefix = `${project}:`;
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const foreignKeys: string[] = [];
    for (const [key, value] of Object.entries(all)) {
        if (!key.startsWith(prefix)) {
            foreignKeys.push(key);
            continue;
        }
        const name = key.slice(prefix.length);
        values[name] = value;
        if (isSecret(key)) secretKeys.add(name);
    }
    return { stack, values, secretKeys, foreignKeys: foreignKeys.sort() };
}

/** Lab-sized defaults: all of them together request well under 2 vCPU and 4 GiB. */
export const DEFAULT_RESOURCES = {
    nfsProvisioner: r("10m", "32Mi", "100m", "64Mi"),
    localPathProvisioner: r("10m", "32Mi", "100m", "64Mi"),
    prometheus: r("200m", "512Mi", "1", "1536Mi"),
    alertmanager: r("20m", "64Mi", "100m", "128Mi"),
    grafana: r("50m", "192Mi", "500m", "512Mi"),
    grafanaSidecar: r("10m", "64Mi", "100m", "128Mi"),
    operator: r("50m", "64Mi", "200m", "256Mi"),
    configReloader: r("10m", "16Mi", "50m", "32Mi"),
    kubeStateMetrics: r("20m", "64Mi", "100m", "256Mi"),
    nodeExporter: r("20m", "32Mi", "200m", "64Mi"),
    loki: r("100m", "256Mi", "1", "1Gi"),
    promtail: r("50m", "64Mi", "200m", "256Mi"),
    alloy: r("50m", "128Mi", "500m", "512Mi"),
} as const satisfies Record<string, Resources>;

const SLACK_CHANNEL = /^#[a-z0-9][a-z0-9._-]{0,79}$/;

/** Top-level keys whose value is a document of its own (a JSON kubeconfig too), never structured config. */
const DOCUMENT_KEYS = new Set(["kubeconfig"]);

/** Parses the raw top-level values: scalars stay strings, structured values are JSON. */
export function decodeTopLevel(raw: RawConfig, problems: Problems): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw.values)) {
        const trimmed = value.trim();
        if (!DOCUMENT_KEYS.has(key) && (trimmed.startsWith("{") || trimmed.startsWith("["))) {
            try {
                out[key] = JSON.parse(trimmed);
            } catch {
                problems.add(key, "valid structured config (YAML map or list)", describeValue(value, raw.secretKeys.has(key)));
            }
        } else {
            out[key] = value;
        }
    }
    return out;
}

export function parsePlatformConfig(raw: RawConfig, project: string): PlatformConfig {
    const problems = new Problems();
    const top = new ObjectReader(problems, "", decodeTopLevel(raw, problems), raw.secretKeys);
    // A cluster stack has a schema of its own (clusterStack.ts); only an env's role reaches this one.
    readRole(top, "env", raw.stack);

    checkForeignKeys(problems, raw.foreignKeys, project);
    const env = readEnv(top, raw.stack);
    const domain = top.string("domain", {
        required: true,
        pattern: DNS_NAME,
        expected: "a lowercase DNS domain such as mlops.example.com",
    });
    const protect = top.bool("protect", { expected: "true or false", default: false });
    const cluster = readCluster(top, protect);
    const kubeconfig = readKubeconfig(top, raw.secretKeys, cluster.context);

    const ing = top.object("ingress");
    const ingress = {
        className: ing.string("className", { expected: "an IngressClass name", default: "nginx", pattern: DNS_LABEL }),
        clusterIssuer: ing.has("clusterIssuer")
            ? ing.string("clusterIssuer", { expected: "a cert-manager ClusterIssuer name", pattern: DNS_LABEL })
            : undefined,
        sourceRanges: ing.stringList("sourceRanges", { expected: "an IPv4 CIDR such as 192.168.18.0/24", item: isCidr }),
        controllerNamespace: ing.string("controllerNamespace", { expected: "a namespace name", default: "ingress-nginx", pattern: DNS_LABEL }),
        auth: readIngressAuth(ing.object("auth")),
    };
    ing.done();

    const net = top.object("network");
    const network = {
        defaultDenyWorkloads: net.bool("defaultDenyWorkloads", { expected: "true or false", default: protect }),
        externalEgressCidrs: net.stringList("externalEgressCidrs", {
            expected: "an IPv4 CIDR such as 10.20.0.0/16",
            item: isCidr,
            default: ["0.0.0.0/0"],
        }),
    };
    net.done();

    const charts = readCharts(top.object("charts"), ENV_CHART_KEYS);
    const storage = readStorage(top.object("storage"), env, protect);
    const monitoring = readMonitoring(top.object("monitoring"), protect);
    const logging = readLogging(top.object("logging"), env);

    const al = top.object("alerting");
    const sl = al.object("slack");
    const slack = {
        channel: sl.has("channel") ? sl.string("channel", { expected: 'a Slack channel such as "#alerts-dev"', pattern: SLACK_CHANNEL }) : undefined,
    };
    sl.done();
    const alerting = {
        slack,
        groupBy: al.stringList("groupBy", {
            expected: "a label name",
            item: (s) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(s) || s === "...",
            default: ["alertname", "namespace", "severity"],
        }),
        groupWait: duration(al, "groupWait", "30s", "group wait"),
        groupInterval: duration(al, "groupInterval", "5m", "group interval"),
        repeatInterval: duration(al, "repeatInterval", "12h", "repeat interval"),
        // Default: the protected env (prod) pages, so an unprotected one never wakes anyone for the
        // shared cluster. Not `env == "prod"`: a new env would silently inherit the wrong answer.
        sharedInfrastructure: al.bool("sharedInfrastructure", { expected: "true or false", default: protect }),
    };
    al.done();

    const workloads = readWorkloads(top.object("workloads"), env, protect);
    const workloadSecrets = readWorkloadSecrets(top, raw.secretKeys, workloads);
    const lokiSecrets = readLokiSecrets(top, raw.secretKeys, logging.loki);

    const grafanaAdminPassword = secretString(top, raw.secretKeys, "grafanaAdminPassword", {
        expected: "a password of at least 16 characters",
        check: (v) => v.length >= 16,
    });
    // Required: without it the env's alerts route correctly and then reach nobody.
    const alertmanagerSlackWebhook =
        secretString(top, raw.secretKeys, "alertmanagerSlackWebhook", {
            expected: "a Slack incoming-webhook URL (https://...) for the env's Alertmanager",
            required: true,
            check: (v) => /^https:\/\/[^\s/]+\/\S*$/.test(v),
        }) ?? "";
    const prometheusRemoteWriteAuth = readRemoteWriteAuth(top, raw.secretKeys, monitoring.prometheus.remoteWrite) ?? {};

    top.done();
    if (problems.list.length > 0) throw new ConfigError(project, problems.list);
    return {
        env,
        cluster,
        kubeconfig,
        domain,
        protect,
        ingress,
        network,
        storage,
        monitoring,
        logging,
        workloads,
        workloadSecrets,
        lokiSecrets,
        grafanaAdminPassword,
        alertmanagerSlackWebhook,
        prometheusRemoteWriteAuth,
        charts,
        alerting,
    };
}

/**
 * The env is the stack's name: a stack is its env, so `pulumi up -s staging` can never build an env
 * named otherwise. The `env` key may stay in a stack file, as long as it says the same.
 */
function readEnv(top: ObjectReader, stack: string): string {
    if (!ENV_PATTERN.test(stack)) {
        top.problems.add(
            "env",
            "a stack name of 2-12 lowercase letters or digits starting with a letter (the stack's name is its env, for example dev, prod)",
            `the stack name ${JSON.stringify(stack)}`,
        );
    }
    if (top.has("env")) top.string("env", { expected: `the stack name ${JSON.stringify(stack)}`, check: (v) => v === stack });
    return stack;
}

function readStorage(st: ObjectReader, env: string, protect: boolean): PlatformConfig["storage"] {
    const nfsR = st.object("nfs");
    const server = nfsR.string("server", {
        required: true,
        expected: "the NFS server's IPv4 address or DNS name",
        check: (v) => IPV4.test(v) || DNS_NAME.test(v) || DNS_LABEL.test(v),
    });
    const path = nfsR.string("path", { required: true, pattern: ABS_PATH, expected: `an absolute export path such as /srv/nfs/mlops/${env}` });
    requireEnvName(nfsR, "path", path, env, "an NFS directory", `/srv/nfs/mlops/${env}`, ABS_PATH.test(path));
    const mountOptions = nfsR.stringList("mountOptions", {
        expected: "an NFS mount option such as nfsvers=4.1",
        item: (s) => /^[a-z0-9_]+(=[A-Za-z0-9_.:,-]+)?$/.test(s),
    });
    const defaultPolicy: ReclaimPolicy = protect ? "Retain" : "Delete";
    const reclaimPolicy = nfsR.string("reclaimPolicy", {
        expected: "Delete or Retain",
        oneOf: ["Delete", "Retain"],
        default: defaultPolicy,
    }) as ReclaimPolicy;
    if (protect && reclaimPolicy === "Delete") {
        st.problems.add(nfsR.keyOf("reclaimPolicy"), "Retain on a protected stack (protect: true keeps prod volumes)", '"Delete"');
    }
    const nfsResources = readResources(nfsR, "resources", DEFAULT_RESOURCES.nfsProvisioner);
    nfsR.done();

    const lp = st.object("localPath");
    const mode = lp.string("mode", {
        expected: 'either "install" (an env-scoped provisioner and class) or "existing" (adopt a class by name)',
        oneOf: ["install", "existing"],
        default: "install",
    });
    let localPath: LocalPathConfig;
    if (mode === "existing") {
        const className = lp.string("className", {
            required: true,
            pattern: DNS_LABEL,
            expected: 'the name of the existing local-path StorageClass (for example "local-path") when mode is "existing"',
        });
        localPath = { mode: "existing", className };
    } else {
        const nodePath = lp.string("nodePath", {
            pattern: ABS_PATH,
            expected: "an absolute directory on each node",
            default: localPathNodeDir(env),
        });
        if (nodePath === "/" || nodePath.startsWith("/proc") || nodePath.startsWith("/sys")) {
            st.problems.add(lp.keyOf("nodePath"), "a dedicated data directory, not a system path", describeValue(nodePath));
        } else {
            requireEnvName(lp, "nodePath", nodePath, env, "a node directory", localPathNodeDir(env), ABS_PATH.test(nodePath));
        }
        localPath = { mode: "install", nodePath, resources: readResources(lp, "resources", DEFAULT_RESOURCES.localPathProvisioner) };
    }
    lp.done();
    st.done();
    return {
        nfs: { server, path, mountOptions, reclaimPolicy, resources: nfsResources },
        localPath,
    };
}

function readMonitoring(mo: ObjectReader, protect: boolean): PlatformConfig["monitoring"] {
    const pr = mo.object("prometheus");
    const retention = duration(pr, "retention", "7d", "TSDB retention");
    const retentionSize = pr.string("retentionSize", {
        expected: 'a Prometheus byte size such as "8GiB" (B, KB, MB, GB, TB with optional i)',
        default: "8GiB",
        check: (v) => parsePrometheusBytes(v) !== undefined,
    });
    const promStorage = storageSize(pr, "10Gi");
    const rs = parsePrometheusBytes(retentionSize);
    const ss = parseBytes(promStorage);
    if (rs !== undefined && ss !== undefined && rs >= ss) {
        // Prometheus only enforces the size after a block is cut; a full volume crashes it first.
        mo.problems.add(
            pr.keyOf("retentionSize"),
            `less than monitoring.prometheus.storageSize (${promStorage}), leaving headroom for the WAL`,
            describeValue(retentionSize),
        );
    }
    const replicas = pr.int("replicas", { expected: "1, or 2 or more for an HA pair (a whole number from 1 to 10)", min: 1, max: 10, default: 1 });
    // Two replicas on one node share its fate: HA means separate nodes, so hard unless said otherwise.
    // One replica keeps the chart's soft default: nothing to keep apart, and no change to its pod.
    const podAntiAffinity = pr.string("podAntiAffinity", {
        expected: '"hard" (replicas on different nodes, or Pending) or "soft" (preferred)',
        oneOf: ["hard", "soft"],
        default: replicas >= 2 ? "hard" : "soft",
    }) as "hard" | "soft";
    if (replicas < 2 && pr.has("podAntiAffinity")) {
        mo.problems.add(
            pr.keyOf("podAntiAffinity"),
            `no anti-affinity setting while monitoring.prometheus.replicas is ${replicas} (it only keeps replicas apart; set replicas to 2 or more for HA)`,
            describeValue(podAntiAffinity),
        );
    }
    const prometheus = {
        retention,
        retentionSize,
        storageSize: promStorage,
        resources: readResources(pr, "resources", DEFAULT_RESOURCES.prometheus),
        replicas,
        podAntiAffinity,
        remoteWrite: readRemoteWrite(pr),
    };
    pr.done();

    const am = mo.object("alertmanager");
    // A protected env's alerts must outlive one pod (a restart, a drained node): a cluster of two.
    const amReplicas = am.int("replicas", {
        expected: "a whole number of Alertmanager replicas from 1 to 5",
        min: 1,
        max: 5,
        default: protect ? 2 : 1,
    });
    if (protect && amReplicas < 2) {
        mo.problems.add(
            am.keyOf("replicas"),
            "2 or more on a protected stack (protect: true runs Alertmanager as a cluster, so alerts survive the loss of one pod)",
            describeValue(amReplicas),
        );
    }
    const alertmanager = {
        storageSize: storageSize(am, "1Gi"),
        resources: readResources(am, "resources", DEFAULT_RESOURCES.alertmanager),
        replicas: amReplicas,
    };
    am.done();

    const gr = mo.object("grafana");
    const grafana = {
        storageSize: storageSize(gr, "2Gi"),
        resources: readResources(gr, "resources", DEFAULT_RESOURCES.grafana),
        sidecarResources: readResources(gr, "sidecarResources", DEFAULT_RESOURCES.grafanaSidecar),
    };
    gr.done();

    const op = mo.object("operator");
    const operator = {
        resources: readResources(op, "resources", DEFAULT_RESOURCES.operator),
        configReloaderResources: readResources(op, "configReloaderResources", DEFAULT_RESOURCES.configReloader),
    };
    op.done();

    const ksm = mo.object("kubeStateMetrics");
    const kubeStateMetrics = { resources: readResources(ksm, "resources", DEFAULT_RESOURCES.kubeStateMetrics) };
    ksm.done();

    const ne = mo.object("nodeExporter");
    const nodeExporter = { resources: readResources(ne, "resources", DEFAULT_RESOURCES.nodeExporter) };
    ne.done();

    mo.done();
    return { prometheus, alertmanager, grafana, operator, kubeStateMetrics, nodeExporter };
}

function readLogging(lg: ObjectReader, env: string): PlatformConfig["logging"] {
    const loki = readLoki(lg.object("loki"), env, DEFAULT_RESOURCES.loki);
    // Default promtail: switching an installed env's agent is a deliberate change (docs/scaling-out.md,
    // "Choosing and switching the log agent"), never a side effect of upgrading the program.
    const agent = lg.string("agent", {
        expected: '"promtail" or "alloy" (Promtail reached end of life on 2026-03-02; new installs pick alloy)',
        oneOf: LOG_AGENT_KINDS,
        default: "promtail",
    }) as LogAgentKind;
    const pt = lg.object("promtail");
    const promtail = { resources: readResources(pt, "resources", DEFAULT_RESOURCES.promtail) };
    pt.done();
    const al = lg.object("alloy");
    const alloy = { resources: readResources(al, "resources", DEFAULT_RESOURCES.alloy) };
    al.done();
    lg.done();
    return { loki, agent, promtail, alloy };
}
