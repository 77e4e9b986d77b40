/**
 * Grafana Alloy as an env's log agent (`logging.agent: alloy`): Promtail's guarantees and the switch
 * from Promtail as one config change; its config under Alloy's own parser and printer is
 * test/integration/alloyFmt.test.ts.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig } from "../scripts/lib/stackFile";
import { requestTotals, workloadInventory } from "../components/sizing";
import { writePlan } from "../scripts/lib/planWriter";
import { alloyConfig } from "../components/logging/alloy";
import { helmTplLiteral } from "../components/logging/alloyConfig";
import { envNames } from "../components/naming";
import { diffPlans } from "../scripts/lib/planDiff";
import { alloyStandIn } from "./support/chartStandIns";
import { MINIMAL_CONFIG, StackRun, resourcesOfType, runLoaded, stackFromConfig, valuesOf, withWorkloadsOff } from "./support/harness";
import { SERVICE_MONITOR } from "../components/resourceTypes";

const ALLOY_CONFIG = { ...MINIMAL_CONFIG, logging: { agent: "alloy" } };
const names = envNames("dev", "mlops.example.com");
const ALL_ON = { fastapi: true, mlflow: true, airflow: true };

let promtail: StackRun;
let alloy: StackRun;
beforeAll(async () => {
    promtail = await runLoaded(stackFromConfig(MINIMAL_CONFIG));
    alloy = await runLoaded(stackFromConfig(ALLOY_CONFIG));
});

describe("the alloy-dev release", () => {
    const values = () => valuesOf(alloy.plan, "alloy-dev");

    it("is the pinned chart rendered as alloy-dev in observability-dev, and replaces promtail-dev", () => {
        expect(alloy.plan.releases.map((r) => r.name)).toEqual(["nfs-dev", "airflow-dev", "monitoring-dev", "loki-dev", "alloy-dev"]);
        expect(alloy.plan.releases.find((r) => r.name === "alloy-dev")).toEqual({
            stack: "dev",
            name: "alloy-dev",
            namespace: "observability-dev",
            chart: "alloy",
            repo: "https://grafana.github.io/helm-charts",
            version: "1.11.1",
            source: "pin",
            valuesFile: "values/alloy-dev.yaml",
            resource: "helm.v4.Chart",
            patches: [],
        });
    });

    it("sets exactly these chart values: node files, per-env positions, 10 s grace, narrow RBAC, no CRDs, no chart monitor", () => {
        expect(values()).toEqual({
            crds: { create: false },
            alloy: {
                configMap: { create: true, content: helmTplLiteral(alloyConfig(names, ALL_ON)) },
                clustering: { enabled: false, name: "alloy-dev" },
                storagePath: "/var/lib/alloy",
                enableReporting: false,
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                mounts: {
                    varlog: false,
                    dockercontainers: true,
                    extra: [
                        { name: "pods", mountPath: "/var/log/pods", readOnly: true },
                        { name: "storage", mountPath: "/var/lib/alloy" },
                        { name: "promtail-positions", mountPath: "/run/promtail", readOnly: true },
                    ],
                },
            },
            configReloader: { enabled: false },
            controller: {
                type: "daemonset",
                terminationGracePeriodSeconds: 10,
                volumes: {
                    extra: [
                        { name: "pods", hostPath: { path: "/var/log/pods" } },
                        { name: "storage", hostPath: { path: "/var/lib/alloy-dev", type: "DirectoryOrCreate" } },
                        { name: "promtail-positions", hostPath: { path: "/run/promtail-dev", type: "DirectoryOrCreate" } },
                    ],
                },
            },
            rbac: {
                create: true,
                rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }],
                clusterRules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
            },
            service: { enabled: true },
            serviceMonitor: { enabled: false },
        });
    });

    it("takes requests and limits from logging.alloy.resources", async () => {
        const resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };
        const sized = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, logging: { agent: "alloy", alloy: { resources } } }));
        expect(valuesOf(sized.plan, "alloy-dev").alloy.resources).toEqual(resources);
    });

    it("is scraped by the env's Prometheus only, through the program's own monitor of the chart's Service", () => {
        const monitors = resourcesOfType(alloy.plan, SERVICE_MONITOR).filter((r) => r.name.startsWith("alloy-"));
        expect(monitors.map((m) => m.inputs)).toEqual([
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: {
                    name: "alloy-dev",
                    namespace: "observability-dev",
                    labels: {
                        "app.kubernetes.io/part-of": "mlops-platform",
                        "app.kubernetes.io/managed-by": "pulumi",
                        "app.kubernetes.io/component": "alloy",
                        "platform.mlops/env": "dev",
                        release: "monitoring-dev",
                    },
                },
                spec: {
                    selector: { matchLabels: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "alloy-dev" } },
                    namespaceSelector: { matchNames: ["observability-dev"] },
                    endpoints: [{ port: "http-metrics", interval: "30s", scheme: "http" }],
                },
            },
        ]);
        // The chart's Service carries those labels and names the job: alloy-dev.
        const service = alloyStandIn({
            release: "alloy-dev",
            chart: "alloy",
            version: "1.11.1",
            namespace: "observability-dev",
            values: values(),
            crdsInstalled: true,
        }).find((o) => o.kind === "Service")!;
        expect([service.metadata.name, service.metadata.labels]).toEqual([
            "alloy-dev",
            expect.objectContaining({ "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "alloy-dev" }),
        ]);
        expect(alloy.plan.outputs.logAgent).toEqual({ agent: "alloy", release: "alloy-dev", job: "alloy-dev" });
    });

    it("watches the pods of the namespaces the env creates and kube-system, on its own node", () => {
        const config = alloy.plan.artifacts["alloy/config.alloy"]!;
        expect(config).toContain(
            [
                'discovery.kubernetes "pods" {',
                '\trole = "pod"',
                "",
                "\tnamespaces {",
                '\t\tnames = ["storage-dev", "monitoring-dev", "observability-dev", "fastapi-dev", "mlflow-dev", "airflow-dev", "kube-system"]',
                "\t}",
                "",
                "\tselectors {",
                '\t\trole  = "pod"',
                '\t\tfield = "spec.nodeName=" + sys.env("HOSTNAME")',
                "\t}",
                "}",
            ].join("\n"),
        );
        // Second fence: whatever discovery returns, only the env's namespaces and kube-system are kept.
        expect(config).toContain(
            [
                "\trule {",
                '\t\tsource_labels = ["__meta_kubernetes_namespace"]',
                '\t\tregex         = ".*-dev|kube-system"',
                '\t\taction        = "keep"',
                "\t}",
            ].join("\n"),
        );
    });

    it("leaves a switched-off workload's namespace (never created) out of discovery", async () => {
        const secrets = ["mlflowDatabasePassword", "airflowDatabasePassword", "s3AccessKeyId", "s3SecretAccessKey"];
        const off = await runLoaded(stackFromConfig({ ...withWorkloadsOff(MINIMAL_CONFIG, ["mlflow", "airflow"], secrets), logging: { agent: "alloy" } }));
        expect(off.plan.artifacts["alloy/config.alloy"]).toContain(
            '\t\tnames = ["storage-dev", "monitoring-dev", "observability-dev", "fastapi-dev", "kube-system"]',
        );
    });

    it("tails Promtail's files with Promtail's positions as a start, parses CRI lines and levels as Promtail does, and pushes to the env's Loki by FQDN", () => {
        const config = alloy.plan.artifacts["alloy/config.alloy"]!;
        const from = (start: string) => config.slice(config.indexOf(start));
        expect(from('local.file_match "pods" {')).toBe(
            [
                'local.file_match "pods" {',
                "\tpath_targets = discovery.relabel.pods.output",
                "}",
                "",
                'loki.source.file "pods" {',
                "\ttargets               = local.file_match.pods.targets",
                "\tforward_to            = [loki.process.pods.receiver]",
                '\tlegacy_positions_file = "/run/promtail/positions.yaml"',
                "}",
                "",
                'loki.process "pods" {',
                "\tforward_to = [loki.write.loki.receiver]",
                "",
                "\tstage.cri { }",
                "",
                "\tstage.match {",
                '\t\tselector = "{namespace=~\\".+\\"} |~ \\"^\\\\\\\\s*\\\\\\\\{\\""',
                "",
                "\t\tstage.json {",
                '\t\t\texpressions = {level = "level || severity || levelname"}',
                "\t\t}",
                "\t}",
                "",
                "\tstage.match {",
                '\t\tselector = "{namespace=~\\".+\\"} !~ \\"^\\\\\\\\s*\\\\\\\\{\\""',
                "",
                "\t\tstage.logfmt {",
                '\t\t\tmapping = {level = ""}',
                "\t\t}",
                "\t}",
                "",
                "\tstage.template {",
                '\t\tsource   = "level"',
                '\t\ttemplate = "{{ if .Value }}{{ ToLower .Value }}{{ else }}unknown{{ end }}"',
                "\t}",
                "",
                "\tstage.labels {",
                '\t\tvalues = {level = ""}',
                "\t}",
                "}",
                "",
                'loki.write "loki" {',
                "\tendpoint {",
                '\t\turl = "http://loki-dev.observability-dev.svc.cluster.local:3100/loki/api/v1/push"',
                "\t}",
                "}",
                "",
            ].join("\n"),
        );
    });

    it("gives a line Promtail's stream labels: the promtail chart's kubernetes-pods relabelings, in its order", () => {
        const config = alloy.plan.artifacts["alloy/config.alloy"]!;
        const targets = [...config.matchAll(/target_label {2}= "([^"]+)"/g)].map((m) => m[1]);
        expect(targets).toEqual([
            "__tmp_controller_name",
            "app",
            "instance",
            "component",
            "node_name",
            "namespace",
            "job",
            "pod",
            "container",
            "__path__",
            "__path__",
        ]);
        expect(config).toContain(
            ['\t\tsource_labels = ["namespace", "app"]', '\t\tseparator     = "/"', '\t\treplacement   = "$1"', '\t\ttarget_label  = "job"'].join("\n"),
        );
        expect(config).toContain(
            [
                '\t\tsource_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]',
                '\t\tseparator     = "/"',
                '\t\treplacement   = "/var/log/pods/*$1/*.log"',
                '\t\ttarget_label  = "__path__"',
            ].join("\n"),
        );
    });
});

describe("switching an env from Promtail to Alloy (one config change)", () => {
    it("plans no Promtail object and exactly the Alloy ones", () => {
        const resources = alloy.plan.resources;
        expect(resources.filter((r) => /promtail/i.test(`${r.type} ${r.name}`)).map((r) => r.name)).toEqual([]);
        expect(alloy.plan.releases.filter((r) => /promtail/.test(r.name))).toEqual([]);
        const diff = diffPlans(promtail.plan, alloy.plan);
        expect([diff.removed, diff.added]).toEqual([
            [
                "mlops:logging:Promtail promtail-dev",
                "kubernetes:helm.sh/v4:Chart promtail-dev",
                "kubernetes:monitoring.coreos.com/v1:ServiceMonitor promtail-dev-servicemonitor",
            ],
            [
                "mlops:logging:Alloy alloy-dev",
                "kubernetes:helm.sh/v4:Chart alloy-dev",
                "kubernetes:monitoring.coreos.com/v1:ServiceMonitor alloy-dev-servicemonitor",
            ],
        ]);
        // What follows the agent, and nothing else: Loki's push allowance, LogAgentDown, the outputs.
        expect(diff.changed).toEqual([
            {
                resource: "kubernetes:networking.k8s.io/v1:NetworkPolicy observability-dev-loki-dev-ingress",
                changes: [
                    { path: "inputs.spec.ingress[0].from[0].podSelector.matchLabels.app.kubernetes.io/instance", before: "promtail-dev", after: "alloy-dev" },
                    { path: "inputs.spec.ingress[0].from[0].podSelector.matchLabels.app.kubernetes.io/name", before: "promtail", after: "alloy" },
                ],
            },
            {
                resource: "kubernetes:monitoring.coreos.com/v1:PrometheusRule alert-rules-dev-rules",
                changes: [
                    {
                        path: "inputs.spec.groups[1].rules[0].annotations.description",
                        before: "{{ $value }} node(s) have no ready Promtail pod: their logs are not collected. Check the DaemonSet's pods and events.",
                        after: "{{ $value }} node(s) have no ready Alloy pod: their logs are not collected. Check the DaemonSet's pods and events.",
                    },
                    {
                        path: "inputs.spec.groups[1].rules[0].expr",
                        before: 'kube_daemonset_status_number_unavailable{namespace="observability-dev",daemonset="promtail-dev"} > 0',
                        after: 'kube_daemonset_status_number_unavailable{namespace="observability-dev",daemonset="alloy-dev"} > 0',
                    },
                ],
            },
        ]);
        expect(diff.charts).toEqual([
            { release: "alloy-dev", after: "alloy@1.11.1" },
            { release: "promtail-dev", before: "promtail@6.17.1" },
        ]);
        expect(diff.outputs).toEqual([
            { path: "logAgent.agent", before: "promtail", after: "alloy" },
            { path: "logAgent.job", before: "promtail-dev-metrics", after: "alloy-dev" },
            { path: "logAgent.release", before: "promtail-dev", after: "alloy-dev" },
        ]);
    });

    it("keeps Promtail's positions for Alloy to start from, on the same node path Promtail wrote", () => {
        expect(valuesOf(promtail.plan, "promtail-dev").defaultVolumes[0]).toEqual({
            name: "run",
            hostPath: { path: "/run/promtail-dev", type: "DirectoryOrCreate" },
        });
        expect(valuesOf(promtail.plan, "promtail-dev").config.positions).toEqual({ filename: "/run/promtail/positions.yaml" });
        const alloyValues = valuesOf(alloy.plan, "alloy-dev");
        expect(alloyValues.controller.volumes.extra[2]).toEqual({
            name: "promtail-positions",
            hostPath: { path: "/run/promtail-dev", type: "DirectoryOrCreate" },
        });
        expect(alloyValues.alloy.mounts.extra[2]).toEqual({ name: "promtail-positions", mountPath: "/run/promtail", readOnly: true });
    });

    it("writes the Alloy config into the offline plan and counts Alloy, not Promtail, per node", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "plan-alloy-"));
        const written = writePlan(alloy.plan, dir, []).map((f) => path.relative(dir, f));
        expect(written.filter((f) => /alloy|promtail/.test(f)).sort()).toEqual(["alloy/config.alloy", "values/alloy-dev.yaml"]);
        const r = alloy.run.stack;
        const cfg = parseStackConfig(r);
        expect(workloadInventory(cfg).filter((w) => w.kind === "DaemonSet")).toEqual([
            {
                workload: "node-exporter",
                kind: "DaemonSet",
                replicas: 1,
                containers: [{ name: "node-exporter", resources: cfg.monitoring.nodeExporter.resources }],
            },
            {
                workload: "alloy",
                kind: "DaemonSet",
                replicas: 1,
                containers: [{ name: "alloy", resources: valuesOf(alloy.plan, "alloy-dev").alloy.resources }],
            },
        ]);
        // node-exporter 20m/32Mi plus Alloy 50m/128Mi on every node.
        expect(requestTotals(workloadInventory(cfg)).perNode).toEqual({ cpuMillis: 70, memoryBytes: 160 * 2 ** 20 });
    });
});
