/**
 * Which cluster a stack manages. The program's Kubernetes provider is explicit, so it reads nothing
 * of the ambient kube context and nothing of `kubernetes:*` stack config: the stack names its
 * kubeconfig context (`cluster.context`), may hold the whole kubeconfig as secret config
 * (`kubeconfig`), and pins the cluster's identity (`cluster.kubeSystemUid`, the UID of its
 * `kube-system` Namespace), which a protected stack must do.
 */
import * as yaml from "js-yaml";
import { secretString } from "./fields";
import { ObjectReader, Problems, describeValue, isPlainObject } from "./reader";

export interface ClusterConfig {
    /** The kubeconfig context the provider uses, whatever context is current. */
    readonly context: string;
    /** UID of the cluster's `kube-system` Namespace: every preview and up stops when the live one differs. */
    readonly kubeSystemUid?: string;
}

/** Kubernetes object UIDs are RFC 4122 UUIDs in lowercase. */
export const KUBE_UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The command that prints what `cluster.kubeSystemUid` pins. */
export const KUBE_SYSTEM_UID_COMMAND = "kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'";

const UID_EXPECTED = `the UID of the cluster's kube-system Namespace (${KUBE_SYSTEM_UID_COMMAND})`;

export function readCluster(top: ObjectReader, protect: boolean): ClusterConfig {
    const c = top.object("cluster");
    const context = c.string("context", {
        required: true,
        expected: "the kubeconfig context of the stack's cluster (kubectl config get-contexts -o name)",
        // Context names are free-form (`kubernetes-admin@kubernetes`, `arn:aws:eks:…`), never blank-padded.
        check: (v) => /^\S(.*\S)?$/.test(v),
    });
    // A protected stack must never be applied to another cluster its context happens to reach.
    const missing = protect && !c.has("kubeSystemUid");
    const uid = c.string("kubeSystemUid", { expected: missing ? `${UID_EXPECTED} on a protected stack` : UID_EXPECTED, pattern: KUBE_UID, required: protect });
    c.done();
    return uid === "" ? { context } : { context, kubeSystemUid: uid };
}

/**
 * The secret `kubeconfig` key: the whole kubeconfig document, which must define the context the
 * stack names. Absent, the provider reads KUBECONFIG or ~/.kube/config, still with that context.
 */
export function readKubeconfig(top: ObjectReader, secretKeys: ReadonlySet<string>, context: string): string | undefined {
    const expected = "a kubeconfig document (YAML or JSON with clusters, contexts and users)";
    const kubeconfig = secretString(top, secretKeys, "kubeconfig", { expected, check: (v) => contextsOf(v) !== undefined });
    const contexts = kubeconfig === undefined ? undefined : contextsOf(kubeconfig);
    if (contexts && context && !contexts.includes(context)) {
        top.problems.add("kubeconfig", `a kubeconfig that defines the context "${context}" named by cluster.context`, describeValue(kubeconfig, true));
    }
    return kubeconfig;
}

/** The context names a kubeconfig document defines; undefined when it is no kubeconfig. */
function contextsOf(text: string): string[] | undefined {
    let doc: unknown;
    try {
        doc = yaml.load(text);
    } catch {
        return undefined;
    }
    if (!isPlainObject(doc) || !Array.isArray(doc.contexts)) return undefined;
    return doc.contexts.map((c: unknown) => (isPlainObject(c) && typeof c.name === "string" ? c.name : "")).filter((n) => n !== "");
}

/**
 * Where each `kubernetes:*` setting the program's explicit provider ignores belongs instead. The
 * provider reads only what the program gives it: a `kubernetes:*` line would change nothing.
 */
function kubernetesKeyInstead(key: string, project: string): string | undefined {
    const instead: Readonly<Record<string, string>> = {
        context: `set ${project}:cluster.context instead`,
        kubeconfig: `set the secret ${project}:kubeconfig instead (pulumi config set --secret kubeconfig < <file>)`,
        cluster: `set ${project}:cluster.context to a context of that cluster instead`,
        namespace: "every object the program creates names its env's namespace; remove it",
    };
    return instead[key];
}

/** Packages whose providers the program constructs itself, so their stack config is never read. */
const EXPLICIT_PROVIDER_PACKAGES = ["kubernetes", "random"];

/** Every stack config key of a package with an explicit provider is a problem: nothing reads it. */
export function checkForeignKeys(problems: Problems, foreignKeys: readonly string[], project: string): void {
    for (const fullKey of foreignKeys) {
        const [pkg, ...rest] = fullKey.split(":");
        if (!EXPLICIT_PROVIDER_PACKAGES.includes(pkg!)) continue;
        const instead = (pkg === "kubernetes" ? kubernetesKeyInstead(rest.join(":"), project) : undefined) ?? "remove it";
        problems.addForeign(fullKey, `not read by this program (its provider is explicit); ${instead}`);
    }
}

/**
 * A stand-in for a secret kubeconfig the offline plan cannot decrypt: a document that defines the
 * stack's context, so the schema accepts it; `token` makes it recognisable if it ever leaked.
 */
export function kubeconfigPlaceholder(context: string, token: string): string {
    return yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "placeholder", cluster: { server: `https://${token}.invalid` } }],
        users: [{ name: "placeholder", user: { token } }],
        contexts: [{ name: context, context: { cluster: "placeholder", user: "placeholder" } }],
        "current-context": context,
    });
}
