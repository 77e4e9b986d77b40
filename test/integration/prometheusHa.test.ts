/**
 * Prometheus HA and remote write under the real binaries: the rendered remote_write section passes
 * promtool, and two replicas firing one alert reach Slack once through a real Alertmanager cluster
 * (the rest of the HA checks are test/prometheusHa.test.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prometheusRuleGroups } from "../../components/monitoring/alertRules";
import { envNames } from "../../components/naming";
import { PROCESS_TEST_TIMEOUT } from "../support/timeouts";
import { SlackStandIn, startSlackStandIn } from "../support/fakeServices";
import { MINIMAL_CONFIG, StackRun, runLoaded, stackFromConfig, valuesOf } from "../support/harness";
import { HA_CONFIG, haStack, operatorRendering } from "../support/prometheusHa";
import { RunningServer, freePort, requireBinaries, startAlertmanager, startPrometheus } from "../support/realServers";
import { alertmanagerDir, run, writeFiles } from "../support/validators";

describe("an env with two Prometheus replicas and remote write", () => {
    let ha: StackRun;
    beforeAll(async () => {
        ha = await runLoaded(haStack());
    });
    const kps = () => valuesOf(ha.plan, "monitoring-dev");

    it("renders a remote_write section Prometheus accepts (promtool check config, as the operator writes it)", () => {
        const snake = (o: Record<string, unknown>) =>
            Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
        // pkg/prometheus/promcfg.go: the operator inlines the Secret's values; retryOnRateLimit is retry_on_http_429.
        const remoteWrite = kps().prometheus.prometheusSpec.remoteWrite.map((rw: any) => ({
            name: rw.name,
            url: rw.url,
            ...(rw.headers ? { headers: rw.headers } : {}),
            ...(rw.basicAuth ? { basic_auth: { username: "u", password: "p" } } : {}),
            ...(rw.authorization ? { authorization: { type: rw.authorization.type, credentials: "t" } } : {}),
            ...(rw.writeRelabelConfigs ? { write_relabel_configs: rw.writeRelabelConfigs.map(snake) } : {}),
            ...(rw.queueConfig
                ? {
                      queue_config: Object.fromEntries(
                          Object.entries(snake(rw.queueConfig)).map(([k, v]) => [k === "retry_on_rate_limit" ? "retry_on_http_429" : k, v]),
                      ),
                  }
                : {}),
        }));
        const dir = writeFiles({ "prometheus.yml": yaml.dump({ global: { external_labels: { env: "dev" } }, remote_write: remoteWrite }) }, "remote-write");
        const res = run("promtool", ["check", "config", path.join(dir, "prometheus.yml")]);
        expect(res.status, res.report).toBe(0);
    });
});

/**
 * Two Prometheus replicas rendered as the operator renders the program's values, the program's own
 * FastAPIInstanceDown rule (its `for` cut to 0s), a down FastAPI target both replicas scrape, and
 * the program's Alertmanager config with its Slack receiver pointed at a stand-in.
 */
describe("two replicas firing one alert reach Slack once (real Prometheus and Alertmanager)", () => {
    const servers: RunningServer[] = [];
    let ha: StackRun;
    let slack: SlackStandIn;
    let downTarget: string;
    const names = envNames("dev", MINIMAL_CONFIG.domain);

    beforeAll(async () => {
        requireBinaries();
        // Short grouping so the test sees the first notification within seconds.
        ha = await runLoaded(stackFromConfig({ ...HA_CONFIG, alerting: { groupWait: "1s", groupInterval: "5m" } }, ["prometheusRemoteWriteAuth"]));
        slack = await startSlackStandIn();
        servers.push(slack);
        downTarget = `127.0.0.1:${await freePort()}`;
    });
    afterAll(async () => {
        await Promise.all(servers.map((s) => s.stop()));
    });

    const start = async <T extends RunningServer>(server: Promise<T>) => {
        const s = await server;
        servers.push(s);
        return s;
    };
    const host = (s: RunningServer) => s.url.replace("http://", "");

    /** The program's Alertmanager config, its Slack webhook file holding the stand-in's URL. */
    const alertmanagerConfig = () => {
        const dir = alertmanagerDir(ha.plan.artifacts);
        const webhook = path.join(dir, "slack-url");
        writeFileSync(webhook, `${slack.url}/services/T000/B000/stand-in`);
        return readFileSync(path.join(dir, "alertmanager.yaml"), "utf8").replace(`/etc/alertmanager/secrets/${names.secrets.alertmanagerSlack}/url`, webhook);
    };

    const instanceDownRule = () => {
        const rule = prometheusRuleGroups(names, { tsdbClaimBytes: 1, workloads: { fastapi: true, mlflow: true, airflow: true }, logAgent: "promtail" })
            .flatMap((g) => g.rules)
            .find((r) => r.alert === "FastAPIInstanceDown")!;
        return { groups: [{ name: "fastapi.dev", rules: [{ ...rule, for: "0s" }] }] };
    };

    /** One replica: `alertRelabelConfigs` replaced (to show what the labeldrop is for) when given. */
    const replica = (i: number, alertmanagers: RunningServer[], alertRelabelConfigs?: unknown[]) => {
        const spec = valuesOf(ha.plan, "monitoring-dev").prometheus.prometheusSpec;
        const rendered = operatorRendering(spec, "monitoring-dev", "monitoring-dev-prometheus", `prometheus-monitoring-dev-prometheus-${i}`);
        return startPrometheus({
            openMetrics: [],
            ruleFiles: { "monitoring-dev-platform-alerts-dev-0f3c.yaml": instanceDownRule() },
            scrapeJobs: [{ job: names.workloads.fastapi.job, targets: [downTarget], labels: { namespace: names.namespaces.fastapi } }],
            externalLabels: rendered.externalLabels,
            alerting: {
                alert_relabel_configs: alertRelabelConfigs ?? rendered.alertRelabelConfigs,
                alertmanagers: [{ static_configs: [{ targets: alertmanagers.map(host) }] }],
            },
        });
    };

    const alertsIn = async (am: RunningServer) => (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as { labels: Record<string, string> }[];
    /** Polls `done`; the bound is generous because a busy machine slows the servers, and only a hang should fail. */
    const until = async (what: string, done: () => Promise<boolean> | boolean, ms = 120_000) => {
        const deadline = Date.now() + ms;
        while (!(await done())) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 200));
        }
    };

    it(
        "the operator drops the replica label from alerts, so both replicas' alerts are one alert in each cluster member, one Slack message",
        async () => {
            const gossip = [await freePort(), await freePort()].map((p) => `127.0.0.1:${p}`);
            const config = alertmanagerConfig();
            const cluster = await Promise.all(
                gossip.map((address) => start(startAlertmanager(config, { address, peers: gossip.filter((p) => p !== address), peerTimeout: "2s" }))),
            );
            await Promise.all([0, 1].map((i) => start(replica(i, cluster))));
            await until("the first Slack message", () => slack.messages.length > 0);
            await until("both replicas' alerts in both members", async () => {
                const received = await Promise.all(cluster.map(alertsIn));
                return received.every((a) => a.length === 1);
            });
            // The second member waits one peer timeout for the first one's notification log entry: wait past it.
            await new Promise((r) => setTimeout(r, 5000));
            expect(slack.messages.map((m) => m.attachments?.[0]?.title)).toEqual(["[DEV][FIRING:1] FastAPIInstanceDown in fastapi-dev"]);
            for (const am of cluster) {
                expect((await alertsIn(am)).map((a) => a.labels)).toEqual([
                    {
                        alertname: "FastAPIInstanceDown",
                        env: "dev",
                        instance: downTarget,
                        job: "fastapi-dev",
                        namespace: "fastapi-dev",
                        prometheus: "monitoring-dev/monitoring-dev-prometheus",
                        severity: "critical",
                    },
                ]);
            }
        },
        PROCESS_TEST_TIMEOUT,
    );

    it(
        "without that labeldrop the replicas' alerts differ and Alertmanager keeps both",
        async () => {
            const am = await start(startAlertmanager(alertmanagerConfig()));
            await Promise.all([0, 1].map((i) => start(replica(i, [am], []))));
            await until("two alerts", async () => (await alertsIn(am)).length === 2);
            expect((await alertsIn(am)).map((a) => a.labels.prometheus_replica).sort()).toEqual([
                "prometheus-monitoring-dev-prometheus-0",
                "prometheus-monitoring-dev-prometheus-1",
            ]);
        },
        PROCESS_TEST_TIMEOUT,
    );
});
