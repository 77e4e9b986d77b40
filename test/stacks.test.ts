/** dev and prod built from their real stack files: outputs contract, protection, sizing. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { requestTotals, workloadInventory } from "../components/sizing";
import { PROJECT, ROOT, StackRun, valuesOf, useBothStacks } from "./support/harness";
import { parseStackConfig } from "../scripts/lib/stackFile";
import { DEPLOYMENT, NAMESPACE } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();

const configOf = (stack: string) => parseStackConfig(runs[stack].run.stack);

describe.each(["dev", "prod"])("stack %s", (env) => {
    it("exports the documented outputs contract", () => {
        const svc = (name: string, ns: string, port: number) => `http://${name}.${ns}.svc.cluster.local:${port}`;
        expect(runs[env].plan.outputs).toEqual({
            contractVersion: 2,
            env,
            workloads: { fastapi: true, mlflow: true, airflow: true },
            namespaces: {
                storage: `storage-${env}`,
                monitoring: `monitoring-${env}`,
                observability: `observability-${env}`,
                fastapi: `fastapi-${env}`,
                mlflow: `mlflow-${env}`,
                airflow: `airflow-${env}`,
            },
            urls: {
                grafana: `https://grafana-${env}.mlops.internal`,
                prometheus: `https://prometheus-${env}.mlops.internal`,
                alertmanager: `https://alertmanager-${env}.mlops.internal`,
                loki: `https://loki-${env}.mlops.internal`,
                fastapi: `https://fastapi-${env}.mlops.internal`,
                mlflow: `https://mlflow-${env}.mlops.internal`,
                airflow: `https://airflow-${env}.mlops.internal`,
            },
            endpoints: {
                prometheus: svc(`monitoring-${env}-prometheus`, `monitoring-${env}`, 9090),
                alertmanager: svc(`monitoring-${env}-alertmanager`, `monitoring-${env}`, 9093),
                grafana: svc(`monitoring-${env}-grafana`, `monitoring-${env}`, 80),
                lokiQuery: svc(`loki-${env}`, `observability-${env}`, 3100),
                lokiPush: `${svc(`loki-${env}`, `observability-${env}`, 3100)}/loki/api/v1/push`,
                fastapi: svc(`fastapi-${env}`, `fastapi-${env}`, 80),
                mlflow: svc(`mlflow-${env}`, `mlflow-${env}`, 5000),
                airflow: svc(`airflow-${env}-api-server`, `airflow-${env}`, 8080),
            },
            storageClasses: { nfs: `nfs-${env}`, localPath: `local-path-${env}` },
            releases: {
                nfs: `nfs-${env}`,
                monitoring: `monitoring-${env}`,
                loki: `loki-${env}`,
                promtail: `promtail-${env}`,
                alloy: `alloy-${env}`,
                airflow: `airflow-${env}`,
            },
            monitoringReleaseLabel: { release: `monitoring-${env}` },
            grafanaDatasourceUids: { prometheus: `prometheus-${env}`, loki: `loki-${env}`, alertmanager: `alertmanager-${env}` },
            grafanaAdminSecret: { namespace: `monitoring-${env}`, name: `grafana-admin-${env}`, keys: { user: "admin-user", password: "admin-password" } },
            ingressAuthSecret: { namespace: `monitoring-${env}`, name: `ingress-auth-${env}`, keys: { user: "username", password: "password" } },
            alerting: { sharedInfrastructure: env === "prod" },
            // Both stack files keep Promtail (the default): their installs predate the choice.
            logAgent: { agent: "promtail", release: `promtail-${env}`, job: `promtail-${env}-metrics` },
        });
    });

    it("creates the env namespaces with the env label", () => {
        const ns = runs[env].plan.resources.filter((r) => r.type === NAMESPACE);
        expect(ns.map((r) => (r.inputs as any).metadata.name)).toEqual([
            `storage-${env}`,
            `monitoring-${env}`,
            `observability-${env}`,
            `fastapi-${env}`,
            `mlflow-${env}`,
            `airflow-${env}`,
        ]);
        for (const r of ns) expect((r.inputs as any).metadata.labels["platform.mlops/env"]).toBe(env);
    });

    it("passes every workload exactly the resources the sizing inventory reports", () => {
        const cfg = configOf(env);
        const kps = valuesOf(runs[env].plan, `monitoring-${env}`);
        const byName = Object.fromEntries(workloadInventory(cfg).map((w) => [w.workload, w.containers[0].resources]));
        expect(valuesOf(runs[env].plan, `nfs-${env}`).resources).toEqual(byName["nfs-subdir-external-provisioner"]);
        expect(kps.prometheusOperator.resources).toEqual(byName["prometheus-operator"]);
        expect(kps.prometheusOperator.prometheusConfigReloader.resources).toEqual(cfg.monitoring.operator.configReloaderResources);
        expect(kps.prometheus.prometheusSpec.resources).toEqual(byName.prometheus);
        expect(kps.alertmanager.alertmanagerSpec.resources).toEqual(byName.alertmanager);
        expect(kps.grafana.resources).toEqual(byName.grafana);
        expect(kps.grafana.sidecar.resources).toEqual(cfg.monitoring.grafana.sidecarResources);
        expect(kps["kube-state-metrics"].resources).toEqual(byName["kube-state-metrics"]);
        expect(kps["prometheus-node-exporter"].resources).toEqual(byName["node-exporter"]);
        expect(valuesOf(runs[env].plan, `loki-${env}`).singleBinary.resources).toEqual(byName.loki);
        expect(valuesOf(runs[env].plan, `promtail-${env}`).resources).toEqual(byName.promtail);
        const lp = runs[env].plan.resources.find((r) => r.type === DEPLOYMENT && r.name === `local-path-${env}-provisioner`)!.inputs as any;
        expect(lp.spec.template.spec.containers[0].resources).toEqual(byName["local-path-provisioner"]);
    });
});

describe("sizing", () => {
    it("fits the dev defaults, workloads included, in a small lab cluster (3 nodes: at most 2 vCPU and 4 GiB requested)", () => {
        const t = requestTotals(workloadInventory(configOf("dev")));
        // Platform 500m / 1376Mi, workloads 500m / 1728Mi (FastAPI, MLflow, four Airflow components).
        expect(t).toEqual({ fixed: { cpuMillis: 1000, memoryBytes: 3104 * 2 ** 20 }, perNode: { cpuMillis: 70, memoryBytes: 96 * 2 ** 20 } });
        expect(t.fixed.cpuMillis + 3 * t.perNode.cpuMillis).toBeLessThanOrEqual(2000);
        expect(t.fixed.memoryBytes + 3 * t.perNode.memoryBytes).toBeLessThanOrEqual(4 * 2 ** 30);
    });

    it("sizes every prod workload explicitly in Pulumi.prod.yaml", () => {
        const doc = yaml.load(readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, any> };
        const c = (k: string) => doc.config[`${PROJECT}:${k}`];
        const explicit = [
            c("storage").nfs.resources,
            c("storage").localPath.resources,
            ...["prometheus", "alertmanager", "grafana", "operator", "kubeStateMetrics", "nodeExporter"].map((k) => c("monitoring")[k].resources),
            c("monitoring").grafana.sidecarResources,
            c("monitoring").operator.configReloaderResources,
            c("logging").loki.resources,
            c("logging").promtail.resources,
            c("workloads").fastapi.resources,
            c("workloads").mlflow.resources,
            ...["scheduler", "apiServer", "dagProcessor", "triggerer", "workers"].map((k) => c("workloads").airflow.resources[k]),
        ];
        for (const r of explicit) expect(Object.keys(r.requests).sort().concat(Object.keys(r.limits).sort())).toEqual(["cpu", "memory", "cpu", "memory"]);
        // Platform 2140m (Alertmanager 2 x 70m with its reloader); FastAPI 2 x 500m, MLflow 2 x 500m,
        // Airflow 1000m + 500m + 250m + 100m.
        expect(requestTotals(workloadInventory(configOf("prod"))).fixed.cpuMillis).toBe(5990);
    });
});

describe("protection", () => {
    it("protects every prod resource and keeps prod namespaces and the FastAPI log claim on delete", () => {
        const prod = runs.prod.plan.resources;
        expect(prod.filter((r) => !r.protect).map((r) => r.name)).toEqual([]);
        // Its one read is no resource of prod's (a read is never protected, nor deleted): the cluster's
        // kube-system Namespace, which also carries the CRDs' version.
        expect(runs.prod.plan.reads.map((r) => r.name)).toEqual(["kube-system-prod"]);
        expect(prod.filter((r) => r.retainOnDelete).map((r) => r.name)).toEqual([
            "storage-prod",
            "monitoring-prod",
            "observability-prod",
            "fastapi-prod",
            "mlflow-prod",
            "airflow-prod",
            "fastapi-prod-logs",
        ]);
    });

    it("leaves dev destroyable", () => {
        expect(runs.dev.plan.resources.filter((r) => r.protect || r.retainOnDelete).map((r) => r.name)).toEqual([]);
    });
});
