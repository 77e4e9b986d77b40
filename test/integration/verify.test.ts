/**
 * `npm run verify` end to end: the CLI as a child process against real Prometheus and
 * Alertmanager servers and Loki/Grafana fakes, for a clean env, a leaking env and broken endpoints.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SYSTEM_NAMESPACE, envNames } from "../../components/naming";
import { VerifyOutputs } from "../../scripts/lib/verify/outputs";
import { CliRun, runCli } from "../support/cli";
import { AuthProxy, startBasicAuthProxy, startBlackhole, startRedirect } from "../support/fakeServices";
import { MINIMAL_CONFIG, MINIMAL_SECRETS, runLoaded, stackFromConfig, useBothStacks, withWorkloadsOff } from "../support/harness";
import { RunningServer, freePort, requireBinaries, startAlertmanager } from "../support/realServers";
import { Cluster, GRAFANA_AUTH, programAlertmanagerConfig, startCluster, stopCluster } from "../support/verifyCluster";
import { PROCESS_TEST_TIMEOUT } from "../support/timeouts";

const runs = useBothStacks();
/**
 * Grafana and ingress credentials of the developer's shell must not leak into a run that does not
 * set them; the stand-in kubectl shadows any real one (verify reads the ingress credentials with it).
 */
const runVerify = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
    runCli("scripts/verify.ts", args, {
        env: {
            PATH: `${standInBin}:${process.env.PATH}`,
            GRAFANA_USER: "",
            GRAFANA_PASSWORD: "",
            VERIFY_INGRESS_USER: "",
            VERIFY_INGRESS_PASSWORD: "",
            ...env,
        },
    });

let dir: string;
let standInBin: string;
let outputsFile: string;
let dev: VerifyOutputs;
let prod: VerifyOutputs;
let clean: Cluster;
let leaking: Cluster;

const urlFlags = (c: Cluster) => [
    "--outputs",
    outputsFile,
    "--prometheus-url",
    c.prometheus.url,
    "--alertmanager-url",
    c.alertmanager.url,
    "--loki-url",
    c.loki.url,
    "--grafana-url",
    c.grafana.url,
];
const grafanaEnv = { GRAFANA_USER: GRAFANA_AUTH.user, GRAFANA_PASSWORD: GRAFANA_AUTH.password };
/** Said with a refusal of a service verify reaches at its ingress URL when the stand-in kubectl has no Secret. */
const noIngressCredentials = (env: string) =>
    `no ingress credentials: \`kubectl -n monitoring-${env} get secret ingress-auth-${env}\` exited with 1: ` +
    `Error from server (NotFound): secrets "ingress-auth-${env}" not found; set VERIFY_INGRESS_USER and VERIFY_INGRESS_PASSWORD`;

/** `PASS  <id>  <evidence>` lines as objects; the header and summary lines are asserted apart. */
const checkLines = (stdout: string) =>
    stdout
        .trim()
        .split("\n")
        .slice(1, -1)
        .map((line) => {
            const [, status, id, evidence] = /^(PASS|FAIL) {2}(\S+) +(.*)$/.exec(line) ?? [];
            return { id, ok: status === "PASS", evidence };
        });

const sorted = (xs: string[]) => [...xs].sort().join(", ");

beforeAll(async () => {
    requireBinaries();
    dev = runs.dev.plan.outputs as unknown as VerifyOutputs;
    prod = runs.prod.plan.outputs as unknown as VerifyOutputs;
    dir = mkdtempSync(path.join(os.tmpdir(), "verify-test-"));
    standInBin = path.join(dir, "bin");
    mkdirSync(standInBin);
    // kubectl -n <ns> get secret <name> -o jsonpath={.data.<key>}: answers from FAKE_KUBECTL_SECRET
    // (`<user>:<password>`), or as the API server does for a Secret that is not there.
    writeFileSync(
        path.join(standInBin, "kubectl"),
        [
            "#!/usr/bin/env bash",
            'if [ -n "${FAKE_KUBECTL_LOG:-}" ]; then echo "kubectl $*" >> "$FAKE_KUBECTL_LOG"; fi',
            'if [ -z "${FAKE_KUBECTL_SECRET:-}" ]; then echo "Error from server (NotFound): secrets \\"$5\\" not found" >&2; exit 1; fi',
            'case "$7" in *username*) printf %s "${FAKE_KUBECTL_SECRET%%:*}" | base64 ;; *) printf %s "${FAKE_KUBECTL_SECRET#*:}" | base64 ;; esac',
            "",
        ].join("\n"),
    );
    chmodSync(path.join(standInBin, "kubectl"), 0o755);
    outputsFile = path.join(dir, "outputs.json");
    writeFileSync(outputsFile, JSON.stringify(dev));
    [clean, leaking] = await Promise.all([startCluster(dev, runs.dev, prod, false), startCluster(dev, runs.dev, prod, true)]);
    // Starts real Alertmanagers and Prometheus: as generous as the tests that run processes.
}, PROCESS_TEST_TIMEOUT);

afterAll(async () => {
    await Promise.all([stopCluster(clean), stopCluster(leaking)]);
    if (dir) rmSync(dir, { recursive: true, force: true });
});

// Each case starts processes (tsx, Pulumi, servers): PROCESS_TEST_TIMEOUT (test/support/timeouts.ts) says why its timeout is generous.
describe("a clean env", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("passes every check with its evidence and exits 0", async () => {
        const run = await runVerify(urlFlags(clean), grafanaEnv);
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        const names = envNames(dev.env, "");
        const envPods = sorted([...Object.values(dev.namespaces), SYSTEM_NAMESPACE]);
        const receivers = programAlertmanagerConfig(runs.dev, dev.env).receivers.map((r: { name: string }) => r.name);
        expect(checkLines(run.stdout)).toEqual([
            { id: "prometheus.pod-namespaces", ok: true, evidence: `kube_pod_info namespaces: ${envPods}` },
            { id: "prometheus.cadvisor-namespaces", ok: true, evidence: `cAdvisor container series namespaces: ${envPods}` },
            {
                id: "prometheus.targets",
                ok: true,
                evidence:
                    `FastAPI ${names.workloads.fastapi.job} 1/1 up; Loki ${dev.namespaces.observability}/${dev.releases.loki} 1/1 up; ` +
                    `log agent promtail-${dev.env}-metrics 1/1 up`,
            },
            { id: "prometheus.rules", ok: true, evidence: `2 rule groups of env ${dev.env} loaded, none of another env` },
            { id: "alertmanager.config", ok: true, evidence: `receivers: ${receivers.join(", ")}; Watchdog -> null; shared infrastructure -> null` },
            { id: "loki.env-streams", ok: true, evidence: `streams in the last hour for: ${sorted(Object.values(dev.namespaces))}` },
            { id: "loki.other-env-streams", ok: true, evidence: "no streams outside the env's namespaces and kube-system in the last hour" },
            ...Object.entries(dev.grafanaDatasourceUids).map(([kind, uid]) => ({
                id: `grafana.datasource.${kind}`,
                ok: true,
                // Alertmanager datasources have no Grafana health check: the real server answers through the proxy.
                evidence:
                    kind === "alertmanager"
                        ? expect.stringMatching(new RegExp(`^${uid}: Alertmanager \\d+\\.\\d+\\.\\d+ answers through Grafana's proxy$`))
                        : `${uid}: OK (${kind} fixture is working)`,
            })),
        ]);
        expect(receivers).toContain(`slack-${dev.env}`);
        expect(run.stdout.split("\n")[0]).toBe(
            `env ${dev.env}: prometheus ${clean.prometheus.url}, alertmanager ${clean.alertmanager.url}, loki ${clean.loki.url}, grafana ${clean.grafana.url}`,
        );
        expect(run.stdout.trim().split("\n").pop()).toBe(`10 passed, 0 failed: env ${dev.env}, all checks passed`);
    });

    it("asks Loki only with query_range over the last hour in nanoseconds", async () => {
        clean.loki.requests.length = 0;
        const before = BigInt(Date.now()) * 1_000_000n;
        const run = await runVerify(urlFlags(clean), grafanaEnv);
        const after = BigInt(Date.now()) * 1_000_000n;
        expect(run.code).toBe(0);
        expect(new Set(clean.loki.requests.map((r) => r.path))).toEqual(new Set(["/loki/api/v1/query_range"]));
        for (const { params } of clean.loki.requests) {
            expect(params.start).toMatch(/^\d{19}$/);
            expect(params.end).toMatch(/^\d{19}$/);
            expect(BigInt(params.end) - BigInt(params.start)).toBe(3_600_000_000_000n);
            expect(BigInt(params.end) >= before && BigInt(params.end) <= after).toBe(true);
            expect(params.direction).toBe("backward");
        }
        const allowed = [
            ...Object.values(dev.namespaces)
                .sort()
                .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
            `.*-${dev.env}|kube-system`,
        ];
        expect(clean.loki.requests.map((r) => `${r.params.query} limit=${r.params.limit}`).sort()).toEqual(
            [
                ...Object.values(dev.namespaces).map((ns) => `{namespace="${ns}"} limit=1`),
                `{namespace=~".+",namespace!~${JSON.stringify(allowed.join("|"))}} limit=1000`,
            ].sort(),
        );
    });
});

describe("an env with every workload switched off", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("expects no scrape target, log streams or namespace of a switched-off workload and still passes", async () => {
        const secrets = Object.keys(MINIMAL_SECRETS).filter((k) => k !== "alertmanagerSlackWebhook");
        const { plan } = await runLoaded(stackFromConfig(withWorkloadsOff(MINIMAL_CONFIG, ["fastapi", "mlflow", "airflow"], secrets)));
        const off = plan.outputs as unknown as VerifyOutputs;
        expect(off.workloads).toEqual({ fastapi: false, mlflow: false, airflow: false });
        const file = path.join(dir, "outputs-off.json");
        writeFileSync(file, JSON.stringify(off));
        clean.loki.requests.length = 0;
        const run = await runVerify([...urlFlags(clean).slice(2), "--outputs", file], grafanaEnv);
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        const evidence = Object.fromEntries(checkLines(run.stdout).map((l) => [l.id, l.evidence]));
        expect(evidence["prometheus.targets"]).toBe(
            `FastAPI switched off; Loki ${off.namespaces.observability}/${off.releases.loki} 1/1 up; log agent promtail-${off.env}-metrics 1/1 up`,
        );
        const platform = ["monitoring-dev", "observability-dev", "storage-dev"];
        expect(evidence["loki.env-streams"]).toBe(`streams in the last hour for: ${platform.join(", ")}`);
        const allowed = JSON.stringify([...platform, `.*-${off.env}|kube-system`].join("|"));
        expect(clean.loki.requests.map((r) => r.params.query).sort()).toEqual(
            [...platform.map((ns) => `{namespace="${ns}"}`), `{namespace=~".+",namespace!~${allowed}}`].sort(),
        );
        expect(run.stdout.trim().split("\n").pop()).toBe(`10 passed, 0 failed: env ${off.env}, all checks passed`);
    });
});

describe("the log agent's target follows logging.agent", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    const targetsEvidence = async (outputs: unknown, file: string) => {
        writeFileSync(path.join(dir, file), JSON.stringify(outputs));
        const run = await runVerify([...urlFlags(clean).slice(2), "--outputs", path.join(dir, file)], grafanaEnv);
        expect(run.stderr).toBe("");
        return checkLines(run.stdout).find((l) => l.id === "prometheus.targets")!;
    };

    it("expects alloy-dev for an env running Alloy (the clean cluster scrapes only Promtail's job)", async () => {
        const { plan } = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, logging: { agent: "alloy" } }));
        expect(plan.outputs.logAgent).toEqual({ agent: "alloy", release: "alloy-dev", job: "alloy-dev" });
        expect(await targetsEvidence(plan.outputs, "outputs-alloy.json")).toEqual({
            id: "prometheus.targets",
            ok: false,
            evidence: "log agent: no active target with job alloy-dev",
        });
    });

    it("expects Promtail's job from outputs deployed before the choice existed (no logAgent)", async () => {
        const { logAgent, ...older } = dev;
        expect(logAgent).toEqual({ agent: "promtail", release: "promtail-dev", job: "promtail-dev-metrics" });
        expect((await targetsEvidence(older, "outputs-older.json")).evidence).toBe(
            `FastAPI ${dev.namespaces.fastapi} 1/1 up; Loki ${dev.namespaces.observability}/${dev.releases.loki} 1/1 up; log agent promtail-dev-metrics 1/1 up`,
        );
    });

    it("rejects a malformed logAgent output", async () => {
        writeFileSync(path.join(dir, "outputs-bad.json"), JSON.stringify({ ...dev, logAgent: { agent: "alloy" } }));
        const run = await runVerify([...urlFlags(clean).slice(2), "--outputs", path.join(dir, "outputs-bad.json")], grafanaEnv);
        expect(run.code).toBe(2);
        expect(run.stderr.trim()).toBe(
            `${path.join(dir, "outputs-bad.json")} does not match the outputs contract: logAgent: expected {agent, release, job} of strings`,
        );
    });
});

describe("a leaking env", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("fails with the leaked namespaces, the other env's rule group, the chart's Alertmanager config and the down target", async () => {
        const run = await runVerify(urlFlags(leaking), grafanaEnv);
        expect(run.stderr).toBe("");
        expect(run.code).toBe(1);
        const envPods = sorted([...Object.values(dev.namespaces), SYSTEM_NAMESPACE]);
        const lines = checkLines(run.stdout);
        expect(lines.map((l) => `${l.ok ? "PASS" : "FAIL"} ${l.id}`)).toEqual([
            "FAIL prometheus.pod-namespaces",
            "FAIL prometheus.cadvisor-namespaces",
            "FAIL prometheus.targets",
            "FAIL prometheus.rules",
            "FAIL alertmanager.config",
            "PASS loki.env-streams",
            "FAIL loki.other-env-streams",
            ...Object.keys(dev.grafanaDatasourceUids).map((kind) => `${kind === "loki" ? "FAIL" : "PASS"} grafana.datasource.${kind}`),
        ]);
        const evidence = Object.fromEntries(lines.map((l) => [l.id, l.evidence]));
        expect(evidence["prometheus.pod-namespaces"]).toBe(`leaked namespaces: ${sorted(Object.values(prod.namespaces))} (kube_pod_info; allowed: ${envPods})`);
        expect(evidence["prometheus.cadvisor-namespaces"]).toBe(
            `leaked namespaces: ${prod.namespaces.fastapi} (cAdvisor container series; allowed: ${envPods})`,
        );
        expect(evidence["prometheus.targets"]).toMatch(
            new RegExp(
                `^log agent promtail-${dev.env}-metrics: 0/1 up \\(down: .*connection refused\\); targets in other namespaces: ${prod.namespaces.fastapi}$`,
            ),
        );
        expect(evidence["prometheus.rules"]).toBe(`other env's rule groups loaded: platform.rules (${prod.namespaces.monitoring})`);
        expect(evidence["alertmanager.config"]).toBe(
            `no receiver slack-${dev.env} (receivers: null): this looks like the chart's default config, not the program's [receivers: null; Watchdog -> null; shared infrastructure -> null]`,
        );
        expect(evidence["loki.other-env-streams"]).toBe(
            `streams of other namespaces in the last hour: ${sorted([prod.namespaces.storage, prod.namespaces.monitoring])}`,
        );
        expect(evidence["grafana.datasource.loki"]).toBe(
            `${dev.grafanaDatasourceUids.loki}: ERROR (Unable to connect with Loki. Please check the server logs for more details.)`,
        );
        expect(run.stdout.trim().split("\n").pop()).toBe(`3 passed, 7 failed: env ${dev.env}, 7 of 10 checks failed`);
    });

    it("prints the same verdicts as JSON with --json", async () => {
        const [text, json] = await Promise.all([runVerify(urlFlags(leaking), grafanaEnv), runVerify([...urlFlags(leaking), "--json"], grafanaEnv)]);
        expect(json.code).toBe(1);
        const report = JSON.parse(json.stdout);
        expect(Object.keys(report)).toEqual(["env", "ok", "summary", "targets", "checks"]);
        expect(report.env).toBe(dev.env);
        expect(report.ok).toBe(false);
        expect(report.summary).toEqual({ passed: 3, failed: 7 });
        expect(report.targets).toEqual({
            prometheus: leaking.prometheus.url,
            alertmanager: leaking.alertmanager.url,
            loki: leaking.loki.url,
            grafana: leaking.grafana.url,
        });
        expect(report.checks).toEqual(checkLines(text.stdout));
        expect(report.checks.map((c: object) => Object.keys(c))).toEqual(report.checks.map(() => ["id", "ok", "evidence"]));
    });
});

describe("an Alertmanager with the program's receivers but leaking routes", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("reports where the other env's alert goes and the receiver the program does not define", async () => {
        const config = programAlertmanagerConfig(runs.dev, dev.env);
        // What a hand-edited config would do: every namespace to the env's Slack, plus a stray receiver.
        config.route.routes = config.route.routes.map((r: { receiver: string; matchers: string[] }) =>
            r.receiver === `slack-${dev.env}` ? { ...r, matchers: ['namespace=~".+"'] } : r,
        );
        config.receivers.push({ name: "slack-prod" });
        const am = await startAlertmanager(config);
        try {
            const run = await runVerify([...urlFlags(clean), "--alertmanager-url", am.url, "--json"], grafanaEnv);
            const check = JSON.parse(run.stdout).checks.find((c: { id: string }) => c.id === "alertmanager.config");
            expect(check).toEqual({
                id: "alertmanager.config",
                ok: false,
                evidence:
                    `receivers the program does not define: slack-prod; an alert from namespace fastapi-not${dev.env} (not this env's) reaches slack-${dev.env}, ` +
                    `expected only "null" [receivers: null, slack-${dev.env}, slack-prod; Watchdog -> null; shared infrastructure -> null]`,
            });
            expect(run.code).toBe(1);
        } finally {
            await am.stop();
        }
    });
});

describe("an Alertmanager that pages for shared infrastructure against its outputs", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("names each shared alert that reaches the env's Slack although the other env pages for it", async () => {
        const config = programAlertmanagerConfig(runs.dev, dev.env);
        // The duplicate-page failure: this env's shared-infrastructure routes send to its Slack as well.
        config.route.routes = config.route.routes.map((r: { receiver: string; matchers: string[] }, i: number) =>
            i > 0 && r.receiver === "null" ? { ...r, receiver: `slack-${dev.env}` } : r,
        );
        const am = await startAlertmanager(config);
        try {
            const run = await runVerify([...urlFlags(clean), "--alertmanager-url", am.url, "--json"], grafanaEnv);
            const check = JSON.parse(run.stdout).checks.find((c: { id: string }) => c.id === "alertmanager.config");
            const wrong = (what: string) => `${what} reaches slack-${dev.env}, expected only null (outputs alerting.sharedInfrastructure)`;
            expect(check).toEqual({
                id: "alertmanager.config",
                ok: false,
                evidence:
                    [wrong("an alert from kube-system"), wrong("an alert without namespace"), wrong("a node-exporter host alert")].join("; ") +
                    ` [receivers: null, slack-${dev.env}; Watchdog -> null; shared infrastructure -> slack-${dev.env}]`,
            });
            expect(run.code).toBe(1);
        } finally {
            await am.stop();
        }
    });
});

describe("Prometheus, Alertmanager and Loki behind their ingresses' basic auth", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    const INGRESS_AUTH = { user: "admin", password: "ingress-pw-never-printed" };
    const header = `Basic ${Buffer.from(`${INGRESS_AUTH.user}:${INGRESS_AUTH.password}`).toString("base64")}`;
    const fromEnv = { VERIFY_INGRESS_USER: INGRESS_AUTH.user, VERIFY_INGRESS_PASSWORD: INGRESS_AUTH.password };
    let proxies: Record<"prometheus" | "alertmanager" | "loki", AuthProxy>;
    let kubectlLog: string;
    beforeAll(async () => {
        const realm = `mlops-platform ${dev.env}`;
        proxies = {
            prometheus: await startBasicAuthProxy(clean.prometheus.url, INGRESS_AUTH, realm),
            alertmanager: await startBasicAuthProxy(clean.alertmanager.url, INGRESS_AUTH, realm),
            loki: await startBasicAuthProxy(clean.loki.url, INGRESS_AUTH, realm),
        };
        kubectlLog = path.join(dir, "kubectl.log");
    });
    afterAll(async () => {
        await Promise.all(Object.values(proxies ?? {}).map((p) => p.stop()));
    });
    beforeEach(() => {
        for (const p of Object.values(proxies)) p.authorizations.length = 0;
        rmSync(kubectlLog, { force: true });
    });

    /** The outputs with the ingress URLs of the three services at the proxies, as DNS sends the hosts to the controller. */
    function outputsBehindIngress(change: Partial<VerifyOutputs> = {}): string {
        const file = path.join(dir, `outputs-ingress-${Object.keys(change).join("-") || "basic"}.json`);
        const urls = { ...dev.urls, prometheus: proxies.prometheus.url, alertmanager: proxies.alertmanager.url, loki: proxies.loki.url };
        writeFileSync(file, JSON.stringify({ ...dev, urls, ...change }));
        return file;
    }
    const evidenceOf = (run: CliRun) => Object.fromEntries(checkLines(run.stdout).map((l) => [l.id, l.evidence]));
    const kubectlCalls = () => (existsSync(kubectlLog) ? readFileSync(kubectlLog, "utf8").trim().split("\n") : []);

    it("sends the credentials of VERIFY_INGRESS_USER and VERIFY_INGRESS_PASSWORD with every request, and passes", async () => {
        const run = await runVerify(["--outputs", outputsBehindIngress(), "--grafana-url", clean.grafana.url], {
            ...grafanaEnv,
            ...fromEnv,
            FAKE_KUBECTL_LOG: kubectlLog,
        });
        expect(run.stderr).toBe("");
        expect(run.stdout.trim().split("\n").pop()).toBe(`10 passed, 0 failed: env ${dev.env}, all checks passed`);
        expect(run.code).toBe(0);
        for (const proxy of Object.values(proxies)) {
            expect(proxy.authorizations.length).toBeGreaterThan(0);
            expect(new Set(proxy.authorizations)).toEqual(new Set([header]));
        }
        expect(kubectlCalls()).toEqual([]);
        expect(run.stdout).not.toContain(INGRESS_AUTH.password);
    });

    it("reads them with kubectl from the Secret the outputs name when a service is reached at its ingress URL", async () => {
        const run = await runVerify(["--outputs", outputsBehindIngress(), "--grafana-url", clean.grafana.url], {
            ...grafanaEnv,
            FAKE_KUBECTL_SECRET: `${INGRESS_AUTH.user}:${INGRESS_AUTH.password}`,
            FAKE_KUBECTL_LOG: kubectlLog,
        });
        expect(run.code).toBe(0);
        const ref = dev.ingressAuthSecret!;
        expect(ref).toEqual({ namespace: `monitoring-${dev.env}`, name: `ingress-auth-${dev.env}`, keys: { user: "username", password: "password" } });
        expect(kubectlCalls()).toEqual([
            `kubectl -n ${ref.namespace} get secret ${ref.name} -o jsonpath={.data.username}`,
            `kubectl -n ${ref.namespace} get secret ${ref.name} -o jsonpath={.data.password}`,
        ]);
        for (const proxy of Object.values(proxies)) expect(new Set(proxy.authorizations)).toEqual(new Set([header]));
        expect(run.stdout).not.toContain(INGRESS_AUTH.password);
    });

    it("reads nothing for services reached by port-forward, past the ingress", async () => {
        const run = await runVerify(urlFlags(clean), { ...grafanaEnv, FAKE_KUBECTL_LOG: kubectlLog });
        expect(run.code).toBe(0);
        expect(kubectlCalls()).toEqual([]);
    });

    it("names each refusal with what was sent, never the password", async () => {
        const run = await runVerify(["--outputs", outputsBehindIngress(), "--grafana-url", clean.grafana.url], {
            ...grafanaEnv,
            VERIFY_INGRESS_USER: INGRESS_AUTH.user,
            VERIFY_INGRESS_PASSWORD: "wrong-ingress-pw-never-printed",
        });
        expect(run.code).toBe(1);
        const sent = `sent the ingress credentials of user ${INGRESS_AUTH.user} from VERIFY_INGRESS_USER/VERIFY_INGRESS_PASSWORD`;
        const evidence = evidenceOf(run);
        expect(evidence["prometheus.rules"]).toBe(`${proxies.prometheus.url}: authentication failed (HTTP 401) for /api/v1/rules; ${sent}`);
        expect(evidence["alertmanager.config"]).toBe(`${proxies.alertmanager.url}: authentication failed (HTTP 401) for /api/v2/status; ${sent}`);
        expect(evidence["loki.other-env-streams"]).toBe(`${proxies.loki.url}: authentication failed (HTTP 401) for /loki/api/v1/query_range; ${sent}`);
        // Grafana is not behind the ingress login.
        expect(
            checkLines(run.stdout)
                .filter((l) => l.ok)
                .map((l) => l.id),
        ).toEqual(Object.keys(dev.grafanaDatasourceUids).map((k) => `grafana.datasource.${k}`));
        expect(run.stdout).not.toContain("wrong-ingress-pw-never-printed");
    });

    it("without credentials and without a readable Secret, says why nothing was sent and how to give them", async () => {
        const run = await runVerify(["--outputs", outputsBehindIngress(), "--grafana-url", clean.grafana.url], grafanaEnv);
        expect(run.code).toBe(1);
        expect(evidenceOf(run)["prometheus.rules"]).toBe(
            `${proxies.prometheus.url}: authentication failed (HTTP 401) for /api/v1/rules; ${noIngressCredentials(dev.env)}`,
        );
        for (const proxy of Object.values(proxies)) expect(new Set(proxy.authorizations)).toEqual(new Set([""]));
    });

    it("with an external auth service, points at port-forward and in-cluster URLs", async () => {
        const run = await runVerify(["--outputs", outputsBehindIngress({ ingressAuthSecret: null }), "--grafana-url", clean.grafana.url], {
            ...grafanaEnv,
            FAKE_KUBECTL_LOG: kubectlLog,
        });
        expect(run.code).toBe(1);
        expect(evidenceOf(run)["alertmanager.config"]).toBe(
            `${proxies.alertmanager.url}: authentication failed (HTTP 401) for /api/v2/status; these ingresses authenticate with an external service ` +
                "(outputs ingressAuthSecret is null): reach Prometheus, Alertmanager and Loki by kubectl port-forward (--prometheus-url, --alertmanager-url, --loki-url) or with --via cluster",
        );
        expect(kubectlCalls()).toEqual([]);
    });
});

describe("endpoints that do not answer properly", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    let blackhole: RunningServer;
    let tls: { url: string; stop: () => Promise<void>; certFile: string };
    beforeAll(async () => {
        blackhole = await startBlackhole();
        tls = await startSelfSignedServer(dir);
    }, PROCESS_TEST_TIMEOUT);
    afterAll(async () => {
        await blackhole?.stop();
        await tls?.stop();
    });

    it("reports refused, silent and auth failures per check, within the deadline, without a stack trace", async () => {
        const refused = `http://127.0.0.1:${await freePort()}`;
        const run = await runVerify(
            [
                "--outputs",
                outputsFile,
                "--timeout",
                "1",
                "--prometheus-url",
                refused,
                "--alertmanager-url",
                blackhole.url,
                "--loki-url",
                blackhole.url,
                "--grafana-url",
                clean.grafana.url,
            ],
            { GRAFANA_USER: GRAFANA_AUTH.user, GRAFANA_PASSWORD: "wrong-password-never-printed" },
        );
        expect(run.code).toBe(1);
        expect(run.stderr).toBe("");
        // Within the deadline: the silent services cost the run about their 1 s deadline, not the
        // default 10 s each. Measured against the same run where every service refuses at once, so
        // what a busy machine adds to start-up (tsx, the outputs, the checks) counts on both sides.
        const allRefused = await runVerify(
            [
                "--outputs",
                outputsFile,
                "--timeout",
                "1",
                ...["--prometheus-url", "--alertmanager-url", "--loki-url", "--grafana-url"].flatMap((f) => [f, refused]),
            ],
            { GRAFANA_USER: GRAFANA_AUTH.user, GRAFANA_PASSWORD: "wrong-password-never-printed" },
        );
        expect(allRefused.code).toBe(1);
        expect(run.ms - allRefused.ms).toBeLessThan(10_000);
        const evidence = Object.fromEntries(checkLines(run.stdout).map((l) => [l.id, l.evidence]));
        expect(evidence["prometheus.rules"]).toBe(`${refused}: connection refused (is the service or your kubectl port-forward running?)`);
        expect(evidence["alertmanager.config"]).toBe(`${blackhole.url}: no answer within 1 s`);
        expect(evidence["loki.other-env-streams"]).toBe(`${blackhole.url}: no answer within 1 s`);
        expect(evidence["grafana.datasource.prometheus"]).toBe(
            `${clean.grafana.url}: authentication failed (HTTP 401) for /api/datasources/uid/${dev.grafanaDatasourceUids.prometheus}/health: check the Grafana user and password (user ${GRAFANA_AUTH.user})`,
        );
        expect(run.stdout).not.toContain("wrong-password-never-printed");
        expect(run.stdout.trim().split("\n").pop()).toBe(`0 passed, 10 failed: env ${dev.env}, 10 of 10 checks failed`);
    });

    it("names a certificate problem and accepts the CA given with --ca-file", async () => {
        const args = ["--outputs", outputsFile, "--timeout", "2", "--prometheus-url", tls.url];
        const [untrusted, trusted] = await Promise.all([runVerify(args), runVerify([...args, "--ca-file", tls.certFile])]);
        const rules = (r: CliRun) => Object.fromEntries(checkLines(r.stdout).map((l) => [l.id, l.evidence]))["prometheus.rules"];
        expect(rules(untrusted)).toBe(
            `${tls.url}: TLS error DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate; pass --ca-file <pem> with the ingress CA, or --insecure to skip verification`,
        );
        // Alertmanager and Loki are left at their ingress URLs, so verify looked for the ingress credentials.
        const refused = `${tls.url}: authentication failed (HTTP 401) for /api/v1/rules; ${noIngressCredentials(dev.env)}`;
        expect(rules(trusted)).toBe(refused);
        expect(rules(await runVerify([...args, "--insecure"]))).toBe(refused);
    });

    it("names a redirect (login proxy) instead of failing on the HTML it gets", async () => {
        const proxy = await startRedirect("https://login.example/oauth2/start");
        try {
            const run = await runVerify(["--outputs", outputsFile, "--timeout", "2", "--prometheus-url", proxy.url]);
            const rules = Object.fromEntries(checkLines(run.stdout).map((l) => [l.id, l.evidence]))["prometheus.rules"];
            expect(rules).toBe(
                `${proxy.url}/api/v1/rules: redirected (HTTP 302) to https://login.example/oauth2/start; give the final URL; ${noIngressCredentials(dev.env)}`,
            );
        } finally {
            await proxy.stop();
        }
    });

    it("says how to go on when the Pulumi CLI is missing, and rejects unknown arguments, with exit code 2", async () => {
        const noCli = await runVerify([dev.env], { PATH: "/nonexistent" });
        expect(noCli.code).toBe(2);
        expect(noCli.stdout).toBe("");
        expect(noCli.stderr.trim()).toBe(
            `the Pulumi CLI (pulumi) is not on PATH; run \`pulumi stack output --json -s ${dev.env} > outputs.json\` where it is and pass --outputs outputs.json`,
        );
        const unknown = await runVerify(["--outputs", outputsFile, "--frobnicate"]);
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toBe("unknown argument --frobnicate (npm run verify -- --help lists the options)\n");
    });
});

/** An https server with a fresh self-signed certificate for 127.0.0.1 that answers every request with 401. */
async function startSelfSignedServer(tmp: string) {
    const keyFile = path.join(tmp, "tls.key");
    const certFile = path.join(tmp, "tls.crt");
    execFileSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            keyFile,
            "-out",
            certFile,
        ],
        { stdio: "pipe" },
    );
    const { readFileSync } = await import("node:fs");
    const server = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (_req, res) => {
        res.writeHead(401, { "content-type": "application/json" });
        res.end('{"message":"Unauthorized"}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    return { url: `https://127.0.0.1:${port}`, certFile, stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}
