/**
 * Alertmanager check: the running config is the program's (a receiver for this env next to
 * `null`, Watchdog routed to `null`, shared infrastructure where the outputs say), not
 * kube-prometheus-stack's default, which has the `null` receiver only. Routing is evaluated the
 * way Alertmanager does it, on the live config.
 */
import * as yaml from "js-yaml";
import { NULL_RECEIVER, sharedInfrastructureReceiver } from "../../../components/monitoring/alertmanagerConfig";
import { CHART_JOBS, SYSTEM_NAMESPACE } from "../../../components/naming";
import { CheckResult } from "./report";
import { FormatError, VerifyContext, fail, guarded, ingressGetJson, list, pass } from "./context";
import { apiUrl } from "./http";

interface Route {
    receiver?: string;
    matchers?: string[];
    match?: Record<string, string>;
    match_re?: Record<string, string>;
    continue?: boolean;
    routes?: Route[];
}

type Matcher = (labels: Record<string, string>) => boolean;

/** Alertmanager's matcher syntax (`name="value"`, `=~`, `!=`, `!~`; value quoted or bare); regexes are anchored. */
export function parseMatcher(text: string): Matcher {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
    if (!m) throw new FormatError(`Alertmanager config: cannot read matcher ${JSON.stringify(text)}`);
    const [, name, op, raw] = m;
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    const re = new RegExp(`^(?:${value})$`);
    const get = (labels: Record<string, string>) => labels[name] ?? "";
    switch (op) {
        case "=":
            return (l) => get(l) === value;
        case "!=":
            return (l) => get(l) !== value;
        case "=~":
            return (l) => re.test(get(l));
        default:
            return (l) => !re.test(get(l));
    }
}

function routeMatches(route: Route, labels: Record<string, string>): boolean {
    const matchers = [
        ...(route.matchers ?? []).map(parseMatcher),
        ...Object.entries(route.match ?? {}).map(([k, v]) => parseMatcher(`${k}=${JSON.stringify(v)}`)),
        ...Object.entries(route.match_re ?? {}).map(([k, v]) => parseMatcher(`${k}=~${JSON.stringify(v)}`)),
    ];
    return matchers.every((m) => m(labels));
}

/** Receivers an alert reaches: depth-first, first matching child wins unless it says `continue`. */
export function receiversFor(route: Route, labels: Record<string, string>, inherited = NULL_RECEIVER): string[] {
    const receiver = route.receiver ?? inherited;
    const found: string[] = [];
    for (const child of route.routes ?? []) {
        if (!routeMatches(child, labels)) continue;
        found.push(...receiversFor(child, labels, receiver));
        if (!child.continue) break;
    }
    return found.length ? found : [receiver];
}

/** The labels Watchdog fires with in kube-prometheus-stack's default rules. */
export const WATCHDOG_LABELS = { alertname: "Watchdog", severity: "none" };

async function configCheck(ctx: VerifyContext, id: string): Promise<CheckResult> {
    const { body } = await ingressGetJson(ctx, apiUrl(ctx.bases.alertmanager, "/api/v2/status"));
    const original = (body as { config?: { original?: unknown } }).config?.original;
    if (typeof original !== "string") throw new FormatError("Alertmanager /api/v2/status: no config.original");
    const config = yaml.load(original) as { route?: Route; receivers?: { name: string }[] };
    if (!config?.route) throw new FormatError("Alertmanager /api/v2/status: the config has no route");
    const receivers = (config.receivers ?? []).map((r) => r.name);
    const { env, names } = ctx.scope;
    const expected = [NULL_RECEIVER, names.receivers.slack];
    const watchdog = receiversFor(config.route, WATCHDOG_LABELS);
    // Where an alert of this env and one of another env's namespace end up, on the live route tree.
    // The env's own stands in the monitoring namespace, which every env has whatever workloads it runs.
    const own = receiversFor(config.route, { alertname: "VerifyProbe", severity: "critical", namespace: names.namespaces.monitoring });
    // Any namespace that is not this env's stands for the other env's (the verify knows no other env).
    const otherNamespace = `fastapi-not${env}`;
    const foreign = receiversFor(config.route, { alertname: "VerifyProbe", severity: "critical", namespace: otherNamespace });
    // Alerts both envs receive alike: only the env that pages for shared infrastructure sends them to Slack.
    const sharedExpected = sharedInfrastructureReceiver(names, ctx.outputs.alerting.sharedInfrastructure);
    const sharedProbes: [string, Record<string, string>][] = [
        [`an alert from ${SYSTEM_NAMESPACE}`, { alertname: "VerifyProbe", severity: "critical", namespace: SYSTEM_NAMESPACE }],
        ["an alert without namespace", { alertname: "VerifyProbe", severity: "critical" }],
        [
            "a node-exporter host alert",
            { alertname: "NodeVerifyProbe", severity: "critical", job: CHART_JOBS.nodeExporter, namespace: names.namespaces.monitoring },
        ],
    ];
    const problems: string[] = [];
    if (!receivers.includes(NULL_RECEIVER)) problems.push(`no "${NULL_RECEIVER}" receiver`);
    if (!receivers.includes(names.receivers.slack)) {
        problems.push(`no receiver ${names.receivers.slack} (receivers: ${list(receivers)}): this looks like the chart's default config, not the program's`);
    }
    const unexpected = receivers.filter((r) => !expected.includes(r));
    if (unexpected.length) problems.push(`receivers the program does not define: ${list(unexpected)}`);
    if (watchdog.join() !== NULL_RECEIVER) problems.push(`Watchdog reaches ${list(watchdog)}, expected only "${NULL_RECEIVER}"`);
    if (receivers.includes(names.receivers.slack) && own.join() !== names.receivers.slack) {
        problems.push(`a critical alert from ${names.namespaces.monitoring} reaches ${list(own)}, expected ${names.receivers.slack}`);
    }
    if (foreign.join() !== NULL_RECEIVER)
        problems.push(`an alert from namespace ${otherNamespace} (not this env's) reaches ${list(foreign)}, expected only "${NULL_RECEIVER}"`);
    const sharedSeen = new Set<string>();
    for (const [what, labels] of sharedProbes) {
        const got = receiversFor(config.route, labels);
        got.forEach((r) => sharedSeen.add(r));
        if (got.join() !== sharedExpected)
            problems.push(`${what} reaches ${list(got)}, expected only ${sharedExpected} (outputs alerting.sharedInfrastructure)`);
    }
    const seen = `receivers: ${list(receivers)}; Watchdog -> ${list(watchdog)}; shared infrastructure -> ${list([...sharedSeen])}`;
    return problems.length ? fail(id, `${problems.join("; ")} [${seen}]`) : pass(id, seen);
}

export function alertmanagerChecks(ctx: VerifyContext): Promise<CheckResult>[] {
    return [guarded("alertmanager.config", (id) => configCheck(ctx, id))];
}
