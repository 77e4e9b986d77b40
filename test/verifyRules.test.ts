/** The verify command's judgement without servers: routing, env scope, arguments, outputs and the Loki window. */
import { describe, expect, it } from "vitest";
import { parseMatcher, receiversFor, WATCHDOG_LABELS } from "../scripts/lib/verify/alertmanager";
import { parseArgs } from "../scripts/lib/verify/args";
import { lokiWindow } from "../scripts/lib/verify/loki";
import { UsageError, VerifyOutputs, parseOutputs } from "../scripts/lib/verify/outputs";
import { envScope } from "../scripts/lib/verify/scope";
import { useBothStacks } from "./support/harness";
import { CHART_DEFAULT_ALERTMANAGER_CONFIG, programAlertmanagerConfig } from "./support/verifyCluster";

const runs = useBothStacks();
const outputs = (env: "dev" | "prod") => runs[env].plan.outputs as unknown as VerifyOutputs;

describe("Alertmanager routing as the check evaluates it", () => {
    it("sends Watchdog to null and the env's namespaces to the env receiver in the program's config", () => {
        const { route } = programAlertmanagerConfig(runs.dev, "dev");
        expect(receiversFor(route, WATCHDOG_LABELS)).toEqual(["null"]);
        expect(receiversFor(route, { alertname: "KubePodCrashLooping", namespace: "fastapi-dev" })).toEqual(["slack-dev"]);
        expect(receiversFor(route, { alertname: "KubePodCrashLooping", namespace: "fastapi-prod" })).toEqual(["null"]);
        expect(receiversFor(CHART_DEFAULT_ALERTMANAGER_CONFIG.route, WATCHDOG_LABELS)).toEqual(["null"]);
    });

    it("agrees with amtool on shared infrastructure: prod's Slack, dev's null", () => {
        const node = { alertname: "NodeFilesystemAlmostOutOfSpace", job: "node-exporter" };
        for (const [env, shared] of [
            ["dev", "null"],
            ["prod", "slack-prod"],
        ] as const) {
            const { route } = programAlertmanagerConfig(runs[env], env);
            expect(receiversFor(route, { alertname: "KubeletDown" })).toEqual([shared]);
            expect(receiversFor(route, { alertname: "KubePodCrashLooping", namespace: "kube-system" })).toEqual([shared]);
            expect(receiversFor(route, { ...node, namespace: `monitoring-${env}` })).toEqual([shared]);
            expect(receiversFor(route, { alertname: "TargetDown", job: "node-exporter", namespace: `monitoring-${env}` })).toEqual([`slack-${env}`]);
        }
    });

    it("follows first match, continue, inherited receivers and the legacy match keys", () => {
        const route = {
            receiver: "slack-dev",
            routes: [
                { match: { severity: "none" }, continue: true, routes: [{ matchers: ["alertname=Watchdog"], receiver: "pager-dev" }] },
                { match_re: { alertname: "Watch.*" }, receiver: "null" },
                { matchers: ['alertname="Watchdog"'], receiver: "never-reached" },
            ],
        };
        // A route that catches Watchdog before the null route is exactly the failure the check reports.
        expect(receiversFor(route, WATCHDOG_LABELS)).toEqual(["pager-dev", "null"]);
        expect(receiversFor(route, { alertname: "Other", severity: "none" })).toEqual(["slack-dev"]);
        expect(receiversFor({ receiver: "slack-dev" }, WATCHDOG_LABELS)).toEqual(["slack-dev"]);
    });

    it("reads every matcher form and anchors regexes", () => {
        expect(parseMatcher('alertname = "Watchdog"')(WATCHDOG_LABELS)).toBe(true);
        expect(parseMatcher("alertname=Watchdog")(WATCHDOG_LABELS)).toBe(true);
        expect(parseMatcher('namespace=~"a|b"')({ namespace: "xa" })).toBe(false);
        expect(parseMatcher('namespace!~"a|b"')({ namespace: "xa" })).toBe(true);
        expect(parseMatcher('namespace!=""')({})).toBe(false);
        expect(() => parseMatcher("not a matcher")).toThrow('cannot read matcher "not a matcher"');
    });
});

describe("env scope from the outputs", () => {
    it("allows the env's namespaces, anything ending in -<env> and kube-system; everything else is a leak", () => {
        const dev = envScope(outputs("dev"));
        expect(dev.leaked(["fastapi-dev", "kube-system", "team-dev", "fastapi-prod", "default", "xdev", "fastapi-prod"])).toEqual([
            "default",
            "fastapi-prod",
            "xdev",
        ]);
        expect(envScope(outputs("prod")).leaked(["fastapi-dev", "monitoring-prod", "kube-system"])).toEqual(["fastapi-dev"]);
    });

    it("holds only the namespaces the env creates: a switched-off workload's is named in the outputs but never created", () => {
        const dev = outputs("dev");
        expect(envScope(dev).namespaces).toEqual(["airflow-dev", "fastapi-dev", "mlflow-dev", "monitoring-dev", "observability-dev", "storage-dev"]);
        const off = envScope({ ...dev, workloads: { fastapi: false, mlflow: true, airflow: false } });
        expect(off.namespaces).toEqual(["mlflow-dev", "monitoring-dev", "observability-dev", "storage-dev"]);
        // Still this env's by name: series of a leftover pod there are not a leak.
        expect(off.leaked(["fastapi-dev", "airflow-dev"])).toEqual([]);
    });

    it("recognises another env's rule file by the namespace prometheus-operator puts first in its name", () => {
        const dev = envScope(outputs("dev"));
        const dir = "/etc/prometheus/rules/prometheus-monitoring-dev-prometheus-rulefiles-0";
        expect(dev.foreignRuleNamespace(`${dir}/monitoring-prod-platform-rules-0f3c.yaml`)).toBe("monitoring-prod");
        expect(dev.foreignRuleNamespace(`${dir}/fastapi-staging-latency-1a2b.yaml`)).toBe("fastapi-staging");
        expect(dev.foreignRuleNamespace(`${dir}/monitoring-dev-monitoring-prod-rules-0f3c.yaml`)).toBeUndefined();
        expect(dev.foreignRuleNamespace(`${dir}/default-rules-0f3c.yaml`)).toBeUndefined();
    });
});

describe("arguments and outputs", () => {
    it("takes credentials from the environment and validates every flag", () => {
        const args = parseArgs(["dev", "--via", "cluster", "--timeout", "2.5", "--loki-url", "http://127.0.0.1:3100"], {
            GRAFANA_USER: "admin",
            GRAFANA_PASSWORD: "pw",
        });
        expect(args).toMatchObject({
            stack: "dev",
            via: "cluster",
            timeoutMs: 2500,
            urls: { loki: "http://127.0.0.1:3100" },
            grafanaUser: "admin",
            grafanaPassword: "pw",
        });
        expect(() => parseArgs([])).toThrow("give a stack or --outputs <file>");
        expect(() => parseArgs(["dev", "--timeout", "0"])).toThrow('--timeout expects seconds from 0.1 to 300 (a decimal number), got "0"');
        expect(() => parseArgs(["dev", "--prometheus-url", "localhost:9090"])).toThrow('--prometheus-url expects an http(s) URL, got "localhost:9090"');
        expect(() => parseArgs(["dev", "--via", "vpn"])).toThrow('--via expects ingress or cluster, got "vpn"');
        expect(() => parseArgs(["dev", "--grafana-user", "admin"])).toThrow("give both the Grafana user and password");
    });

    it("accepts --timeout exactly from 0.1 to 300 seconds, as its message says", () => {
        const accepted: [string, number][] = [
            ["0.1", 100],
            ["0.10", 100],
            ["2.5", 2500],
            ["10", 10_000],
            ["300", 300_000],
            ["300.0", 300_000],
        ];
        for (const [v, ms] of accepted) expect(parseArgs(["dev", "--timeout", v]).timeoutMs).toBe(ms);
        for (const v of ["0", "0.0", "0.09", "0.0999", "300.001", "301", "-1", "1e2", ".5", "", "abc", "0x10"]) {
            expect(() => parseArgs(["dev", "--timeout", v])).toThrow(
                new UsageError(`--timeout expects seconds from 0.1 to 300 (a decimal number), got ${JSON.stringify(v)}`),
            );
        }
    });

    it("takes the ingress credentials from the environment only, both or neither", () => {
        expect(parseArgs(["dev"], { VERIFY_INGRESS_USER: "admin", VERIFY_INGRESS_PASSWORD: "pw" })).toMatchObject({
            ingressUser: "admin",
            ingressPassword: "pw",
        });
        expect(parseArgs(["dev"], { VERIFY_INGRESS_USER: "", VERIFY_INGRESS_PASSWORD: "" })).toMatchObject({
            ingressUser: undefined,
            ingressPassword: undefined,
        });
        expect(() => parseArgs(["dev"], { VERIFY_INGRESS_USER: "admin" })).toThrow(
            "give both the ingress user and password (VERIFY_INGRESS_USER and VERIFY_INGRESS_PASSWORD)",
        );
        expect(() => parseArgs(["dev", "--ingress-password", "pw"])).toThrow("unknown argument --ingress-password");
    });

    it("accepts the plan's outputs and names every contract problem at once", () => {
        expect(parseOutputs(outputs("dev"), "out/dev/outputs.json").env).toBe("dev");
        expect(() =>
            parseOutputs(
                {
                    ...outputs("dev"),
                    contractVersion: 1,
                    workloads: { fastapi: true },
                    urls: undefined,
                    grafanaAdminSecret: {},
                    alerting: { sharedInfrastructure: "no" },
                },
                "x.json",
            ),
        ).toThrow(
            "x.json does not match the outputs contract: contractVersion: expected 2, got 1; workloads: expected {fastapi, mlflow, airflow} of booleans; " +
                "urls: expected an object of strings and nulls; grafanaAdminSecret: expected {namespace, name, keys: {user, password}}; alerting: expected {sharedInfrastructure: true|false}",
        );
    });

    it("reads ingressAuthSecret as a Secret reference, null (external auth) or absent (outputs from before ingress auth)", () => {
        const { ingressAuthSecret, ...before } = outputs("dev");
        expect(parseOutputs(outputs("dev"), "o.json").ingressAuthSecret).toEqual(ingressAuthSecret);
        expect(parseOutputs({ ...before, ingressAuthSecret: null }, "o.json").ingressAuthSecret).toBeNull();
        expect(parseOutputs(before, "o.json").ingressAuthSecret).toBeUndefined();
        expect(() => parseOutputs({ ...before, ingressAuthSecret: { name: "ingress-auth-dev" } }, "o.json")).toThrow(
            "o.json does not match the outputs contract: ingressAuthSecret: expected {namespace, name, keys: {user, password}} or null",
        );
    });

    it("asks Loki for exactly the last hour in nanoseconds", () => {
        expect(lokiWindow(1_795_323_461_289)).toEqual({ start: "1795319861289000000", end: "1795323461289000000" });
    });
});
