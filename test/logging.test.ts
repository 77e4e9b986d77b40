/** Loki and Promtail values, and the post-render patch that gives Promtail a 10 s grace period. */
import { describe, expect, it } from "vitest";
import { PIPELINE_STAGES } from "../components/logging/promtail";
import { patchTransform } from "../components/patches";
import { StackRun, valuesOf, resourcesOfType, useBothStacks, STACK_INGRESS_ANNOTATIONS, basicAuthAnnotations } from "./support/harness";
import { DAEMON_SET, DEPLOYMENT, SERVICE_MONITOR } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();

describe.each(["dev", "prod"])("logging-%s", (env) => {
    const loki = () => valuesOf(runs[env].plan, `loki-${env}`);
    const promtail = () => valuesOf(runs[env].plan, `promtail-${env}`);
    const push = `http://loki-${env}.observability-${env}.svc.cluster.local:3100/loki/api/v1/push`;

    it("installs Loki as loki-<env> in observability-<env>, single binary on the env's NFS class", () => {
        const rel = runs[env].plan.releases.find((r) => r.name === `loki-${env}`)!;
        expect([rel.namespace, rel.chart, rel.repo, rel.version, rel.resource]).toEqual([
            `observability-${env}`,
            "loki",
            "https://grafana-community.github.io/helm-charts",
            "18.11.0",
            "helm.v3.Release",
        ]);
        const v = loki();
        expect(v.deploymentMode).toBe("Monolithic");
        expect([v.singleBinary.replicas, v.read.replicas, v.write.replicas, v.backend.replicas]).toEqual([1, 0, 0, 0]);
        expect(v.loki.storage).toEqual({ type: "filesystem" });
        expect(v.loki.commonConfig).toEqual({ replication_factor: 1 });
        expect(v.singleBinary.persistence).toEqual({
            enabled: true,
            storageClass: `nfs-${env}`,
            size: env === "dev" ? "10Gi" : "100Gi",
            accessModes: ["ReadWriteOnce"],
            enableStatefulSetAutoDeletePVC: true,
            whenDeleted: env === "prod" ? "Retain" : "Delete",
            whenScaled: "Retain",
        });
        expect(v.loki.podSecurityContext).toEqual({
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            fsGroupChangePolicy: "OnRootMismatch",
        });
    });

    it("enforces retention through the compactor with a delete-request store", () => {
        const v = loki();
        expect(v.loki.compactor).toEqual({
            working_directory: "/var/loki/compactor",
            compaction_interval: "10m",
            retention_enabled: true,
            retention_delete_delay: "2h",
            delete_request_store: "filesystem",
        });
        expect(v.loki.limits_config).toEqual({ retention_period: env === "dev" ? "168h" : "720h" });
    });

    it("serves Loki's read APIs (never push or delete) on its env host over TLS behind the ingress login and is scraped by the env's Prometheus only", () => {
        const v = loki();
        expect(v.ingress).toEqual({
            enabled: true,
            ingressClassName: "nginx",
            annotations: { ...STACK_INGRESS_ANNOTATIONS, ...basicAuthAnnotations(env) },
            hosts: [`loki-${env}.mlops.internal`],
            tls: [{ hosts: [`loki-${env}.mlops.internal`], secretName: `loki-${env}-tls` }],
            // The chart's distributor paths (push, OTLP) and compactor path (delete) are dropped;
            // query-frontend and ruler paths keep the chart's defaults.
            paths: { distributor: [], compactor: [] },
        });
        expect(v.gateway).toEqual({ enabled: false });
        expect(v.rbac).toEqual({ namespaced: true });
        expect(v.monitoring).toEqual({ serviceMonitor: { enabled: true, labels: { release: `monitoring-${env}` } } });
    });

    it("6: Promtail reads only env namespaces and kube-system and pushes to the env's Loki by cluster DNS name", () => {
        const c = promtail().config;
        expect(c.clients).toEqual([{ url: push }]);
        expect(c.snippets.extraRelabelConfigs).toEqual([{ action: "keep", source_labels: ["__meta_kubernetes_namespace"], regex: `.*-${env}|kube-system` }]);
        // The chart renders the metrics Service; the ServiceMonitor is the program's, with its namespace set
        // (a rendered one would land in no namespace in a first preview before the CRDs exist).
        expect([promtail().service, promtail().serviceMonitor]).toEqual([{ enabled: true }, { enabled: false }]);
        const monitor = resourcesOfType(runs[env].plan, SERVICE_MONITOR).find((r) => r.name === `promtail-${env}-servicemonitor`);
        expect(monitor?.inputs).toEqual({
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: {
                name: `promtail-${env}`,
                namespace: `observability-${env}`,
                labels: {
                    "app.kubernetes.io/part-of": "mlops-platform",
                    "app.kubernetes.io/managed-by": "pulumi",
                    "app.kubernetes.io/component": "promtail",
                    "platform.mlops/env": env,
                    release: `monitoring-${env}`,
                },
            },
            spec: {
                selector: { matchLabels: { "app.kubernetes.io/name": "promtail", "app.kubernetes.io/instance": `promtail-${env}` } },
                namespaceSelector: { matchNames: [`observability-${env}`] },
                endpoints: [{ port: "http-metrics", interval: "30s", scheme: "http" }],
            },
        });
    });

    it("6: keeps positions on an env-only host path and mounts nothing from NFS", () => {
        const v = promtail();
        expect(v.config.positions).toEqual({ filename: "/run/promtail/positions.yaml" });
        expect(v.defaultVolumes).toEqual([
            { name: "run", hostPath: { path: `/run/promtail-${env}`, type: "DirectoryOrCreate" } },
            { name: "containers", hostPath: { path: "/var/lib/docker/containers" } },
            { name: "pods", hostPath: { path: "/var/log/pods" } },
        ]);
        expect(v.defaultVolumeMounts).toEqual([
            { name: "run", mountPath: "/run/promtail" },
            { name: "containers", mountPath: "/var/lib/docker/containers", readOnly: true },
            { name: "pods", mountPath: "/var/log/pods", readOnly: true },
        ]);
        expect(JSON.stringify(v)).not.toMatch(/nfs|persistentVolumeClaim/i);
    });

    it("parses CRI lines and extracts a lower-case level from JSON and logfmt lines", () => {
        expect(promtail().config.snippets.pipelineStages).toEqual(PIPELINE_STAGES);
        expect(PIPELINE_STAGES[0]).toEqual({ cri: {} });
        expect(PIPELINE_STAGES[1]).toEqual({
            match: { selector: '{namespace=~".+"} |~ "^\\\\s*\\\\{"', stages: [{ json: { expressions: { level: "level || severity || levelname" } } }] },
        });
        expect(PIPELINE_STAGES[2]).toEqual({
            match: { selector: '{namespace=~".+"} !~ "^\\\\s*\\\\{"', stages: [{ logfmt: { mapping: { level: "" } } }] },
        });
        expect(PIPELINE_STAGES.slice(3)).toEqual([
            { template: { source: "level", template: "{{ if .Value }}{{ ToLower .Value }}{{ else }}unknown{{ end }}" } },
            { labels: { level: "" } },
        ]);
    });

    it("renders Promtail as a chart and lists the grace-period patch with its release", () => {
        const rel = runs[env].plan.releases.find((r) => r.name === `promtail-${env}`)!;
        expect(rel).toEqual({
            stack: env,
            name: `promtail-${env}`,
            namespace: `observability-${env}`,
            chart: "promtail",
            repo: "https://grafana.github.io/helm-charts",
            version: "6.17.1",
            source: "pin",
            valuesFile: `values/promtail-${env}.yaml`,
            resource: "helm.v4.Chart",
            patches: [{ kind: "DaemonSet", name: `promtail-${env}`, set: { "spec.template.spec.terminationGracePeriodSeconds": 10 } }],
        });
    });
});

describe("post-render patch transform", () => {
    const transform = patchTransform([{ kind: "DaemonSet", name: "promtail-dev", set: { "spec.template.spec.terminationGracePeriodSeconds": 10 } }]);
    const daemonSet = (name: string) => ({
        type: DAEMON_SET,
        name: `observability-dev/${name}`,
        custom: true,
        opts: {},
        props: {
            metadata: { name, namespace: "observability-dev" },
            spec: { template: { spec: { terminationGracePeriodSeconds: 30, containers: [{ name: "promtail" }] } } },
        },
    });

    it("sets the grace period on the matching rendered DaemonSet and keeps the rest", async () => {
        const result = (await transform(daemonSet("promtail-dev"))) as { props: any };
        expect(result.props.spec.template.spec).toEqual({ terminationGracePeriodSeconds: 10, containers: [{ name: "promtail" }] });
        expect(result.props.metadata).toEqual({ name: "promtail-dev", namespace: "observability-dev" });
    });

    it("leaves other objects untouched", async () => {
        expect(await transform(daemonSet("promtail-prod"))).toBeUndefined();
        expect(await transform({ ...daemonSet("promtail-dev"), type: DEPLOYMENT })).toBeUndefined();
    });
});
