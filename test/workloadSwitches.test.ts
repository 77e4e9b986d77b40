/**
 * Switching workloads off (`workloads.<name>.enabled: false`): nothing of a switched-off workload is
 * created, nothing else names it, its config and secrets are no longer required, and the outputs say
 * it is absent. Each workload alone and all three together, on a default-deny env with an autoscaled
 * FastAPI so that every kind of workload object is there to go.
 */
import * as yaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { WorkloadName, requiredSecretPlaceholders } from "../components/config/workloads";
import { workloadInventory } from "../components/sizing";
import { Plan } from "../scripts/lib/planWriter";
import { MINIMAL_SECRETS, PROJECT, StackRun, allStrings, runLoaded, stackFromConfig } from "./support/harness";
import { parseStackConfig } from "../scripts/lib/stackFile";
import { CONFIG_MAP, DEPLOYMENT, NAMESPACE, NETWORK_POLICY, PROMETHEUS_RULE } from "../components/resourceTypes";
import { BASE, CASES, OWN, PLATFORM_NAMESPACES, switchedOff } from "./support/workloadSwitchCases";

const key = (r: Plan["resources"][number]) => `${r.type} ${r.name}`;
const inputsOf = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type).map((r) => r.inputs as any);
const ruleGroups = (plan: Plan, file: string) =>
    Object.fromEntries(
        (yaml.load(plan.artifacts[`rules/${file}`]) as { groups: { name: string; rules: { alert: string }[] }[] }).groups.map((g) => [
            g.name,
            g.rules.map((r) => r.alert),
        ]),
    );
const sorted = (xs: readonly string[]) => [...xs].sort();

/** The name, host and Service-address token of each workload: none may appear anywhere once it is off. */
const TOKENS: Record<WorkloadName, string> = { fastapi: "fastapi-dev", mlflow: "mlflow-dev", airflow: "airflow-dev" };

let full: StackRun;
beforeAll(async () => {
    full = await runLoaded(stackFromConfig(BASE));
});

describe("all workloads on (the baseline every case is compared with)", () => {
    it("has every workload's resources and addresses", () => {
        const keys = full.plan.resources.map(key);
        for (const w of ["fastapi", "mlflow", "airflow"] as const) for (const k of OWN[w]) expect(keys, k).toContain(k);
        expect(full.plan.outputs.workloads).toEqual({ fastapi: true, mlflow: true, airflow: true });
        const o = full.plan.outputs as any;
        expect([o.urls.fastapi, o.urls.mlflow, o.urls.airflow]).toEqual([
            "https://fastapi-dev.mlops.example.com",
            "https://mlflow-dev.mlops.example.com",
            "https://airflow-dev.mlops.example.com",
        ]);
        expect([o.endpoints.fastapi, o.endpoints.mlflow, o.endpoints.airflow]).toEqual([
            "http://fastapi-dev.fastapi-dev.svc.cluster.local:80",
            "http://mlflow-dev.mlflow-dev.svc.cluster.local:5000",
            "http://airflow-dev-api-server.airflow-dev.svc.cluster.local:8080",
        ]);
    });
});

describe.each(CASES)("switched off: $off", (c) => {
    const isOff = (w: WorkloadName) => c.off.includes(w);
    let run: StackRun;
    beforeAll(async () => {
        // The config holds neither the workloads' settings nor the secrets only they read.
        run = await runLoaded(stackFromConfig(switchedOff(c.off, c.unneededSecrets)));
    });

    it("creates none of their resources and changes nothing else's set of resources", () => {
        const before = full.plan.resources.map(key);
        const after = run.plan.resources.map(key);
        expect(sorted(before.filter((k) => !after.includes(k)))).toEqual(sorted([...c.off.flatMap((w) => OWN[w]), ...c.alsoRemoved]));
        expect(after.filter((k) => !before.includes(k))).toEqual([]);
        expect(inputsOf(run.plan, NAMESPACE).map((n) => n.metadata.name)).toEqual(c.namespaces);
    });

    it("leaves no reference to them in any resource, chart value, generated file or address output", () => {
        const { namespaces, releases, ...addresses } = run.plan.outputs;
        // Names stay in `namespaces` and `releases` (the naming scheme's), by the outputs contract.
        expect([namespaces, releases]).toEqual([full.plan.outputs.namespaces, full.plan.outputs.releases]);
        const strings = allStrings([run.plan.resources, run.plan.values, run.plan.artifacts, addresses]);
        for (const w of c.off)
            expect(
                strings.filter((s) => s.includes(TOKENS[w])),
                w,
            ).toEqual([]);
    });

    it("gives the remaining workloads no setting that points at a switched-off one", () => {
        if (!isOff("fastapi")) {
            const fastapi = inputsOf(run.plan, DEPLOYMENT).find((d) => d.metadata.name === "fastapi-dev");
            expect(fastapi.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual([
                "APP_ENV",
                ...(isOff("mlflow") ? [] : ["MLFLOW_TRACKING_URI"]),
                "MODEL_NAME",
                "ALIAS_SELECTION_MODE",
                "DEFAULT_ALIAS",
                "CANARY_PERCENT",
                "LOG_LEVEL",
                "LOG_DIR",
                "HOME",
            ]);
        }
        if (!isOff("airflow")) {
            expect((run.plan.values["airflow-dev"] as any).env).toEqual([
                ...(isOff("mlflow") ? [] : [{ name: "MLFLOW_TRACKING_URI", value: "http://mlflow-dev.mlflow-dev.svc.cluster.local:5000" }]),
                ...(isOff("fastapi") ? [] : [{ name: "FASTAPI_RELOAD_URL", value: "http://fastapi-dev.fastapi-dev.svc.cluster.local:80" }]),
                { name: "MLOPS_ENV", value: "dev" },
            ]);
        }
        expect(sorted(run.plan.releases.map((r) => r.name))).toEqual(
            sorted(["nfs-dev", "monitoring-dev", "loki-dev", "promtail-dev", ...(isOff("airflow") ? [] : ["airflow-dev"])]),
        );
    });

    it("allows no call to a switched-off workload and keeps every other allowance", () => {
        const envCalls = Object.fromEntries(
            inputsOf(run.plan, NETWORK_POLICY)
                .filter((p) => p.metadata.name.startsWith("allow-env-"))
                .map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p.spec]),
        );
        expect(envCalls).toEqual(c.envCallPolicies);
        const namespaces = new Set(inputsOf(run.plan, NETWORK_POLICY).map((p) => p.metadata.namespace));
        expect([...namespaces].sort()).toEqual(sorted(["observability-dev", ...c.namespaces.filter((n) => !PLATFORM_NAMESPACES.includes(n))]));
    });

    // That the rule files still pass promtool and Loki's parser is test/integration/workloadSwitches.test.ts.
    it("has no alert rules for them", () => {
        expect(ruleGroups(run.plan, "prometheus.yaml")).toEqual(c.alertGroups);
        expect(ruleGroups(run.plan, "loki-fake.yaml")).toEqual(c.logAlertGroups);
        const rule = inputsOf(run.plan, PROMETHEUS_RULE)[0];
        expect(rule.spec).toEqual(yaml.load(run.plan.artifacts["rules/prometheus.yaml"]));
    });

    it("has no dashboards for them", () => {
        expect(sorted(Object.keys(run.plan.artifacts).filter((f) => f.startsWith("dashboards/")))).toEqual(
            sorted(c.dashboards.map((uid) => `dashboards/${uid}.json`)),
        );
        expect(
            inputsOf(run.plan, CONFIG_MAP)
                .filter((m) => m.metadata.name.startsWith("dashboard-"))
                .map((m) => m.metadata.name),
        ).toEqual(c.dashboards.map((uid) => `dashboard-${uid}`));
    });

    it("says in the outputs which workloads run, with null addresses for the switched-off ones", () => {
        const base = full.plan.outputs as any;
        const nulls = Object.fromEntries(c.off.map((w) => [w, null]));
        expect(run.plan.outputs).toEqual({
            ...base,
            workloads: { fastapi: !isOff("fastapi"), mlflow: !isOff("mlflow"), airflow: !isOff("airflow") },
            urls: { ...base.urls, ...nulls },
            endpoints: { ...base.endpoints, ...nulls },
        });
    });

    it("counts no requests for them", () => {
        const r = run.run.stack;
        const cfg = parseStackConfig(r);
        expect(workloadInventory(cfg).map((w) => w.workload)).toEqual(c.inventory);
    });

    it("asks the offline plan only for the secrets something switched on reads", () => {
        const config = { [`${PROJECT}:workloads`]: JSON.stringify(switchedOff(c.off, []).workloads) };
        expect(Object.keys(requiredSecretPlaceholders(config, PROJECT))).toEqual(c.requiredSecrets);
    });

    it("accepts and ignores the settings and secrets a switched-off workload keeps", async () => {
        const workloads: Record<string, unknown> = { ...BASE.workloads };
        for (const w of c.off) workloads[w] = { ...BASE.workloads[w], enabled: false };
        const kept = await runLoaded(stackFromConfig({ ...BASE, workloads }));
        expect(kept.plan.resources).toEqual(run.plan.resources);
        expect(kept.plan.values).toEqual(run.plan.values);
        expect(kept.plan.outputs).toEqual(run.plan.outputs);
    });
});

describe("switch config", () => {
    it("takes false given as a string (pulumi config set --path) like false", async () => {
        const { plan } = await runLoaded(stackFromConfig({ ...BASE, workloads: { ...BASE.workloads, mlflow: { enabled: "false" } } }));
        expect(plan.outputs.workloads).toEqual({ fastapi: true, mlflow: false, airflow: true });
        const config = { [`${PROJECT}:workloads`]: JSON.stringify({ mlflow: { enabled: "false" } }) };
        expect(Object.keys(requiredSecretPlaceholders(config, PROJECT))).not.toContain("mlflowDatabasePassword");
    });

    it("rejects a switch that is not a boolean", async () => {
        const failure = runLoaded(stackFromConfig({ ...BASE, workloads: { ...BASE.workloads, airflow: { ...BASE.workloads.airflow, enabled: "no" } } }));
        await expect(failure).rejects.toThrow('mlops-platform:workloads.airflow.enabled: expected true or false, got "no"');
    });

    it("does not check a switched-off workload's settings at all, unknown keys included", async () => {
        const mlflow = { enabled: false, image: "mlflow:latest", replicas: 99, databse: { host: "typo" } };
        const { plan } = await runLoaded(stackFromConfig({ ...BASE, workloads: { ...BASE.workloads, mlflow } }));
        expect(plan.outputs.workloads).toEqual({ fastapi: true, mlflow: false, airflow: true });
    });

    it("still rejects a secret of a switched-off workload set in plaintext (it sits unencrypted in the stack file)", async () => {
        const stack = stackFromConfig(switchedOff(["mlflow"], []));
        const loaded = { ...stack, secretKeys: stack.secretKeys.filter((k) => !k.endsWith(":mlflowDatabasePassword")) };
        await expect(runLoaded(loaded)).rejects.toThrow(
            "mlops-platform:mlflowDatabasePassword: expected a secret value (pulumi config set --secret mlflowDatabasePassword), got a plaintext value (not shown)",
        );
    });

    it("ignores an SSH key of a switched-off Airflow, whatever its DAG repository", async () => {
        // With Airflow on, a key next to MINIMAL_CONFIG's https repository is rejected.
        const config = { ...switchedOff(["airflow"], []), airflowGitSshKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n" };
        const { plan } = await runLoaded(stackFromConfig(config, ["airflowGitSshKey"]));
        expect(plan.resources.map(key).filter((k) => k.includes("git-ssh-key"))).toEqual([]);
    });

    it.each([
        ["the object store keys while Airflow still writes logs", ["mlflow"], ["s3AccessKeyId", "s3SecretAccessKey"]],
        ["the object store keys while MLflow still stores artifacts", ["airflow"], ["s3AccessKeyId", "s3SecretAccessKey"]],
        ["the app webhook while Airflow still notifies", ["fastapi"], ["appSlackWebhookUrl"]],
        ["the app webhook while FastAPI still notifies", ["airflow"], ["appSlackWebhookUrl"]],
    ] as const)("still requires %s", async (_label, off, missing) => {
        const failure = await runLoaded(stackFromConfig(switchedOff(off, missing))).then(
            () => undefined,
            (e: { cause: { problems: { key: string }[] } }) => e.cause.problems.map((p) => p.key),
        );
        expect(failure).toEqual(missing);
    });
});

describe("the all-off case", () => {
    it("leaves out every workload secret the harness sets", () => {
        // Guards the cases above: a secret added to the harness must be classified there too.
        expect(Object.keys(MINIMAL_SECRETS).sort()).toEqual(sorted(["alertmanagerSlackWebhook", ...CASES[CASES.length - 1].unneededSecrets]));
    });
});
