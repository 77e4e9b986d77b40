/**
 * What every rule shares: the resource it looks at (CheckedResource), the policy configuration,
 * and the context derived from the whole stack (stackContext) that tells a rule whose stack it
 * checks. The rules themselves are policy/rules/<policy name>.ts, listed in policy/rules/index.ts.
 */
import { ENV_LABEL } from "../components/naming";
import { NAMESPACE, PVC, STORAGE_CLASS } from "../components/resourceTypes";
import { charts } from "../components/versions";
import { CHART_LABEL, at, chartName, isChart, metaName, valuesOf } from "./values";

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

export const EVERY_STACK: readonly StackRole[] = ["env", "cluster"];
export const ENV_STACKS: readonly StackRole[] = ["env"];

/** Whether `rule` checks a stack of the context's role (a rule that does not passes there: nothing to report). */
export function appliesTo(rule: Rule, ctx: StackContext): boolean {
    return rule.roles.includes(ctx.role);
}

/** The lesson of the rules that keep cluster-wide hooks and permissions to their own env. */
export const CLUSTER_HOOK_LESSON =
    "one env's operator mutated, validated and could rewrite the other env's objects (cluster-wide hooks and permissions act on their own env only)";

export interface Violation {
    readonly policy: string;
    readonly urn: string;
    readonly message: string;
}

export function isNfsClass(name: unknown, ctx: StackContext): name is string {
    return typeof name === "string" && (ctx.nfsClasses.has(name) || /nfs/i.test(name));
}

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
