/**
 * Alerting as code, checked by the field's validators: amtool on the Alertmanager config and its
 * routing, promtool on the alert library (syntax and unit tests with firing and non-firing input),
 * and Loki's own parser on the log alert rules.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { THRESHOLDS } from "../../components/monitoring/alertRules";
import { MINIMAL_CONFIG, StackRun, resourcesOfType, runLoaded, stackFromConfig, useBothStacks, valuesOf } from "../support/harness";
import { CONFIG_MAP, PROMETHEUS_RULE } from "../../components/resourceTypes";
import {
    alertmanagerDir,
    amtoolCheckConfig,
    amtoolReceivers,
    amtoolRoute,
    checkLogql,
    useLogqlChecker,
    promtoolCheckRules,
    promtoolTestRules,
    writeFiles,
} from "../support/validators";

const runs: Record<string, StackRun> = useBothStacks();
const checker = useLogqlChecker();

interface RuleFile {
    groups: { name: string; rules: { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
}

const rulesOf = (env: string, file: string) => yaml.load(runs[env].plan.artifacts[`rules/${file}`]) as RuleFile;

type Series = { series: string; values: string };
type Case = { name: string; input: Series[]; evalTime: string; alert: string; expected: Record<string, string>[] };

/** Input series that make each alert of the library fire, and look-alikes that must not. */
function unitCases(env: string, other: string, tsdbClaimBytes: number): Case[] {
    const fa = `namespace="fastapi-${env}",job="fastapi-${env}"`;
    const faOther = `namespace="fastapi-${other}",job="fastapi-${other}"`;
    const fastapi = { namespace: `fastapi-${env}`, job: `fastapi-${env}` };
    const obs = `observability-${env}`;
    const req = (labels: string, status: string, values: string) => ({
        series: `http_requests_total{${labels},handler="/predict",method="POST",status="${status}"}`,
        values,
    });
    const buckets = (labels: string, counts: [number, number, number]) =>
        (["0.1", "0.5", "1", "+Inf"] as const).map((le, i) => ({
            series: `http_request_duration_seconds_bucket{${labels},handler="/predict",method="POST",le="${le}"}`,
            values: `0+${counts[Math.min(i, 2)]}x40`,
        }));
    const push = (ns: string, code: string, per: number) => ({
        series: `loki_request_duration_seconds_count{namespace="${ns}",route="loki_api_v1_push",status_code="${code}"}`,
        values: `0+${per}x30`,
    });
    const volume = (ns: string, pvc: string, sc: string, free: number) => [
        { series: `kubelet_volume_stats_available_bytes{namespace="${ns}",persistentvolumeclaim="${pvc}"}`, values: `${free}x40` },
        { series: `kubelet_volume_stats_capacity_bytes{namespace="${ns}",persistentvolumeclaim="${pvc}"}`, values: "100x40" },
        { series: `kube_persistentvolumeclaim_info{namespace="${ns}",persistentvolumeclaim="${pvc}",storageclass="${sc}"}`, values: "1x40" },
    ];
    const tsdb = (share: number) => {
        const job = `namespace="monitoring-${env}",job="monitoring-${env}-prometheus"`;
        const total = Math.round(tsdbClaimBytes * share);
        return [
            { series: `prometheus_tsdb_storage_blocks_bytes{${job}}`, values: `${total - 2000}x50` },
            { series: `prometheus_tsdb_wal_storage_size_bytes{${job}}`, values: "1000x50" },
            { series: `prometheus_tsdb_head_chunks_storage_size_bytes{${job}}`, values: "1000x50" },
        ];
    };
    const deployment = (ns: string, name: string, values: string) => ({
        series: `kube_deployment_status_replicas_available{namespace="${ns}",deployment="${name}"}`,
        values,
    });
    const down = (alert: string, ns: string, name: string, otherNs: string, otherName: string): Case[] => [
        {
            name: `${alert} fires when no replica is available`,
            input: [deployment(ns, name, "1 1 0x10")],
            evalTime: "10m",
            alert,
            expected: [{ namespace: ns, deployment: name, severity: "critical" }],
        },
        {
            name: `${alert} fires when the Deployment is gone`,
            input: [deployment(otherNs, otherName, "1x10")],
            evalTime: "10m",
            alert,
            expected: [{ namespace: ns, deployment: name, severity: "critical" }],
        },
        {
            name: `${alert} stays quiet while available, whatever the other env does`,
            input: [deployment(ns, name, "1x10"), deployment(otherNs, otherName, "0x10")],
            evalTime: "10m",
            alert,
            expected: [],
        },
    ];
    const pvc = "alertmanager-monitoring-db";
    return [
        {
            name: "FastAPIHighErrorRate fires at 10% 5xx",
            input: [req(fa, "5xx", "0+10x30"), req(fa, "2xx", "0+90x30")],
            evalTime: "15m",
            alert: "FastAPIHighErrorRate",
            expected: [{ ...fastapi, severity: "critical" }],
        },
        {
            name: "FastAPIHighErrorRate stays quiet at 2% 5xx and ignores the other env's errors",
            input: [req(fa, "5xx", "0+2x30"), req(fa, "2xx", "0+98x30"), req(faOther, "5xx", "0+50x30"), req(faOther, "2xx", "0+50x30")],
            evalTime: "15m",
            alert: "FastAPIHighErrorRate",
            expected: [],
        },
        {
            name: "FastAPIP95LatencyHigh fires when 20% of predictions take over 500 ms",
            input: buckets(fa, [50, 80, 100]),
            evalTime: "20m",
            alert: "FastAPIP95LatencyHigh",
            expected: [{ ...fastapi, severity: "warning" }],
        },
        {
            name: "FastAPIP95LatencyHigh stays quiet when 3% take over 500 ms and ignores the other env",
            input: [...buckets(fa, [50, 97, 100]), ...buckets(faOther, [0, 0, 100])],
            evalTime: "20m",
            alert: "FastAPIP95LatencyHigh",
            expected: [],
        },
        {
            name: "FastAPIInstanceDown fires for a failing scrape of the env's job",
            input: [{ series: `up{${fa},instance="10.0.0.7:8000",pod="fastapi-${env}-0"}`, values: "1 1 0x10" }],
            evalTime: "8m",
            alert: "FastAPIInstanceDown",
            expected: [{ ...fastapi, instance: "10.0.0.7:8000", pod: `fastapi-${env}-0`, severity: "critical" }],
        },
        {
            name: "FastAPIInstanceDown ignores the other env's job",
            input: [
                { series: `up{${faOther},instance="10.0.0.8:8000"}`, values: "0x10" },
                { series: `up{${fa},instance="10.0.0.7:8000"}`, values: "1x10" },
            ],
            evalTime: "8m",
            alert: "FastAPIInstanceDown",
            expected: [],
        },
        {
            name: "FastAPITargetsMissing fires when only the other env has targets",
            input: [{ series: `up{${faOther},instance="10.0.0.8:8000"}`, values: "1x20" }],
            evalTime: "15m",
            alert: "FastAPITargetsMissing",
            expected: [{ ...fastapi, severity: "warning" }],
        },
        {
            name: "LogAgentDown fires when a node has no ready log agent",
            input: [{ series: `kube_daemonset_status_number_unavailable{namespace="${obs}",daemonset="promtail-${env}"}`, values: "0 0 1x20" }],
            evalTime: "15m",
            alert: "LogAgentDown",
            expected: [{ namespace: obs, daemonset: `promtail-${env}`, severity: "warning" }],
        },
        {
            name: "LogAgentDown ignores the other env's agent",
            input: [
                { series: `kube_daemonset_status_number_unavailable{namespace="observability-${other}",daemonset="promtail-${other}"}`, values: "1x20" },
                { series: `kube_daemonset_status_number_unavailable{namespace="${obs}",daemonset="promtail-${env}"}`, values: "0x20" },
            ],
            evalTime: "15m",
            alert: "LogAgentDown",
            expected: [],
        },
        {
            name: "LokiDown fires without a ready replica",
            input: [{ series: `kube_statefulset_status_replicas_ready{namespace="${obs}",statefulset="loki-${env}"}`, values: "0x10" }],
            evalTime: "8m",
            alert: "LokiDown",
            expected: [{ namespace: obs, statefulset: `loki-${env}`, severity: "critical" }],
        },
        {
            name: "LokiDown ignores the other env's Loki",
            input: [
                { series: `kube_statefulset_status_replicas_ready{namespace="observability-${other}",statefulset="loki-${other}"}`, values: "0x10" },
                { series: `kube_statefulset_status_replicas_ready{namespace="${obs}",statefulset="loki-${env}"}`, values: "1x10" },
            ],
            evalTime: "8m",
            alert: "LokiDown",
            expected: [],
        },
        {
            name: "LokiIngestionFailing fires at 10% failed pushes",
            input: [push(obs, "500", 10), push(obs, "204", 90)],
            evalTime: "20m",
            alert: "LokiIngestionFailing",
            expected: [{ namespace: obs, severity: "critical" }],
        },
        {
            name: "LokiIngestionFailing stays quiet at 1% and ignores the other env",
            input: [push(obs, "500", 1), push(obs, "204", 99), push(`observability-${other}`, "500", 50)],
            evalTime: "20m",
            alert: "LokiIngestionFailing",
            expected: [],
        },
        ...down("MLflowDown", `mlflow-${env}`, `mlflow-${env}`, `mlflow-${other}`, `mlflow-${other}`),
        ...down("AirflowSchedulerDown", `airflow-${env}`, `airflow-${env}-scheduler`, `airflow-${other}`, `airflow-${other}-scheduler`),
        {
            name: "NfsVolumeFillingUp fires for an env NFS claim with 5% free",
            input: volume(`monitoring-${env}`, pvc, `nfs-${env}`, 5),
            evalTime: "20m",
            alert: "NfsVolumeFillingUp",
            expected: [{ namespace: `monitoring-${env}`, persistentvolumeclaim: pvc, storageclass: `nfs-${env}`, severity: "warning" }],
        },
        {
            name: "NfsVolumeFillingUp ignores roomy claims, other classes and the other env",
            input: [
                ...volume(`monitoring-${env}`, pvc, `nfs-${env}`, 50),
                ...volume(`fastapi-${env}`, "scratch", `local-path-${env}`, 1),
                ...volume(`fastapi-${other}`, "logs", `nfs-${other}`, 1),
            ],
            evalTime: "20m",
            alert: "NfsVolumeFillingUp",
            expected: [],
        },
        {
            name: "PrometheusTsdbFillingUp fires at 90% of the claim",
            input: tsdb(0.9),
            evalTime: "40m",
            alert: "PrometheusTsdbFillingUp",
            expected: [{ namespace: `monitoring-${env}`, job: `monitoring-${env}-prometheus`, severity: "warning" }],
        },
        {
            name: "PrometheusTsdbFillingUp stays quiet at 50%",
            input: tsdb(0.5),
            evalTime: "40m",
            alert: "PrometheusTsdbFillingUp",
            expected: [],
        },
    ];
}

/** A promtool unit-test file for the rules; annotations are left out (promtool compares them verbatim). */
function promtoolTests(rules: RuleFile, cases: Case[]): { rules: string; tests: string } {
    const bare = {
        groups: rules.groups.map((g) => ({ ...g, rules: g.rules.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== "annotations"))) })),
    };
    const tests = {
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: cases.map((c) => ({
            name: c.name,
            interval: "1m",
            input_series: c.input,
            alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alert, exp_alerts: c.expected.map((l) => ({ exp_labels: l })) }],
        })),
    };
    return { rules: yaml.dump(bare, { lineWidth: -1 }), tests: yaml.dump(tests, { lineWidth: -1 }) };
}

describe.each(["dev", "prod"])("alerting-%s", (env) => {
    const other = env === "dev" ? "prod" : "dev";
    const artifacts = () => runs[env].plan.artifacts;

    it("Alertmanager config passes amtool check-config, templates included", () => {
        const res = amtoolCheckConfig(alertmanagerDir(artifacts()));
        expect(res.status, res.report).toBe(0);
        expect(res.stdout, res.report).toContain("1 templates");
    });

    // prod pages for the infrastructure both envs watch (alerting.sharedInfrastructure defaults to protect); dev does not.
    const shared = env === "prod" ? `slack-${env}` : "null";
    const monitoring = `monitoring-${env}`;
    it.each([
        ["Watchdog goes to null", "null", { alertname: "Watchdog", severity: "none", namespace: monitoring }],
        ["InfoInhibitor goes to null", "null", { alertname: "InfoInhibitor", severity: "none", namespace: "kube-system" }],
        [
            "a critical FastAPI alert goes to the env's Slack receiver",
            `slack-${env}`,
            { alertname: "FastAPIHighErrorRate", severity: "critical", namespace: `fastapi-${env}` },
        ],
        [
            "a crash loop in the env's monitoring namespace goes to the env's Slack receiver",
            `slack-${env}`,
            { alertname: "KubePodCrashLooping", severity: "warning", namespace: monitoring, job: "kube-state-metrics" },
        ],
        [
            "the env's own node-exporter targets down go to the env's Slack receiver",
            `slack-${env}`,
            { alertname: "TargetDown", severity: "warning", namespace: monitoring, job: "node-exporter" },
        ],
        [
            "a kube-system alert goes to the shared-infrastructure receiver",
            shared,
            { alertname: "KubePodCrashLooping", severity: "warning", namespace: "kube-system" },
        ],
        ["an alert without namespace goes to the shared-infrastructure receiver", shared, { alertname: "KubeAPIDown", severity: "critical" }],
        [
            "a node-exporter host alert (labelled with the env's monitoring namespace) goes to the shared-infrastructure receiver",
            shared,
            { alertname: "NodeFilesystemAlmostOutOfSpace", severity: "warning", namespace: monitoring, job: "node-exporter", instance: "node-1" },
        ],
        [
            "a kube-state-metrics node alert (labelled with the env's monitoring namespace) goes to the shared-infrastructure receiver",
            shared,
            { alertname: "KubeNodeNotReady", severity: "warning", namespace: monitoring, job: "kube-state-metrics", node: "node-1" },
        ],
        [
            "an alert of the other env's namespace goes nowhere human",
            "null",
            { alertname: "FastAPIHighErrorRate", severity: "critical", namespace: `fastapi-${other}` },
        ],
        [
            "a host alert labelled with the other env's monitoring namespace goes nowhere human",
            "null",
            { alertname: "NodeFilesystemAlmostOutOfSpace", severity: "warning", namespace: `monitoring-${other}`, job: "node-exporter" },
        ],
        ["an alert of a foreign namespace goes nowhere human", "null", { alertname: "KubePodCrashLooping", severity: "warning", namespace: "default" }],
    ])("routing: %s (amtool config routes test)", (_label, receiver, labels) => {
        const res = amtoolRoute(alertmanagerDir(artifacts()), receiver, labels);
        expect(res.status, res.report).toBe(0);
        expect(res.stdout.trim(), res.report).toBe(receiver);
    });

    it("the alert library passes promtool check rules", () => {
        const dir = writeFiles({ "rules.yaml": artifacts()["rules/prometheus.yaml"] });
        const res = promtoolCheckRules(path.join(dir, "rules.yaml"));
        expect(res.status, res.report).toBe(0);
        expect(res.stdout, res.report).toContain("SUCCESS: 11 rules found");
    });

    it("every alert fires on its input series and stays quiet on look-alikes, including the other env's (promtool test rules)", () => {
        const claim = env === "dev" ? 10 * 2 ** 30 : 50 * 2 ** 30;
        const cases = unitCases(env, other, claim);
        const { rules, tests } = promtoolTests(rulesOf(env, "prometheus.yaml"), cases);
        const dir = writeFiles({ "rules.yaml": rules, "tests.yaml": tests });
        const res = promtoolTestRules(path.join(dir, "tests.yaml"));
        expect(res.status, res.report).toBe(0);
        expect(res.stdout, res.report).toContain("SUCCESS");
        // Each alert of the library has a firing case and a quiet case.
        const alerts = rulesOf(env, "prometheus.yaml").groups.flatMap((g) => g.rules.map((r) => r.alert));
        for (const alert of alerts) {
            expect(
                cases.some((c) => c.alert === alert && c.expected.length > 0),
                `${alert} fires somewhere`,
            ).toBe(true);
            if (alert !== "FastAPITargetsMissing")
                expect(
                    cases.some((c) => c.alert === alert && c.expected.length === 0),
                    `${alert} stays quiet somewhere`,
                ).toBe(true);
        }
    });

    it("every rule names only the env's namespaces and carries severity, summary, description and runbook", () => {
        const rules = [...rulesOf(env, "prometheus.yaml").groups, ...rulesOf(env, "loki-fake.yaml").groups].flatMap((g) => g.rules);
        expect(rules.map((r) => r.alert)).toEqual([
            "FastAPIHighErrorRate",
            "FastAPIP95LatencyHigh",
            "FastAPIInstanceDown",
            "FastAPITargetsMissing",
            "LogAgentDown",
            "LokiDown",
            "LokiIngestionFailing",
            "MLflowDown",
            "AirflowSchedulerDown",
            "NfsVolumeFillingUp",
            "PrometheusTsdbFillingUp",
            "FastAPIErrorLogSpike",
            "DataPipelineFailed",
        ]);
        const allowed = new Set([`fastapi-${env}`, `mlflow-${env}`, `airflow-${env}`, `observability-${env}`, `monitoring-${env}`, `.*-${env}|kube-system`]);
        for (const r of rules) {
            const namespaces = [...r.expr.matchAll(/namespace(?:=~|=)"([^"]*)"/g)].map((m) => m[1]);
            expect(namespaces.length, `${r.alert} filters by namespace`).toBeGreaterThan(0);
            for (const ns of namespaces) expect(allowed.has(ns), `${r.alert}: namespace ${ns}`).toBe(true);
            expect(["critical", "warning"]).toContain(r.labels.severity);
            expect(r.annotations.summary.startsWith(`[${env}] `), r.alert).toBe(true);
            expect(r.annotations.description.length, r.alert).toBeGreaterThan(20);
            expect(r.annotations.runbook_url, r.alert).toMatch(new RegExp(`^https://grafana-${env}\\.mlops\\.internal/d/[a-z0-9-]+-${env}$`));
        }
    });

    it("the p95 threshold is a bucket bound of the instrumentator's default histogram", () => {
        expect([0.1, 0.5, 1]).toContain(THRESHOLDS.fastapiP95Seconds);
        const p95 = rulesOf(env, "prometheus.yaml").groups[0].rules[1];
        expect(p95.expr).toContain("http_request_duration_seconds_bucket{");
        expect(p95.expr.trim().endsWith(`> ${THRESHOLDS.fastapiP95Seconds}`)).toBe(true);
    });

    it("the library is one PrometheusRule in the env's monitoring namespace, selected by the env's Prometheus", () => {
        const objs = resourcesOfType(runs[env].plan, PROMETHEUS_RULE);
        expect(objs).toHaveLength(1);
        const inputs = objs[0].inputs as any;
        expect(inputs.metadata.name).toBe(`platform-alerts-${env}`);
        expect(inputs.metadata.namespace).toBe(`monitoring-${env}`);
        expect(inputs.metadata.labels.release).toBe(`monitoring-${env}`);
        expect(inputs.spec).toEqual(rulesOf(env, "prometheus.yaml"));
    });

    it("log alert rules parse with Loki's LogQL parser and sit where the single binary's ruler reads them", () => {
        const rules = rulesOf(env, "loki-fake.yaml").groups.flatMap((g) => g.rules);
        const { failures, result } = checkLogql(
            checker.bin,
            rules.map((r) => ({ id: r.alert, expr: r.expr })),
        );
        expect(failures, result.report).toEqual([]);
        expect(rules.find((r) => r.alert === "FastAPIErrorLogSpike")!.expr).toContain(`{namespace="fastapi-${env}"} |= "ERROR"`);
        expect(rules.find((r) => r.alert === "DataPipelineFailed")!.expr).toContain(`{namespace="airflow-${env}"}`);

        const cm = resourcesOfType(runs[env].plan, CONFIG_MAP).find((r) => r.name === `loki-${env}-rules`)!.inputs as any;
        expect(cm.metadata).toMatchObject({ name: `loki-rules-${env}`, namespace: `observability-${env}` });
        expect(cm.data).toEqual({ "platform-alerts.yaml": artifacts()["rules/loki-fake.yaml"] });
        const v = valuesOf(runs[env].plan, `loki-${env}`);
        expect(v.ruler).toEqual({ enabled: true });
        expect(v.loki.rulerConfig).toEqual({
            alertmanager_url: `http://monitoring-${env}-alertmanager.monitoring-${env}.svc.cluster.local:9093`,
            storage: { type: "local", local: { directory: "/etc/loki/rules" } },
            rule_path: "/tmp/loki-rules-scratch",
            enable_api: true,
        });
        expect(v.singleBinary.extraVolumes).toEqual([{ name: "platform-rules", configMap: { name: `loki-rules-${env}` } }]);
        expect(v.singleBinary.extraVolumeMounts).toEqual([{ name: "platform-rules", mountPath: "/etc/loki/rules/fake", readOnly: true }]);
    });
});

describe("alerting.sharedInfrastructure", () => {
    const kubeSystem = { alertname: "KubeDaemonSetRolloutStuck", severity: "warning", namespace: "kube-system" };
    const receiverOf = async (config: Record<string, unknown>) =>
        amtoolReceivers(alertmanagerDir((await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, ...config }))).plan.artifacts), kubeSystem);

    it("defaults to protect: an unprotected env leaves shared infrastructure to the protected one", async () => {
        expect(await receiverOf({})).toBe("null");
    });

    it("decides by config, not by the env's name: an unprotected env can take the pager", async () => {
        expect(await receiverOf({ alerting: { sharedInfrastructure: true } })).toBe("slack-dev");
    });
});

describe("LokiDown with distributed Loki (logging.loki.mode: distributed)", () => {
    const obs = "observability-dev";
    const sts = (ns: string, name: string, ready: number) => ({
        series: `kube_statefulset_status_replicas_ready{namespace="${ns}",statefulset="${name}"}`,
        values: `${ready}x10`,
    });
    const deploy = (ns: string, name: string, available: number) => ({
        series: `kube_deployment_status_replicas_available{namespace="${ns}",deployment="${name}"}`,
        values: `${available}x10`,
    });
    /** A healthy env: ready ingesters as given, every other component with replicas. */
    const healthy = (env: string, ingesters: number, overrides: Record<string, number> = {}) => {
        const ns = `observability-${env}`;
        const n = (c: string, def: number) => overrides[c] ?? def;
        return [
            sts(ns, `loki-${env}-ingester`, ingesters),
            ...["distributor", "querier", "query-frontend", "query-scheduler"].map((c) => deploy(ns, `loki-${env}-${c}`, n(c, 2))),
            ...["index-gateway", "ruler", "compactor"].map((c) => sts(ns, `loki-${env}-${c}`, n(c, 1))),
        ];
    };
    const cases: Case[] = [
        {
            name: "fires when fewer ingesters are ready than a write quorum of RF 3",
            input: healthy("dev", 1),
            evalTime: "8m",
            alert: "LokiDown",
            expected: [{ namespace: obs, statefulset: "loki-dev-ingester", severity: "critical" }],
        },
        { name: "stays quiet with 2 of 3 ingesters ready", input: healthy("dev", 2), evalTime: "8m", alert: "LokiDown", expected: [] },
        {
            name: "fires when the query-frontends are gone",
            input: healthy("dev", 3, { "query-frontend": 0 }),
            evalTime: "8m",
            alert: "LokiDown",
            expected: [{ namespace: obs, deployment: "loki-dev-query-frontend", severity: "critical" }],
        },
        {
            name: "fires when the ruler is gone: log alerts are not evaluated",
            input: healthy("dev", 3, { ruler: 0 }),
            evalTime: "8m",
            alert: "LokiDown",
            expected: [{ namespace: obs, statefulset: "loki-dev-ruler", severity: "critical" }],
        },
        {
            name: "ignores the other env's Loki and a paused compactor",
            input: [...healthy("dev", 3, { compactor: 0 }), ...healthy("prod", 0, { distributor: 0 })],
            evalTime: "8m",
            alert: "LokiDown",
            expected: [],
        },
    ];

    it("passes promtool check rules and fires exactly on its input series (promtool test rules)", async () => {
        const run = await runLoaded(
            stackFromConfig(
                {
                    ...MINIMAL_CONFIG,
                    logging: { loki: { mode: "distributed", objectStorage: { bucket: "loki-dev-chunks" } } },
                    lokiS3AccessKeyId: "LOKIKEYID",
                    lokiS3SecretAccessKey: "loki-secret-key",
                },
                ["lokiS3AccessKeyId", "lokiS3SecretAccessKey"],
            ),
        );
        const file = yaml.load(run.plan.artifacts["rules/prometheus.yaml"]) as RuleFile;
        const check = writeFiles({ "rules.yaml": run.plan.artifacts["rules/prometheus.yaml"] });
        const checked = promtoolCheckRules(path.join(check, "rules.yaml"));
        expect(checked.status, checked.report).toBe(0);
        const { rules, tests } = promtoolTests(file, cases);
        const dir = writeFiles({ "rules.yaml": rules, "tests.yaml": tests });
        const res = promtoolTestRules(path.join(dir, "tests.yaml"));
        expect(res.status, res.report).toBe(0);
        expect(res.stdout, res.report).toContain("SUCCESS");
    });
});

describe("the validators catch mistakes with their own messages", () => {
    it("amtool rejects a route to an undefined receiver", () => {
        const dir = alertmanagerDir(runs.dev.plan.artifacts, (c) => c.replace("receiver: slack-dev", "receiver: slack-typo"));
        const res = amtoolCheckConfig(dir);
        expect(res.status, res.report).not.toBe(0);
        expect(res.stdout + res.stderr).toContain('undefined receiver "slack-typo" used in route');
    });

    it("amtool rejects a broken message template", () => {
        const dir = alertmanagerDir(runs.dev.plan.artifacts);
        writeFileSync(path.join(dir, "slack.tmpl"), '{{ define "platform.slack.title" }}{{ .Status | toUpper }\n');
        const res = amtoolCheckConfig(dir);
        expect(res.status, res.report).not.toBe(0);
        expect(res.stdout + res.stderr).toContain("slack.tmpl");
    });

    it("promtool rejects a broken rule expression", () => {
        const broken = runs.dev.plan.artifacts["rules/prometheus.yaml"].replace("> 0.05", "> > 0.05");
        const dir = writeFiles({ "rules.yaml": broken });
        const res = promtoolCheckRules(path.join(dir, "rules.yaml"));
        expect(res.status, res.report).not.toBe(0);
        expect(res.stdout + res.stderr).toContain('"FastAPIHighErrorRate": could not parse expression');
    });

    it("Loki's parser rejects a broken LogQL expression", () => {
        const { failures } = checkLogql(checker.bin, [{ id: "broken", expr: 'sum(count_over_time({namespace="fastapi-dev"} |= [5m]))' }]);
        expect(failures).toHaveLength(1);
        expect(failures[0].id).toBe("broken");
        expect(failures[0].error).toContain("parse error");
    });
});

describe("LogAgentDown of an env running Alloy", () => {
    it("watches the alloy-dev DaemonSet, not a leftover Promtail or the other env's Alloy (promtool test rules)", async () => {
        const { plan } = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, logging: { agent: "alloy" } }));
        const rules = yaml.load(plan.artifacts["rules/prometheus.yaml"]) as RuleFile;
        const logAgentDown = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === "LogAgentDown")!;
        expect(logAgentDown.expr).toBe('kube_daemonset_status_number_unavailable{namespace="observability-dev",daemonset="alloy-dev"} > 0');
        expect(logAgentDown.annotations.description).toBe(
            "{{ $value }} node(s) have no ready Alloy pod: their logs are not collected. Check the DaemonSet's pods and events.",
        );
        const unavailable = (namespace: string, daemonset: string, values: string) => ({
            series: `kube_daemonset_status_number_unavailable{namespace="${namespace}",daemonset="${daemonset}"}`,
            values,
        });
        const { rules: bare, tests } = promtoolTests(rules, [
            {
                name: "fires when a node has no ready Alloy pod",
                input: [unavailable("observability-dev", "alloy-dev", "0 0 1x20")],
                evalTime: "15m",
                alert: "LogAgentDown",
                expected: [{ namespace: "observability-dev", daemonset: "alloy-dev", severity: "warning" }],
            },
            {
                name: "ignores Promtail's DaemonSet and the other env's Alloy",
                input: [unavailable("observability-dev", "promtail-dev", "1x20"), unavailable("observability-prod", "alloy-prod", "1x20")],
                evalTime: "15m",
                alert: "LogAgentDown",
                expected: [],
            },
        ]);
        const dir = writeFiles({ "rules.yaml": bare, "tests.yaml": tests });
        const res = promtoolTestRules(path.join(dir, "tests.yaml"));
        expect(res.status, res.report).toBe(0);
        expect(res.stdout, res.report).toContain("SUCCESS");
    });
});
