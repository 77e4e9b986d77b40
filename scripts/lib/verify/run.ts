/** One verification run: resolve where each service answers, run every check at once, build the report. */
import { alertmanagerChecks } from "./alertmanager";
import { VerifyArgs, Via } from "./args";
import { Service, VerifyContext } from "./context";
import { grafanaChecks } from "./grafana";
import { ingressAuth } from "./ingressAuth";
import { lokiChecks } from "./loki";
import { VerifyOutputs } from "./outputs";
import { prometheusChecks } from "./prometheus";
import { Report, buildReport } from "./report";
import { envScope } from "./scope";

/** Which outputs field holds each service's base URL, per way of reaching the cluster. */
const BASE_FIELDS: Record<Via, { field: "urls" | "endpoints"; keys: Record<Service, string> }> = {
    ingress: { field: "urls", keys: { prometheus: "prometheus", alertmanager: "alertmanager", loki: "loki", grafana: "grafana" } },
    cluster: { field: "endpoints", keys: { prometheus: "prometheus", alertmanager: "alertmanager", loki: "lokiQuery", grafana: "grafana" } },
};

export function resolveBases(outputs: VerifyOutputs, args: Pick<VerifyArgs, "via" | "urls">): Record<Service, string> {
    const { field, keys } = BASE_FIELDS[args.via];
    const services = Object.keys(keys) as Service[];
    return Object.fromEntries(services.map((s) => [s, args.urls[s] ?? outputs[field][keys[s]] ?? ""])) as Record<Service, string>;
}

/** A URL as it may be printed: credentials in it are dropped. */
const printable = (base: string) => base.replace(/\/\/[^/@]*@/, "//");

export async function verify(outputs: VerifyOutputs, args: VerifyArgs, extras: { ca?: Buffer; now?: () => number } = {}): Promise<Report> {
    const scope = envScope(outputs);
    const bases = resolveBases(outputs, args);
    const ctx: VerifyContext = {
        scope,
        outputs,
        bases,
        http: { timeoutMs: args.timeoutMs, ca: extras.ca, insecure: args.insecure },
        grafanaAuth:
            args.grafanaUser !== undefined && args.grafanaPassword !== undefined ? { user: args.grafanaUser, password: args.grafanaPassword } : undefined,
        ingressAuth: ingressAuth(outputs, args, bases),
        now: extras.now ?? Date.now,
    };
    const checks = await Promise.all([
        ...prometheusChecks(ctx),
        ...alertmanagerChecks(ctx),
        ...lokiChecks(ctx, args.lokiNamespaces ?? scope.namespaces),
        ...grafanaChecks(ctx),
    ]);
    const targets = Object.fromEntries(Object.entries(bases).map(([s, b]) => [s, printable(b)]));
    return buildReport(outputs.env, targets, checks);
}
