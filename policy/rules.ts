/**
 * The guardrail policies as pure functions: each rule looks at one resource (type, props, options)
 * with a small context derived from the whole stack, and returns violation messages. The policy
 * pack (policy/index.ts) runs them under `pulumi preview --policy-pack policy`; the tests run the
 * same functions over the offline plan of both stacks and over broken copies of its resources.
 *
 * Each rule encodes a row of the "Lessons" table in the design notes (see `lesson`).
 */
import * as yaml from "js-yaml";
import { CHART_SOURCE_ANNOTATION, splitChartLocation } from "../components/chartSources";
import { CRD_REQUIREMENT_TYPE } from "../components/cluster/operatorCrds";
import { ENV_LABEL, SYSTEM_NAMESPACE } from "../components/naming";
import { charts } from "../components/versions";

/** What a rule sees of a resource: the same fields in a real preview and in the offline plan. */
export interface CheckedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, any>;
    readonly protect: boolean;
    /** Known in the offline plan; Pulumi's policy API does not expose it, so undefined there. */
    readonly retainOnDelete?: boolean;
    /** URN of the parent (the root Stack for top-level resources under the engine). */
    readonly parent?: string;
    /** URN of the provider resource that manages it (custom resources under the engine). */
    readonly provider?: string;
}

/** Policy configuration, the same for every policy of the pack. */
export interface GuardrailConfig {
    /** Every env that shares the cluster; a stack may name no env of this list but its own. */
    readonly envs: readonly string[];
    /** Envs whose volumes and namespaces must survive `pulumi destroy` and replacements. */
    readonly protectedEnvs: readonly string[];
    /** The stack's env; by default read from the env label of the namespaces the stack creates. */
    readonly env?: string;
    /**
     * Chart name to the source the stack's `charts` setting overrides it with (a mirror), accepted
     * instead of the pin in components/versions.ts; written by `npm run policy-config -- <stack>`.
     */
    readonly chartSources?: Readonly<Record<string, DeclaredChartSource>>;
}

export interface DeclaredChartSource {
    readonly repo: string;
    readonly version: string;
}

export const DEFAULT_CONFIG: GuardrailConfig = { envs: ["dev", "prod"], protectedEnvs: ["prod"] };

/**
 * `env`: one env's platform. `cluster`: the cluster stack, which owns what every env of the cluster
 * shares (the prometheus-operator CRDs) and has no env: it is known by installing the CRDs chart
 * while no namespace of it carries an env label.
 */
export type StackRole = "env" | "cluster";

export interface StackContext {
    readonly role: StackRole;
    /** The stack's env; empty for the cluster stack, where no rule that reads it runs. */
    readonly env: string;
    readonly otherEnvs: readonly string[];
    readonly protectedEnv: boolean;
    /** StorageClass names known to be NFS (besides any class whose name contains "nfs"). */
    readonly nfsClasses: ReadonlySet<string>;
    /** `<namespace>/<claim>` to storage class, for claims declared in the stack. */
    readonly claimClasses: ReadonlyMap<string, string>;
    /** Resources by parent URN: a helm.v4.Chart's chart and version are only on what it renders. */
    readonly children: ReadonlyMap<string, readonly CheckedResource[]>;
    /** Chart sources the policy config declares in place of their pins. */
    readonly chartSources: Readonly<Record<string, DeclaredChartSource>>;
}

export interface Rule {
    readonly name: string;
    readonly description: string;
    /** The row of the design notes' lessons table this rule makes impossible. */
    readonly lesson: string;
    /** The stacks it checks: a rule about an env and the other envs has nothing to check on the cluster stack. */
    readonly roles: readonly StackRole[];
    check(resource: CheckedResource, ctx: StackContext): string[];
}

const EVERY_STACK: readonly StackRole[] = ["env", "cluster"];
const ENV_STACKS: readonly StackRole[] = ["env"];

/** Whether `rule` checks a stack of the context's role (a rule that does not passes there: nothing to report). */
export function appliesTo(rule: Rule, ctx: StackContext): boolean {
    return rule.roles.includes(ctx.role);
}

export interface Violation {
    readonly policy: string;
    readonly urn: string;
    readonly message: string;
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const HELM_CHART = "kubernetes:helm.sh/v4:Chart";
const STACK = "pulumi:pulumi:Stack";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const PV = "kubernetes:core/v1:PersistentVolume";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";

const kindOf = (type: string) => type.split(":").pop() ?? type;
const isChart = (r: CheckedResource) => r.type === HELM_RELEASE || r.type === HELM_CHART;
/** Chart name and repository; an OCI chart is given as one reference `oci://host/path/<chart>`. */
const chartLocationOf = (r: CheckedResource) => splitChartLocation(String(r.props.chart ?? ""), r.props.repositoryOpts?.repo);
const chartName = (r: CheckedResource): string => chartLocationOf(r).chart;
const releaseOf = (r: CheckedResource): string => String(r.props.name ?? r.name);
const valuesOf = (r: CheckedResource): Record<string, any> => (isObject(r.props.values) ? r.props.values : {});
const metaName = (r: CheckedResource): string => String(r.props.metadata?.name ?? r.name);
const describe = (r: CheckedResource) => (isChart(r) ? `release ${releaseOf(r)}` : `${kindOf(r.type)} ${metaName(r)}`);

function isObject(v: unknown): v is Record<string, any> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads a dotted path; undefined as soon as a step is missing. */
export function at(obj: unknown, path: string): any {
    let cur: any = obj;
    for (const key of path.split(".")) {
        if (!isObject(cur)) return undefined;
        cur = cur[key];
    }
    return cur;
}

/** Every object inside `value` with the dotted path that leads to it. */
function objectsIn(value: unknown, path = ""): { path: string; key: string; obj: Record<string, any> }[] {
    const out: { path: string; key: string; obj: Record<string, any> }[] = [];
    const visit = (v: unknown, p: string, key: string) => {
        if (Array.isArray(v)) v.forEach((item, i) => visit(item, `${p}[${i}]`, key));
        else if (isObject(v)) {
            out.push({ path: p, key, obj: v });
            for (const [k, child] of Object.entries(v)) visit(child, p ? `${p}.${k}` : k, k);
        }
    };
    visit(value, path, "");
    return out;
}

/** Every string leaf (and object key) inside a value. */
function stringsIn(value: unknown, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => stringsIn(v, out));
    else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
            out.push(k);
            stringsIn(v, out);
        }
    }
    return out;
}

function isNfsClass(name: unknown, ctx: StackContext): name is string {
    return typeof name === "string" && (ctx.nfsClasses.has(name) || /nfs/i.test(name));
}

/** The type of the resource a URN names (the last of its type chain). */
const typeOfUrn = (urn: string | undefined) => urn?.split("::")[2]?.split("$").pop();

/**
 * Whether the stack installs the prometheus-operator CRDs chart: a release of it, or a helm.v4.Chart
 * (which the engine keeps without inputs) whose rendered objects carry its chart label.
 */
function installsOperatorCrds(resources: readonly CheckedResource[], children: ReadonlyMap<string, readonly CheckedResource[]>): boolean {
    const chart = charts.prometheusOperatorCrds.chart;
    const rendersIt = (r: CheckedResource) =>
        (children.get(r.urn) ?? []).some((c) => String(c.props.metadata?.labels?.[CHART_LABEL] ?? "").startsWith(`${chart}-`));
    return resources.some((r) => isChart(r) && (chartName(r) === chart || rendersIt(r)));
}

/** Builds the stack context from every resource of the stack. */
export function stackContext(resources: readonly CheckedResource[], config: GuardrailConfig = DEFAULT_CONFIG): StackContext {
    const labelled = new Set(resources.filter((r) => r.type === NAMESPACE).map((r) => r.props.metadata?.labels?.[ENV_LABEL] as string | undefined));
    labelled.delete(undefined);
    const children = new Map<string, CheckedResource[]>();
    for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const env = config.env ?? (labelled.size === 1 ? [...labelled][0]! : undefined);
    // Only positively: a stack whose namespaces lost their label must not pass as one that has no env rules.
    const cluster = env === undefined && labelled.size === 0 && installsOperatorCrds(resources, children);
    if (!env && !cluster) {
        throw new Error(
            `cannot tell the stack's env: its namespaces carry ${labelled.size ? [...labelled].join(", ") : "no"} ${ENV_LABEL} label; set the policy config "env"`,
        );
    }
    const nfsClasses = new Set<string>();
    for (const r of resources) {
        if (r.type === STORAGE_CLASS && /nfs/i.test(String(r.props.provisioner ?? ""))) nfsClasses.add(metaName(r));
        if (isChart(r) && chartName(r) === charts.nfsSubdirProvisioner.chart) {
            const name = at(valuesOf(r), "storageClass.name");
            if (typeof name === "string") nfsClasses.add(name);
        }
    }
    const claimClasses = new Map<string, string>();
    for (const r of resources) {
        if (r.type !== PVC) continue;
        const sc = r.props.spec?.storageClassName;
        if (typeof sc === "string") claimClasses.set(`${r.props.metadata?.namespace}/${metaName(r)}`, sc);
    }
    return {
        role: cluster ? "cluster" : "env",
        env: env ?? "",
        otherEnvs: config.envs.filter((e) => e !== env),
        // The cluster stack is always protected: deleting a CRD deletes every custom resource of that kind in every env.
        protectedEnv: cluster || config.protectedEnvs.includes(env!),
        nfsClasses,
        claimClasses,
        children,
        chartSources: config.chartSources ?? {},
    };
}

// ---------------------------------------------------------------------------------------------
// Prometheus TSDB never on NFS

const tsdbNotOnNfs: Rule = {
    name: "prometheus-tsdb-not-on-nfs",
    description: "The Prometheus TSDB has an explicit storage class that is not NFS (local-path).",
    lesson: "Prometheus slow on NFS",
    roles: EVERY_STACK,
    check(r, ctx) {
        let sc: unknown;
        let where: string;
        if (isChart(r) && chartName(r) === charts.kubePrometheusStack.chart) {
            if (at(valuesOf(r), "prometheus.enabled") === false) return [];
            where = "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName";
            sc = at(valuesOf(r), where);
        } else if (r.type === "kubernetes:monitoring.coreos.com/v1:Prometheus") {
            where = "spec.storage.volumeClaimTemplate.spec.storageClassName";
            sc = at(r.props, where);
        } else {
            return [];
        }
        if (sc === undefined) return [`${describe(r)}: the Prometheus TSDB has no storage class (${where}); it must be a local-path class, never NFS`];
        if (isNfsClass(sc, ctx)) return [`${describe(r)}: the Prometheus TSDB is on NFS class ${sc}; it must be on a local-path class`];
        return [];
    },
};

// ---------------------------------------------------------------------------------------------
// Every monitor and rule labelled for its own env only

const MONITOR_KINDS = ["ServiceMonitor", "PodMonitor", "Probe", "PrometheusRule", "ScrapeConfig"];
/** Chart values keys under which charts create monitors or rules, each with a `labels` map. */
const MONITOR_VALUE_KEYS = ["serviceMonitor", "podMonitor", "prometheusRule"];
const KPS_SELECTORS = ["serviceMonitor", "podMonitor", "probe", "scrapeConfig", "rule"];

const monitorsOwnEnv: Rule = {
    name: "monitors-labelled-for-own-env",
    description:
        "Every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule carries release: monitoring-<env> of its own env, and Prometheus selects only that label.",
    lesson: "dev Prometheus showed prod namespaces",
    roles: ENV_STACKS,
    check(r, ctx) {
        const want = `monitoring-${ctx.env}`;
        const out: string[] = [];
        const labelProblem = (what: string, labels: Record<string, any> | undefined) => {
            const release = labels?.release;
            if (release !== want) out.push(`${what} must be labelled release=${want} for its own env only (has release=${release ?? "<none>"})`);
            const envLabel = labels?.[ENV_LABEL];
            if (envLabel !== undefined && envLabel !== ctx.env) out.push(`${what} carries ${ENV_LABEL}=${envLabel}, not ${ctx.env}`);
        };
        const kind = kindOf(r.type);
        if (r.type.startsWith("kubernetes:monitoring.coreos.com/") && MONITOR_KINDS.includes(kind)) {
            labelProblem(`${kind} ${metaName(r)}`, r.props.metadata?.labels);
        }
        if (!isChart(r)) return out;
        for (const { path, key, obj } of objectsIn(valuesOf(r), "values")) {
            if (MONITOR_VALUE_KEYS.includes(key) && obj.enabled === true) {
                labelProblem(`${describe(r)}: ${path}`, obj.labels ?? obj.additionalLabels);
            }
        }
        if (chartName(r) === charts.kubePrometheusStack.chart) {
            for (const sel of KPS_SELECTORS) {
                const path = `prometheus.prometheusSpec.${sel}Selector`;
                const release = at(valuesOf(r), `${path}.matchLabels.release`);
                if (release !== want) out.push(`${describe(r)}: ${path} must select release=${want} only (selects ${release ?? "everything"})`);
            }
        }
        return out;
    },
};

// ---------------------------------------------------------------------------------------------
// No cross-env URL, host or namespace

const crossEnvPattern = (env: string) => new RegExp(`[a-z0-9]-${env}(?![a-z0-9])`);

const noCrossEnv: Rule = {
    name: "no-cross-env-reference",
    description: "No resource of one env names another env's namespace, host, service URL or release (`<name>-<other env>`), nor carries its env label.",
    lesson: "dev Prometheus showed prod namespaces; Promtail positions shared between envs",
    roles: ENV_STACKS,
    check(r, ctx) {
        const out: string[] = [];
        const strings = stringsIn(r.props);
        for (const other of ctx.otherEnvs) {
            const pattern = crossEnvPattern(other);
            const hits = [...new Set(strings.filter((s) => pattern.test(s)))];
            if (hits.length) out.push(`${describe(r)} in env ${ctx.env} references env ${other}: ${hits.slice(0, 3).join(", ")}`);
            const labelled = objectsIn(r.props).filter(({ obj }) => obj[ENV_LABEL] === other);
            if (labelled.length) out.push(`${describe(r)} in env ${ctx.env} selects or carries ${ENV_LABEL}=${other} at ${labelled[0]!.path || "<root>"}`);
        }
        return out;
    },
};

// ---------------------------------------------------------------------------------------------
// Cluster-wide hooks and controllers act on their own env only

const CLUSTER_HOOK_LESSON =
    "one env's operator mutated, validated and could rewrite the other env's objects (cluster-wide hooks and permissions act on their own env only)";

const WEBHOOK_CONFIGURATIONS = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

/** Charts that render admission webhooks: the values that switch them on, and where their namespaceSelector goes. */
const CHART_WEBHOOKS: Record<string, { what: string; enabledPaths: string[]; selectorPath: string }[]> = {
    [charts.kubePrometheusStack.chart]: [
        {
            what: "prometheus-operator admission webhooks",
            enabledPaths: ["prometheusOperator.enabled", "prometheusOperator.admissionWebhooks.enabled"],
            selectorPath: "prometheusOperator.admissionWebhooks.namespaceSelector",
        },
    ],
};

/** Whether a label selector requires the env label to be exactly `env` (matchLabels, or `In` with that one value). */
function requiresEnv(selector: unknown, env: string): boolean {
    if (!isObject(selector)) return false;
    if (isObject(selector.matchLabels) && selector.matchLabels[ENV_LABEL] === env) return true;
    const exprs: unknown[] = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
    return exprs.some(
        (e) => isObject(e) && e.key === ENV_LABEL && e.operator === "In" && Array.isArray(e.values) && e.values.length === 1 && e.values[0] === env,
    );
}

const selectorText = (selector: unknown) => (selector === undefined ? "none, so every namespace" : JSON.stringify(selector));

const webhooksOwnEnv: Rule = {
    name: "webhooks-select-own-env",
    description: `Every admission webhook (a webhook configuration, or a chart's admission-webhook values) selects namespaces by ${ENV_LABEL}=<env> of its own env, so it never mutates or validates another env's objects.`,
    lesson: CLUSTER_HOOK_LESSON,
    roles: ENV_STACKS,
    check(r, ctx) {
        const want = `${ENV_LABEL}=${ctx.env}`;
        if (r.type.startsWith("kubernetes:admissionregistration.k8s.io/") && WEBHOOK_CONFIGURATIONS.includes(kindOf(r.type))) {
            const hooks: unknown[] = Array.isArray(r.props.webhooks) ? r.props.webhooks : [];
            return hooks
                .map((h) => (isObject(h) ? h : {}))
                .filter((h) => !requiresEnv(h.namespaceSelector, ctx.env))
                .map(
                    (h) =>
                        `${describe(r)}: webhook ${h.name ?? "<unnamed>"} must select only namespaces with ${want} (its namespaceSelector: ${selectorText(h.namespaceSelector)})`,
                );
        }
        if (!isChart(r)) return [];
        const values = valuesOf(r);
        return (CHART_WEBHOOKS[chartName(r)] ?? [])
            .filter((w) => w.enabledPaths.every((p) => at(values, p) !== false))
            .filter((w) => !requiresEnv(at(values, w.selectorPath), ctx.env))
            .map((w) => `${describe(r)}: ${w.what} must select only namespaces with ${want} (${w.selectorPath}: ${selectorText(at(values, w.selectorPath))})`);
    },
};

/** Resources Kubernetes keeps cluster-scoped: the only ones a ClusterRole may write (subresources by their resource). */
const CLUSTER_SCOPED_RESOURCES = new Set([
    "persistentvolumes",
    "nodes",
    "namespaces",
    "storageclasses",
    "volumeattachments",
    "csinodes",
    "csidrivers",
    "clusterroles",
    "clusterrolebindings",
    "customresourcedefinitions",
    "priorityclasses",
    "ingressclasses",
    "runtimeclasses",
    "apiservices",
    "certificatesigningrequests",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
]);
const WRITE_VERBS = new Set(["*", "create", "update", "patch", "delete", "deletecollection"]);

/** Charts whose own RBAC gives a controller writes in every namespace: the switch that must be off. */
const CHART_RBAC_SWITCHES: Record<string, { path: string; grants: string }> = {
    [charts.kubePrometheusStack.chart]: {
        path: "global.rbac.create",
        grants: "prometheus-operator * on Secrets, ConfigMaps, StatefulSets and Prometheus objects",
    },
    [charts.nfsSubdirProvisioner.chart]: { path: "rbac.create", grants: "the provisioner updates of claims and events" },
};

const controllersWriteOwnEnv: Rule = {
    name: "controllers-write-own-env",
    description:
        "No ClusterRole grants writes on namespaced resources (those are Roles in the env's namespaces), and no chart is asked for its own RBAC where that would grant a controller writes in every namespace.",
    lesson: CLUSTER_HOOK_LESSON,
    roles: EVERY_STACK,
    check(r) {
        if (isChart(r)) {
            const sw = CHART_RBAC_SWITCHES[chartName(r)];
            if (!sw || at(valuesOf(r), sw.path) === false) return [];
            return [`${describe(r)}: ${sw.path} must be false: the chart's own RBAC grants ${sw.grants} in every namespace; declare namespaced Roles instead`];
        }
        if (r.type !== "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole") return [];
        const rules: unknown[] = Array.isArray(r.props.rules) ? r.props.rules : [];
        return rules.filter(isObject).flatMap((rule) => {
            const verbs = (Array.isArray(rule.verbs) ? rule.verbs : []).filter((v: unknown) => WRITE_VERBS.has(String(v)));
            const namespaced = (Array.isArray(rule.resources) ? rule.resources : []).filter(
                (res: unknown) => !CLUSTER_SCOPED_RESOURCES.has(String(res).split("/")[0]!),
            );
            if (!verbs.length || !namespaced.length) return [];
            return [
                `${describe(r)} grants ${verbs.join(",")} on ${namespaced.join(",")} in every namespace; grant it with a Role in each of the env's namespaces`,
            ];
        });
    },
};

// ---------------------------------------------------------------------------------------------
// Pods writing to NFS set fsGroup

/** Chart values that put a pod's data on a claim: storage class path, fsGroup path. */
const CHART_NFS_WRITERS: Record<string, { what: string; classPath: string; enabledPath?: string; fsGroupPath: string }[]> = {
    [charts.kubePrometheusStack.chart]: [
        {
            what: "Grafana",
            classPath: "grafana.persistence.storageClassName",
            enabledPath: "grafana.persistence.enabled",
            fsGroupPath: "grafana.securityContext.fsGroup",
        },
        {
            what: "Alertmanager",
            classPath: "alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName",
            fsGroupPath: "alertmanager.alertmanagerSpec.securityContext.fsGroup",
        },
    ],
    [charts.loki.chart]: [
        {
            what: "Loki",
            classPath: "singleBinary.persistence.storageClass",
            enabledPath: "singleBinary.persistence.enabled",
            fsGroupPath: "loki.podSecurityContext.fsGroup",
        },
        {
            what: "Loki's compactor",
            classPath: "compactor.persistence.storageClass",
            enabledPath: "compactor.persistence.enabled",
            fsGroupPath: "loki.podSecurityContext.fsGroup",
        },
    ],
};

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"];

function podSpecOf(r: CheckedResource): Record<string, any> | undefined {
    const kind = kindOf(r.type);
    if (!r.type.startsWith("kubernetes:") || !WORKLOAD_KINDS.includes(kind)) return undefined;
    if (kind === "Pod") return r.props.spec;
    if (kind === "CronJob") return at(r.props, "spec.jobTemplate.spec.template.spec");
    return at(r.props, "spec.template.spec");
}

const nfsFsGroup: Rule = {
    name: "nfs-writers-set-fsgroup",
    description: "Every pod that mounts an NFS volume (an nfs volume, or a claim on an NFS class) sets securityContext.fsGroup.",
    lesson: "PermissionError writing logs to NFS",
    roles: EVERY_STACK,
    check(r, ctx) {
        if (isChart(r)) {
            const values = valuesOf(r);
            return (CHART_NFS_WRITERS[chartName(r)] ?? [])
                .filter((w) => (w.enabledPath === undefined || at(values, w.enabledPath) === true) && isNfsClass(at(values, w.classPath), ctx))
                .filter((w) => typeof at(values, w.fsGroupPath) !== "number")
                .map((w) => `${describe(r)}: ${w.what} writes to NFS class ${at(values, w.classPath)} but ${w.fsGroupPath} is not set`);
        }
        const spec = podSpecOf(r);
        if (!spec) return [];
        const namespace = r.props.metadata?.namespace;
        const nfsMounts: string[] = [];
        for (const v of (spec.volumes ?? []) as Record<string, any>[]) {
            if (v.nfs) nfsMounts.push(`volume ${v.name} (nfs ${v.nfs.server}:${v.nfs.path})`);
            const claim = v.persistentVolumeClaim?.claimName;
            const sc = claim && ctx.claimClasses.get(`${namespace}/${claim}`);
            if (isNfsClass(sc, ctx)) nfsMounts.push(`claim ${claim} on class ${sc}`);
        }
        for (const t of (r.props.spec?.volumeClaimTemplates ?? []) as Record<string, any>[]) {
            const sc = t.spec?.storageClassName;
            if (isNfsClass(sc, ctx)) nfsMounts.push(`claim template ${t.metadata?.name} on class ${sc}`);
        }
        if (nfsMounts.length === 0 || typeof spec.securityContext?.fsGroup === "number") return [];
        return [`${describe(r)} mounts NFS (${nfsMounts.join(", ")}) but sets no securityContext.fsGroup`];
    },
};

// ---------------------------------------------------------------------------------------------
// Log agent grace period at most 10 s

export const LOG_AGENTS = ["promtail", "alloy", "grafana-agent", "fluent-bit", "fluentd", "vector"];
export const MAX_LOG_AGENT_GRACE_SECONDS = 10;

const logAgentGrace: Rule = {
    name: "log-agent-grace-period",
    description: `The log agent's DaemonSet has terminationGracePeriodSeconds of at most ${MAX_LOG_AGENT_GRACE_SECONDS} and no NFS or claim volumes; a log-agent chart is rendered (helm.v4.Chart) so its DaemonSet is checked too.`,
    lesson: "a node took 40 s to shut down (log agent waiting on NFS)",
    roles: EVERY_STACK,
    check(r) {
        if (r.type === HELM_RELEASE && LOG_AGENTS.includes(chartName(r))) {
            return [
                `${describe(r)}: log agent chart ${chartName(r)} is a helm.v3.Release, whose DaemonSet no patch or policy can see; render it with helm.v4.Chart and patch terminationGracePeriodSeconds`,
            ];
        }
        if (r.type !== "kubernetes:apps/v1:DaemonSet") return [];
        const labels = { ...r.props.metadata?.labels, ...at(r.props, "spec.template.metadata.labels") };
        const agent = LOG_AGENTS.find((a) => labels["app.kubernetes.io/name"] === a || labels.app === a);
        if (!agent) return [];
        const spec = at(r.props, "spec.template.spec") ?? {};
        const out: string[] = [];
        const grace = spec.terminationGracePeriodSeconds;
        if (typeof grace !== "number" || grace > MAX_LOG_AGENT_GRACE_SECONDS) {
            out.push(
                `${describe(r)}: log agent ${agent} must set terminationGracePeriodSeconds to at most ${MAX_LOG_AGENT_GRACE_SECONDS} (has ${grace ?? "the default 30"})`,
            );
        }
        const remote = ((spec.volumes ?? []) as Record<string, any>[]).filter((v) => v.nfs || v.persistentVolumeClaim).map((v) => v.name);
        if (remote.length) out.push(`${describe(r)}: log agent ${agent} must not mount NFS or claims (${remote.join(", ")})`);
        return out;
    },
};

// ---------------------------------------------------------------------------------------------
// Every chart version pinned

const EXACT_SEMVER = /^\d+\.\d+\.\d+$/;
/** The `helm.sh/chart` label Helm charts put on every object: `<chart>-<version>`. */
const CHART_LABEL = "helm.sh/chart";

/**
 * Checks one chart against its pin, or against the source the policy config declares for a mirror.
 * `repo` is undefined where the engine does not know it (a helm.v4.Chart's rendered objects name
 * only the chart and version).
 */
function sourceProblem(what: string, chart: string, version: unknown, repo: string | undefined, ctx: StackContext): string[] {
    // First, even for a declared mirror: a range would let the chart move under checked values.
    if (typeof version !== "string" || !EXACT_SEMVER.test(version)) {
        return [`${what}: chart ${chart} version ${JSON.stringify(version ?? null)} is not an exact version (x.y.z)`];
    }
    const from = repo === undefined ? "" : ` from ${repo}`;
    const pin = Object.values(charts).find((c) => c.chart === chart);
    if (!pin) return [`${what}: chart ${chart}${from} is not pinned in components/versions.ts`];
    const declared = ctx.chartSources[chart];
    if (declared) {
        if ((repo === undefined || declared.repo === repo) && declared.version === version) return [];
        return [
            `${what}: chart ${chart}@${version}${from} differs from its source in the policy config chartSources (${chart}@${declared.version} from ${declared.repo})`,
        ];
    }
    if (repo !== undefined && pin.repo !== repo) {
        return [
            `${what}: chart ${chart} from ${repo} is neither its pin in components/versions.ts (${pin.repo}) nor declared in the policy config chartSources`,
        ];
    }
    if (pin.version !== version) {
        return [
            `${what}: chart ${chart}@${version} differs from its pin ${pin.version} in components/versions.ts and is not declared in the policy config chartSources`,
        ];
    }
    return [];
}

const chartPinned: Rule = {
    name: "chart-version-pinned",
    description:
        "Every Helm release uses an exact version and the repository and version of its pin in components/versions.ts, or of the mirror the policy config chartSources declares for it; a helm.v4.Chart, which the engine stores without inputs, is checked through the helm.sh/chart label of every object it renders.",
    lesson: "values keys checked against the chart (only possible against a known chart version)",
    roles: EVERY_STACK,
    check(r, ctx) {
        if (r.type === HELM_RELEASE) {
            const { chart, repo } = chartLocationOf(r);
            return sourceProblem(describe(r), chart, r.props.version, repo, ctx);
        }
        if (r.type !== HELM_CHART) return [];
        // Chart and version from Helm's label, the repository from the program's annotation.
        const rendered = ctx.children.get(r.urn) ?? [];
        const sources = new Map<string, [string, string | undefined]>();
        for (const c of rendered) {
            const label = c.props.metadata?.labels?.[CHART_LABEL];
            const repo = c.props.metadata?.annotations?.[CHART_SOURCE_ANNOTATION];
            if (typeof label === "string") sources.set(`${label} ${repo}`, [label, typeof repo === "string" ? repo : undefined]);
        }
        if (sources.size === 0) {
            return [`${describe(r)}: no object this helm.v4.Chart renders carries a ${CHART_LABEL} label, so its chart version cannot be checked`];
        }
        return [...sources.values()].flatMap(([label, repo]) => {
            const m = /^(.+)-(\d[^-]*)$/.exec(label);
            if (!m) return [`${describe(r)}: ${CHART_LABEL} label ${label} names no chart version`];
            if (repo === undefined)
                return [
                    `${describe(r)}: rendered objects of chart ${label} carry no ${CHART_SOURCE_ANNOTATION} annotation, so the repository they came from cannot be checked`,
                ];
            return sourceProblem(describe(r), m[1]!, m[2], repo, ctx);
        });
    },
};

// ---------------------------------------------------------------------------------------------
// Every resource on one of the stack's explicit providers

/** The engine's default provider of a package: `pulumi:providers:<pkg>::default` or `::default_<version>`. */
export function isDefaultProvider(urn: string | undefined): boolean {
    return urn !== undefined && /::pulumi:providers:[^:]+::default(_[0-9_]+)?$/.test(urn);
}

const explicitProviders: Rule = {
    name: "explicit-providers",
    description:
        "Every custom resource is managed by one of the stack's explicit providers, never by an engine default provider (which the program can neither configure nor protect; a default Kubernetes provider applies to whatever kube context is current).",
    lesson: "dev Prometheus showed prod namespaces (an env's objects go to the cluster and context its stack names, and nowhere else)",
    roles: EVERY_STACK,
    check(r) {
        return isDefaultProvider(r.provider)
            ? [`${kindOf(r.type)} ${r.name} is managed by the default provider ${r.provider!.split("::").pop()}; give it the env's explicit provider`]
            : [];
    },
};

// ---------------------------------------------------------------------------------------------
// No plaintext secret in chart values or ConfigMaps

/** Keys whose value is a credential even though the name ends like a reference (`apiKey`). */
const CREDENTIAL_KEY = /(client[_-]?secret|api[_-]?key|secret[_-]?(access[_-]?)?key|access[_-]?key|private[_-]?key)$/i;
/** Keys that name where a credential lives (a Secret, a key in it, a file), not the credential. */
const REFERENCE_KEY = /(^existing|(key|name|ref|file|path|secret|secrets)$)/i;
const SENSITIVE_KEY = /(password|passwd|token|secret|webhook|api[_-]?url|credential)/i;
/** Values that are references resolved elsewhere: env or file expansion, templates. */
const REFERENCE_VALUE = /^\$|\{\{|\$__(file|env)\{/;

export function isSensitiveKey(key: string): boolean {
    if (CREDENTIAL_KEY.test(key)) return true;
    if (REFERENCE_KEY.test(key)) return false;
    return SENSITIVE_KEY.test(key);
}

function plaintextSecrets(value: unknown, path: string): string[] {
    const found: string[] = [];
    for (const { path: p, obj } of objectsIn(value, path)) {
        // `{secretName, secretKey}` (Airflow's `secret` list and similar) names a key inside a Secret.
        const secretRef = typeof obj.secretName === "string";
        for (const [k, v] of Object.entries(obj)) {
            if (secretRef && k === "secretKey") continue;
            if (typeof v === "string" && v.trim() !== "" && isSensitiveKey(k) && !REFERENCE_VALUE.test(v.trim())) found.push(p ? `${p}.${k}` : k);
        }
    }
    return found;
}

/** A ConfigMap entry may itself be a YAML or JSON document (a config file). */
function parsedDocument(text: string): unknown {
    try {
        return yaml.load(text);
    } catch {
        return undefined;
    }
}

const noPlaintextSecret: Rule = {
    name: "no-plaintext-secret",
    description: "No password, token, secret, webhook or API key is written literally into chart values or a ConfigMap; reference an existing Secret instead.",
    lesson: "secret created in the wrong namespace (secrets are created by the program in their consumer's namespace and only referenced)",
    roles: EVERY_STACK,
    check(r) {
        let found: string[] = [];
        if (isChart(r)) found = plaintextSecrets(valuesOf(r), "values");
        else if (r.type === CONFIG_MAP) {
            const data = (r.props.data ?? {}) as Record<string, unknown>;
            found = plaintextSecrets(data, "data");
            for (const [k, v] of Object.entries(data)) {
                if (typeof v === "string" && v.includes("\n")) found.push(...plaintextSecrets(parsedDocument(v), `data.${k}`));
            }
        }
        return found.length ? [`${describe(r)} holds plaintext secrets at ${found.join(", ")}; reference an existing Secret instead`] : [];
    },
};

// ---------------------------------------------------------------------------------------------
// Prod volumes retained

/** Loki chart components whose StatefulSet may own claims (`<component>.persistence`). */
const LOKI_STATEFUL_CLAIMS = ["singleBinary", "ingester", "compactor"] as const;

/** The component that installs or adopts the env's local-path class (components/storage/localPath.ts). */
const LOCAL_PATH_STORAGE_TYPE = "mlops:storage:LocalPathStorage";

const prodRetained: Rule = {
    name: "protected-env-volumes-retained",
    description:
        "In a protected env (prod) and in the cluster stack every resource is protected, namespaces are retained on delete, and every volume outlives its claim, release and stack (reclaim policy Retain, Helm keep, Loki whenDeleted Retain).",
    lesson: "thousands of leftover NFS directories / data loss on destroy (prod volumes are retained)",
    roles: EVERY_STACK,
    check(r, ctx) {
        if (!ctx.protectedEnv) return [];
        // The engine's own resources: the root Stack and default providers exist outside the program,
        // which can neither protect them nor lose data through them (explicit-providers keeps every
        // resource of the program off the default providers).
        if (r.type === STACK || isDefaultProvider(r.urn)) return [];
        // An env's read of the cluster's Prometheus CRD (components/monitoring/crdRequirement.ts), and the
        // shared kube-system Namespace, which every stack only reads to check the cluster's identity: the
        // engine never protects a read, a read is never deleted, and no stack can create kube-system.
        if (r.type === CRD && typeOfUrn(r.parent) === CRD_REQUIREMENT_TYPE) return [];
        if (r.type === NAMESPACE && metaName(r) === SYSTEM_NAMESPACE) return [];
        const where = ctx.role === "cluster" ? "the cluster stack" : `protected env ${ctx.env}`;
        const out: string[] = [];
        // An adopted local-path class (storage.localPath.mode existing) is read, not created: no option
        // protects a read, and the stack never deletes it; its reclaim policy still counts (below).
        const adoptedClass = r.type === STORAGE_CLASS && typeOfUrn(r.parent) === LOCAL_PATH_STORAGE_TYPE && r.name.endsWith("-existing");
        if (!r.protect && !adoptedClass) out.push(`${describe(r)} in ${where} must be protected (protect: true)`);
        if (r.type === NAMESPACE && r.retainOnDelete === false) out.push(`${describe(r)} in ${where} must be retained on delete`);
        if (r.type === STORAGE_CLASS && r.props.reclaimPolicy !== "Retain") {
            out.push(`${describe(r)} in ${where} must use reclaimPolicy Retain (has ${r.props.reclaimPolicy ?? "the default Delete"})`);
        }
        if (r.type === PV && at(r.props, "spec.persistentVolumeReclaimPolicy") !== "Retain") {
            out.push(`${describe(r)} in ${where} must use persistentVolumeReclaimPolicy Retain`);
        }
        if (!isChart(r)) return out;
        const values = valuesOf(r);
        const need = (path: string, actual: unknown, want: unknown, why: string) => {
            if (actual !== want) out.push(`${describe(r)} in ${where}: ${path} must be ${JSON.stringify(want)} (${why})`);
        };
        switch (chartName(r)) {
            case charts.nfsSubdirProvisioner.chart:
                need("storageClass.reclaimPolicy", at(values, "storageClass.reclaimPolicy"), "Retain", "NFS volumes outlive their claims");
                need("storageClass.archiveOnDelete", at(values, "storageClass.archiveOnDelete"), true, "deleted claims are archived, never removed");
                break;
            case charts.kubePrometheusStack.chart:
                if (at(values, "grafana.persistence.enabled") === true) {
                    const keep = at(values, "grafana.persistence.annotations")?.["helm.sh/resource-policy"];
                    need('grafana.persistence.annotations["helm.sh/resource-policy"]', keep, "keep", "Helm keeps Grafana's claim");
                }
                break;
            case charts.loki.chart:
                // Every Loki StatefulSet that can delete its claims with it: the single binary, and
                // distributed mode's ingesters (WAL) and compactor.
                for (const component of LOKI_STATEFUL_CLAIMS) {
                    if (at(values, `${component}.persistence.enableStatefulSetAutoDeletePVC`) === true) {
                        need(
                            `${component}.persistence.whenDeleted`,
                            at(values, `${component}.persistence.whenDeleted`),
                            "Retain",
                            component === "singleBinary" ? "the StatefulSet keeps Loki's claim" : `the StatefulSet keeps Loki's ${component} claims`,
                        );
                    }
                }
                break;
        }
        return out;
    },
};

// ---------------------------------------------------------------------------------------------
// Every Ingress has TLS

function hostsOf(list: unknown): string[] {
    return Array.isArray(list) ? list.map((h) => (isObject(h) ? h.host : h)).filter((h): h is string => typeof h === "string") : [];
}

function uncoveredHosts(hosts: string[], tls: unknown): string[] {
    const covered = new Set(Array.isArray(tls) ? tls.flatMap((t) => (isObject(t) ? hostsOf(t.hosts) : [])) : []);
    return hosts.filter((h) => !covered.has(h));
}

const ingressTls: Rule = {
    name: "ingress-has-tls",
    description: "Every Ingress (a resource or a chart's ingress values) serves each of its hosts with TLS.",
    lesson: "a mistyped values key exposed /metrics (nothing is served in the clear)",
    roles: EVERY_STACK,
    check(r) {
        if (r.type === INGRESS) {
            const hosts = hostsOf(r.props.spec?.rules);
            const tls = r.props.spec?.tls;
            if (!Array.isArray(tls) || tls.length === 0) return [`${describe(r)} has no TLS section`];
            const bare = uncoveredHosts(hosts, tls);
            return bare.length ? [`${describe(r)} serves ${bare.join(", ")} without TLS`] : [];
        }
        if (!isChart(r)) return [];
        const out: string[] = [];
        for (const { path, key, obj } of objectsIn(valuesOf(r), "values")) {
            if (key !== "ingress" || obj.enabled !== true) continue;
            if (!Array.isArray(obj.tls) || obj.tls.length === 0) {
                out.push(`${describe(r)}: ingress ${path} has no TLS section`);
                continue;
            }
            const bare = uncoveredHosts(hostsOf(obj.hosts), obj.tls);
            if (bare.length) out.push(`${describe(r)}: ingress ${path} serves ${bare.join(", ")} without TLS`);
        }
        return out;
    },
};

// ---------------------------------------------------------------------------------------------
// Prometheus, Alertmanager and Loki are published only behind authentication

const NGINX = "nginx.ingress.kubernetes.io";
const AUTH_TYPE = `${NGINX}/auth-type`;
const AUTH_SECRET = `${NGINX}/auth-secret`;
const AUTH_URL = `${NGINX}/auth-url`;
/** Backends without a login of their own, by Service name or host. Grafana has its own login. */
const UNAUTHENTICATED_BACKEND = /prometheus|alertmanager|loki/;

/** Why an Ingress's annotations let requests through unauthenticated; undefined when they do not. */
function missingAuth(annotations: unknown): string | undefined {
    const a = isObject(annotations) ? annotations : {};
    if (typeof a[AUTH_URL] === "string" && a[AUTH_URL].trim() !== "") return undefined;
    const type = a[AUTH_TYPE];
    if (type === "basic" || type === "digest") {
        return typeof a[AUTH_SECRET] === "string" && a[AUTH_SECRET].trim() !== "" ? undefined : `${AUTH_TYPE} ${type} names no ${AUTH_SECRET}`;
    }
    return `neither ${AUTH_TYPE} with ${AUTH_SECRET} nor ${AUTH_URL}`;
}

/** Service names and hosts an Ingress resource routes to. */
function ingressTargets(spec: Record<string, any> | undefined): string[] {
    const rules: unknown[] = Array.isArray(spec?.rules) ? spec.rules : [];
    const backends = [
        spec?.defaultBackend,
        ...rules.flatMap((rule) => (isObject(rule) && Array.isArray(rule.http?.paths) ? rule.http.paths : []).map((p: any) => p?.backend)),
    ];
    return [...hostsOf(rules), ...backends.map((b) => b?.service?.name).filter((n): n is string => typeof n === "string")];
}

const observabilityIngressAuth: Rule = {
    name: "observability-ingress-authenticated",
    description:
        "Every Ingress of Prometheus, Alertmanager or Loki (a resource, or the ingress values of the kube-prometheus-stack and Loki charts; Grafana has its own login) authenticates: ingress-nginx auth-type with an auth-secret, or an auth-url.",
    lesson: "a mistyped values key exposed /metrics (nothing is published without authentication: Prometheus, Alertmanager and Loki have no login of their own)",
    roles: EVERY_STACK,
    check(r) {
        if (r.type === INGRESS) {
            const targets = ingressTargets(r.props.spec);
            if (!targets.some((t) => UNAUTHENTICATED_BACKEND.test(t))) return [];
            const why = missingAuth(r.props.metadata?.annotations);
            return why ? [`${describe(r)} publishes ${targets.join(", ")} without authentication: ${why}`] : [];
        }
        if (!isChart(r) || (chartName(r) !== charts.kubePrometheusStack.chart && chartName(r) !== charts.loki.chart)) return [];
        const out: string[] = [];
        for (const { path, key, obj } of objectsIn(valuesOf(r), "values")) {
            if ((key !== "ingress" && key !== "ingressPerReplica") || obj.enabled !== true || path.startsWith("values.grafana.")) continue;
            const why = missingAuth(obj.annotations);
            if (why) out.push(`${describe(r)}: ingress ${path} publishes without authentication: ${why}`);
        }
        return out;
    },
};

export const RULES: readonly Rule[] = [
    tsdbNotOnNfs,
    monitorsOwnEnv,
    noCrossEnv,
    webhooksOwnEnv,
    controllersWriteOwnEnv,
    nfsFsGroup,
    logAgentGrace,
    chartPinned,
    explicitProviders,
    noPlaintextSecret,
    prodRetained,
    ingressTls,
    observabilityIngressAuth,
];

/** Runs every rule that applies to the stack over every resource of it. */
export function evaluate(resources: readonly CheckedResource[], config: GuardrailConfig = DEFAULT_CONFIG, rules = RULES): Violation[] {
    const ctx = stackContext(resources, config);
    return rules
        .filter((rule) => appliesTo(rule, ctx))
        .flatMap((rule) => resources.flatMap((r) => rule.check(r, ctx).map((message) => ({ policy: rule.name, urn: r.urn, message }))));
}
