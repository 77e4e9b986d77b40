/**
 * What belongs to the env under verification, derived from its stack outputs and the naming
 * module only: the env's namespaces, the shared system namespace, and how to recognise an object
 * of another env without knowing that env's name.
 */
import { EnvNames, createdNamespaces, envNames } from "../../../components/naming";
import { VerifyOutputs } from "./outputs";

export interface EnvScope {
    readonly env: string;
    /** Env-derived names; the domain is irrelevant to everything the checks read from it. */
    readonly names: EnvNames;
    /** The env's namespaces as the outputs list them, sorted, without those of switched-off workloads (never created). */
    readonly namespaces: readonly string[];
    /** Regex source (to be anchored) of the namespaces the env may see; Loki selectors use it as is. */
    readonly allowedNamespacePattern: string;
    isAllowedNamespace(namespace: string): boolean;
    /** Namespaces seen that are neither the env's nor kube-system, sorted and unique. */
    leaked(seen: Iterable<string>): string[];
    /**
     * The other env's namespace a prometheus-operator rule file belongs to, if any. The operator
     * names rule files `<namespace>-<PrometheusRule name>-<uid>.yaml`, so a file whose name starts
     * with one of this env's namespace prefixes but another env token is another env's rule.
     */
    foreignRuleNamespace(file: string): string | undefined;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function envScope(outputs: VerifyOutputs): EnvScope {
    const env = outputs.env;
    const names = envNames(env, "");
    const namespaces = [...new Set(Object.values(createdNamespaces(outputs.namespaces, outputs.workloads)))].sort();
    // The env's namespaces plus the log agent's own filter (`.*-<env>|kube-system`), so verify and deploy agree.
    const allowedNamespacePattern = [...namespaces.map(escapeRegex), names.logNamespaceRegex].join("|");
    const allowed = new RegExp(`^(?:${allowedNamespacePattern})$`);
    const isAllowedNamespace = (ns: string) => allowed.test(ns);
    const prefixes = namespaces.filter((ns) => ns.endsWith(`-${env}`)).map((ns) => escapeRegex(ns.slice(0, -env.length - 1)));
    const ruleFile = new RegExp(`^(${prefixes.join("|")})-([a-z][a-z0-9]*)-`);
    return {
        env,
        names,
        namespaces,
        allowedNamespacePattern,
        isAllowedNamespace,
        leaked: (seen) => [...new Set(seen)].filter((ns) => !isAllowedNamespace(ns)).sort(),
        foreignRuleNamespace(file) {
            const m = prefixes.length ? ruleFile.exec(file.split("/").pop() ?? "") : null;
            return m && m[2] !== env ? `${m[1]}-${m[2]}` : undefined;
        },
    };
}
