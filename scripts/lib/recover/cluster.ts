/**
 * Which pending creates the killed run did get to create: asked of the stack's cluster with
 * read-only `kubectl get` commands, in the stack's kube context (`cluster.context`) and, when the
 * stack keeps its kubeconfig as secret config, with that kubeconfig in a temporary 0600 file that
 * is removed afterwards. Any doubt (no kubectl, cluster unreachable, an unknown resource type)
 * stops recovery before anything is changed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RecoverError } from "./errors";
import { readStackFile } from "./stackFile";
import { KubeObject } from "./identity";
import { Runner, commandLine, configSecret, firstLines } from "./pulumiCli";

export interface ClusterSettings {
    /** `cluster.context` of the stack file. */
    readonly context: string;
    /** The stack file holds `<project>:kubeconfig` (secret config): kubectl must use it, not ~/.kube/config. */
    readonly secretKubeconfig: boolean;
}

/** The cluster a stack manages, from its Pulumi.<stack>.yaml. */
export function clusterSettings(root: string, project: string, stack: string): ClusterSettings {
    const { file, doc } = readStackFile(root, stack);
    const cluster = doc.config?.[`${project}:cluster`] as { context?: unknown } | undefined;
    const context = typeof cluster === "object" && cluster !== null ? cluster.context : undefined;
    if (typeof context !== "string" || context.trim() === "") throw new RecoverError(`${file} has no ${project}:cluster.context`);
    return { context, secretKubeconfig: doc.config?.[`${project}:kubeconfig`] !== undefined };
}

/**
 * The read-only command that prints the object's name when it exists and nothing when it does not.
 * A Helm release is found by the Secrets Helm keeps for its revisions (`owner=helm,name=<release>`).
 */
export function existenceCommand(object: KubeObject, context: string): string[] {
    const k = ["kubectl", "--context", context, "get"];
    if (object.resource === undefined) return [...k, "secret", "-n", object.namespace!, "-l", `owner=helm,name=${object.name}`, "-o", "name"];
    return [...k, object.resource, object.name, ...(object.namespace ? ["-n", object.namespace] : []), "-o", "name", "--ignore-not-found"];
}

const KUBECTL_TIMEOUT_MS = 60_000;

/**
 * Runs each check; returns, per key, the names kubectl printed (empty: the object does not exist).
 * Stops at the first check that cannot answer, changing nothing.
 */
export function findObjects(
    run: Runner,
    checks: ReadonlyArray<{ readonly key: string; readonly argv: readonly string[] }>,
    kubeconfigFile?: string,
): Map<string, string[]> {
    const found = new Map<string, string[]>();
    for (const { key, argv } of checks) {
        const actual = kubeconfigFile ? [argv[0]!, "--kubeconfig", kubeconfigFile, ...argv.slice(1)] : [...argv];
        const result = run(actual, { timeoutMs: KUBECTL_TIMEOUT_MS });
        const shown = commandLine(argv);
        if (result.error?.code === "ENOENT") {
            throw new RecoverError(
                `kubectl is not on PATH, so which pending objects exist in the cluster cannot be checked; nothing was changed. ` +
                    `Install kubectl, or run the checks by hand where the cluster is reachable, starting with: ${shown}`,
            );
        }
        if (result.error || result.status !== 0) {
            const why = result.error ? result.error.message : `exit code ${result.status}: ${firstLines(result.stderr)}`;
            throw new RecoverError(
                `\`${shown}\` failed (${why}): cannot tell whether the object exists, so nothing was changed. ` +
                    `Check that the cluster is reachable with that context, and run the command by hand.`,
            );
        }
        found.set(
            key,
            result.stdout
                .split("\n")
                .map((l) => l.trim())
                .filter((l) => l !== ""),
        );
    }
    return found;
}

/**
 * Calls `use` with the path of the stack's secret kubeconfig (from `pulumi config get kubeconfig`)
 * in a private temporary directory, or with undefined when the stack keeps none; the file is
 * removed whatever happens.
 */
export function withStackKubeconfig<T>(run: Runner, stack: string, settings: ClusterSettings, use: (file: string | undefined) => T): T {
    if (!settings.secretKubeconfig) return use(undefined);
    const value = configSecret(run, stack, "kubeconfig");
    const dir = mkdtempSync(path.join(os.tmpdir(), "recover-kubeconfig-"));
    try {
        const file = path.join(dir, "kubeconfig");
        writeFileSync(file, value, { mode: 0o600 });
        return use(file);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
