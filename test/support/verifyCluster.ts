/**
 * Two observability stacks of one env on loopback, as `npm run verify` would meet them: a clean
 * one, and a leaking one that also holds the other env's namespaces, rule group, log streams and
 * a down target, with kube-prometheus-stack's default Alertmanager config. Prometheus and
 * Alertmanager are the real servers; Loki and Grafana are fakes speaking their documented APIs.
 * Every name comes from the two stacks' outputs and the naming module.
 */
import * as yaml from "js-yaml";
import { NULL_RECEIVER } from "../../components/monitoring/alertmanagerConfig";
import { SYSTEM_NAMESPACE, envNames } from "../../components/naming";
import { VerifyOutputs } from "../../scripts/lib/verify/outputs";
import { isSecretValue } from "../../scripts/lib/mockRuntime";
import { SECRET } from "../../components/resourceTypes";
import { FakeLoki, LogStream, startFakeGrafana, startFakeLoki, startMetricsTarget } from "./fakeServices";
import { StackRun } from "./harness";
import { PrometheusSetup, RunningServer, freePort, startAlertmanager, startPrometheus } from "./realServers";

export const GRAFANA_AUTH = { user: "verify-admin", password: "s3cret-never-printed" };

export interface Cluster {
    readonly prometheus: RunningServer;
    readonly alertmanager: RunningServer;
    readonly loki: FakeLoki;
    readonly grafana: RunningServer;
}

/** kube-prometheus-stack 88.x `alertmanager.config` default: the `null` receiver only. */
export const CHART_DEFAULT_ALERTMANAGER_CONFIG = {
    global: { resolve_timeout: "5m" },
    route: {
        group_by: ["namespace"],
        group_wait: "30s",
        group_interval: "5m",
        repeat_interval: "12h",
        receiver: NULL_RECEIVER,
        routes: [{ receiver: NULL_RECEIVER, matchers: ['alertname = "Watchdog"'] }],
    },
    receivers: [{ name: NULL_RECEIVER }],
};

/** The Alertmanager config the program renders for the env (its Secret's `alertmanager.yaml`), as is. */
export function programAlertmanagerConfig(run: StackRun, env: string): Record<string, any> {
    const secretName = envNames(env, "").secrets.alertmanagerConfig;
    const secret = run.run.resources.find((r) => r.type === SECRET && (r.inputs.metadata as any)?.name === secretName);
    const stringData = secret?.inputs.stringData;
    if (!isSecretValue(stringData)) throw new Error(`the ${env} stack renders no secret ${secretName}`);
    const config = yaml.load((stringData.value as Record<string, string>)["alertmanager.yaml"]) as Record<string, any>;
    // The webhook is read from a file (api_url_file) only when a notification is sent.
    return config;
}

const envNamespaces = (o: VerifyOutputs) => Object.values(o.namespaces);

/** Samples every 15 s over the last ten minutes up to 30 s ago: inside the TSDB and the 5 min lookback. */
function openMetrics(series: string[], nowS: number): string[] {
    const times = Array.from({ length: 39 }, (_, i) => nowS - 600 + i * 15);
    return series.flatMap((s) => times.map((t) => `${s} 1 ${t}`));
}

function podSeries(namespaces: string[], cadvisorNamespaces: string[]): string[] {
    return [
        ...namespaces.map((ns) => `kube_pod_info{namespace="${ns}",pod="${ns}-0"}`),
        ...cadvisorNamespaces.map((ns) => `container_cpu_usage_seconds_total{namespace="${ns}",pod="${ns}-0",container="app"}`),
        // Node-level cAdvisor series have no namespace and must never count as a leak.
        `container_cpu_usage_seconds_total{id="/"}`,
    ];
}

const ruleGroup = (name: string) => ({ groups: [{ name, rules: [{ record: `verify:${name.replace(/\W/g, "_")}`, expr: "vector(1)" }] }] });

/** prometheus-operator names rule files `<namespace>-<PrometheusRule name>-<uid>.yaml`. */
const ruleFile = (namespace: string, rule: string) => `${namespace}-${rule}-0f3c.yaml`;

/** `other` is the other env's outputs; only a `leaking` cluster holds its data inside the checked window. */
export async function startCluster(dev: VerifyOutputs, devRun: StackRun, other: VerifyOutputs, leaking: boolean): Promise<Cluster> {
    const now = Date.now();
    const names = envNames(dev.env, "");
    const targets = await Promise.all([startMetricsTarget(), startMetricsTarget(), startMetricsTarget()]);
    const host = (s: RunningServer) => s.url.replace("http://", "");
    const envPods = [...envNamespaces(dev), SYSTEM_NAMESPACE];
    const otherPods = leaking ? envNamespaces(other) : [];
    const prometheus: PrometheusSetup = {
        openMetrics: openMetrics(podSeries([...envPods, ...otherPods], [...envPods, ...(leaking ? [other.namespaces.fastapi] : [])]), Math.floor(now / 1000)),
        ruleFiles: {
            [ruleFile(dev.namespaces.monitoring, "platform-rules")]: ruleGroup("platform.rules"),
            [ruleFile(dev.namespaces.monitoring, `${dev.releases.monitoring}-kubernetes-apps`)]: ruleGroup("kubernetes-apps"),
            ...(leaking ? { [ruleFile(other.namespaces.monitoring, "platform-rules")]: ruleGroup("platform.rules") } : {}),
        },
        scrapeJobs: [
            { job: names.workloads.fastapi.job, targets: [host(targets[0])] },
            // The Loki chart's ServiceMonitor rewrites job to `<namespace>/<service>`.
            { job: `${dev.namespaces.observability}/${dev.releases.loki}`, targets: [host(targets[1])] },
            // In the leaking cluster the log agent is down: nothing listens on its port.
            { job: dev.logAgent!.job, targets: [leaking ? `127.0.0.1:${await freePort()}` : host(targets[2])] },
            // Every env scrapes the API server, whose `kubernetes` Service lives in `default`: not a leak.
            { job: "apiserver", targets: [host(targets[0])], labels: { namespace: "default" } },
            ...(leaking
                ? [{ job: envNames(other.env, "").workloads.fastapi.job, targets: [host(targets[2])], labels: { namespace: other.namespaces.fastapi } }]
                : []),
        ],
    };
    const ns = (ms: number) => BigInt(ms) * 1_000_000n;
    const streams: LogStream[] = [
        ...envPods.map((namespace) => ({ labels: { namespace, pod: `${namespace}-0` }, at: ns(now - 5 * 60_000) })),
        // Outside the one-hour window: never reported, even though it is the other env's.
        { labels: { namespace: other.namespaces.monitoring, pod: "stale" }, at: ns(now - 2 * 3600_000) },
        ...otherPods.slice(0, 2).map((namespace) => ({ labels: { namespace, pod: `${namespace}-0` }, at: ns(now - 10 * 60_000) })),
    ];
    const { alertmanager: alertmanagerUid, ...withHealth } = dev.grafanaDatasourceUids;
    const health = Object.fromEntries(
        Object.entries(withHealth).map(([kind, uid]) => [
            uid,
            leaking && kind === "loki"
                ? { ok: false, message: "Unable to connect with Loki. Please check the server logs for more details." }
                : { ok: true, message: `${kind} fixture is working` },
        ]),
    );
    const [prom, am, loki] = await Promise.all([
        startPrometheus(prometheus),
        startAlertmanager(leaking ? CHART_DEFAULT_ALERTMANAGER_CONFIG : programAlertmanagerConfig(devRun, dev.env)),
        startFakeLoki(streams),
    ]);
    // Grafana reaches the real Alertmanager through its datasource proxy, as it would in the cluster.
    const grafana = await startFakeGrafana(GRAFANA_AUTH, health, { [alertmanagerUid]: am.url });
    const stopTargets = () => Promise.all(targets.map((t) => t.stop())).then(() => undefined);
    return { prometheus: { ...prom, stop: () => Promise.all([prom.stop(), stopTargets()]).then(() => undefined) }, alertmanager: am, loki, grafana };
}

export const stopCluster = (c?: Cluster) => (c ? Promise.all([c.prometheus, c.alertmanager, c.loki, c.grafana].map((s) => s.stop())) : undefined);
