/** kube-prometheus-stack values: the isolation model (items 1-5, 8), storage roles and Alertmanager wiring. */
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { isSecretValue } from "../scripts/lib/mockRuntime";
import { StackRun, resourcesOfType, valuesOf, useBothStacks, STACK_INGRESS_ANNOTATIONS, basicAuthAnnotations } from "./support/harness";
import { RANDOM_PASSWORD, SECRET } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();

describe.each(["dev", "prod"])("monitoring-%s", (env) => {
    const kps = () => valuesOf(runs[env].plan, `monitoring-${env}`);
    const keepEnv = { action: "keep", sourceLabels: ["namespace"], regex: `(.*-${env}|kube-system)?` };
    const ownKubelet = { action: "keep", sourceLabels: ["__meta_kubernetes_service_name"], regex: `monitoring-${env}-kubelet` };
    const metricsPath = { action: "replace", sourceLabels: ["__metrics_path__"], targetLabel: "metrics_path" };

    it("is release monitoring-<env> of the pinned chart in its own namespace", () => {
        expect(runs[env].plan.releases.find((r) => r.name === `monitoring-${env}`)).toEqual({
            stack: env,
            name: `monitoring-${env}`,
            namespace: `monitoring-${env}`,
            chart: "kube-prometheus-stack",
            repo: "https://prometheus-community.github.io/helm-charts",
            version: "88.5.3",
            source: "pin",
            valuesFile: `values/monitoring-${env}.yaml`,
            resource: "helm.v3.Release",
            patches: [],
        });
        expect(kps().fullnameOverride).toBe(`monitoring-${env}`);
    });

    it("1: Prometheus selects monitors, probes, scrape configs and rules only by its release label in env namespaces", () => {
        const spec = kps().prometheus.prometheusSpec;
        for (const kind of ["serviceMonitor", "podMonitor", "probe", "scrapeConfig", "rule"]) {
            expect(spec[`${kind}SelectorNilUsesHelmValues`]).toBe(false);
            expect(spec[`${kind}Selector`]).toEqual({ matchLabels: { release: `monitoring-${env}` } });
            expect(spec[`${kind}NamespaceSelector`]).toEqual({ matchLabels: { "platform.mlops/env": env } });
        }
    });

    it("2: kube-state-metrics and all kubelet endpoints keep only env namespaces, kube-system and namespace-less series", () => {
        const sm = kps().kubelet.serviceMonitor;
        expect(sm.metricRelabelings).toEqual([keepEnv]);
        // The chart's own cAdvisor drops (as rendered by kube-prometheus-stack) survive, then the env keep.
        expect(sm.cAdvisorMetricRelabelings.map((r: any) => `${r.action} ${r.sourceLabels.join(",")} ${r.regex}`)).toEqual([
            "drop __name__ container_cpu_(cfs_throttled_seconds_total|load_average_10s|system_seconds_total|user_seconds_total)",
            "drop __name__ container_fs_(io_current|io_time_seconds_total|io_time_weighted_seconds_total|reads_merged_total|sector_reads_total|sector_writes_total|writes_merged_total)",
            "drop __name__ container_memory_(mapped_file|swap)",
            "drop __name__ container_(file_descriptors|tasks_state|threads_max)",
            "drop __name__,scope container_memory_failures_total;hierarchy",
            "drop __name__,interface container_network_.*;(cali|cilium|cni|lxc|nodelocaldns|tunl).*",
            "drop __name__ container_spec.*",
            "drop id,pod .+;",
            `keep namespace (.*-${env}|kube-system)?`,
        ]);
        expect(sm.probesMetricRelabelings).toEqual([keepEnv]);
        expect(sm.resourceMetricRelabelings).toEqual([keepEnv]);
        expect(kps()["kube-state-metrics"].prometheus.monitor.http.metricRelabelings).toEqual([keepEnv]);
        const re = new RegExp(`^(?:${keepEnv.regex})$`);
        expect(["", `fastapi-${env}`, `monitoring-${env}`, "kube-system"].every((ns) => re.test(ns))).toBe(true);
        const other = env === "dev" ? "prod" : "dev";
        expect([`fastapi-${other}`, `monitoring-${other}`, "default", `x${env}`].some((ns) => re.test(ns))).toBe(false);
    });

    it("3: the env's operator reconciles only the env's Prometheus, Alertmanager and configs", () => {
        const op = kps().prometheusOperator;
        for (const key of ["prometheusInstanceNamespaces", "alertmanagerInstanceNamespaces", "alertmanagerConfigNamespaces", "thanosRulerInstanceNamespaces"]) {
            expect(op[key]).toEqual([`monitoring-${env}`]);
        }
    });

    it("4: every kubelet endpoint scrapes through this env's kubelet Service only", () => {
        const sm = kps().kubelet.serviceMonitor;
        for (const key of ["relabelings", "cAdvisorRelabelings", "probesRelabelings", "resourceRelabelings"]) {
            expect(sm[key]).toEqual([ownKubelet, metricsPath]);
        }
        expect(kps().prometheusOperator.kubeletService).toEqual({ enabled: true, namespace: "kube-system" });
    });

    it("5: node-exporter takes no host network and no host port", () => {
        expect(kps()["prometheus-node-exporter"].hostNetwork).toBe(false);
        expect(JSON.stringify(kps())).not.toContain("hostPort");
    });

    it("8: Grafana has this env's Prometheus, Alertmanager and Loki datasources and reads only its own namespace", () => {
        const g = kps().grafana;
        expect(g.additionalDataSources).toEqual([
            {
                name: "Loki",
                type: "loki",
                uid: `loki-${env}`,
                url: `http://loki-${env}.observability-${env}.svc.cluster.local:3100`,
                access: "proxy",
                isDefault: false,
                jsonData: { maxLines: 1000 },
            },
        ]);
        expect(g.sidecar.datasources).toEqual({
            searchNamespace: [`monitoring-${env}`],
            uid: `prometheus-${env}`,
            alertmanager: { uid: `alertmanager-${env}` },
        });
        expect(g.sidecar.dashboards).toEqual({ enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: [`monitoring-${env}`] });
        expect(g.rbac).toEqual({ namespaced: true });
    });

    it("puts the TSDB on local-path and Grafana and Alertmanager on the env's NFS class", () => {
        const v = kps();
        const claim = (sc: string, size: string) => ({
            volumeClaimTemplate: { spec: { storageClassName: sc, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } },
        });
        const sizes = env === "dev" ? ["10Gi", "1Gi", "2Gi"] : ["50Gi", "5Gi", "10Gi"];
        expect(v.prometheus.prometheusSpec.storageSpec).toEqual(claim(`local-path-${env}`, sizes[0]));
        expect(v.prometheus.prometheusSpec.retention).toBe(env === "dev" ? "7d" : "30d");
        expect(v.prometheus.prometheusSpec.retentionSize).toBe(env === "dev" ? "8GiB" : "45GiB");
        expect(v.alertmanager.alertmanagerSpec.storage).toEqual(claim(`nfs-${env}`, sizes[1]));
        expect(v.grafana.persistence).toEqual({
            enabled: true,
            type: "pvc",
            storageClassName: `nfs-${env}`,
            size: sizes[2],
            accessModes: ["ReadWriteOnce"],
            ...(env === "prod" ? { annotations: { "helm.sh/resource-policy": "keep" } } : {}),
        });
    });

    it("runs NFS writers as fixed non-root users with fsGroup", () => {
        const v = kps();
        expect(v.grafana.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 472, runAsGroup: 472, fsGroup: 472, fsGroupChangePolicy: "OnRootMismatch" });
        expect(v.grafana.initChownData).toEqual({ enabled: false });
        expect(v.alertmanager.alertmanagerSpec.securityContext).toEqual({
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 2000,
            fsGroup: 2000,
            fsGroupChangePolicy: "OnRootMismatch",
        });
    });

    it("wires Alertmanager to the program's config Secret with a null receiver and Watchdog to null", () => {
        const spec = kps().alertmanager.alertmanagerSpec;
        expect(spec.useExistingSecret).toBe(true);
        expect(spec.configSecret).toBe(`alertmanager-config-${env}`);
        expect(spec.alertmanagerConfigSelector).toEqual({ matchLabels: { release: `monitoring-${env}` } });
        expect(spec.secrets).toEqual([`alertmanager-slack-${env}`]);
        // The kubernetes SDK marks every Secret's stringData secret, so read the recorded input itself.
        const secret = runs[env].run.resources.find((r) => r.name === `monitoring-${env}-alertmanager-config`)!;
        const inputs = secret.inputs as any;
        expect(inputs.metadata.name).toBe(`alertmanager-config-${env}`);
        expect(inputs.metadata.namespace).toBe(`monitoring-${env}`);
        expect(isSecretValue(inputs.stringData)).toBe(true);
        const config = yaml.load(inputs.stringData.value["alertmanager.yaml"]) as any;
        expect(config.route).toEqual({
            receiver: "null",
            group_by: ["alertname", "namespace", "severity"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: env === "dev" ? "12h" : "4h",
            routes: [
                { matchers: ['alertname=~"Watchdog|InfoInhibitor"'], receiver: "null", continue: false },
                // Shared infrastructure: prod pages for it, dev does not.
                ...[
                    ['namespace=~"(kube-system)?"'],
                    ['alertname=~"Node.+"', 'job="node-exporter"', `namespace="monitoring-${env}"`],
                    ['alertname=~"KubeNode.+"', 'job="kube-state-metrics"', `namespace="monitoring-${env}"`],
                ].map((matchers) => ({ matchers, receiver: env === "prod" ? "slack-prod" : "null", continue: false })),
                { matchers: [`namespace=~".*-${env}"`], receiver: `slack-${env}`, continue: false },
            ],
        });
        expect(config.receivers).toEqual([
            { name: "null" },
            {
                name: `slack-${env}`,
                slack_configs: [
                    {
                        api_url_file: `/etc/alertmanager/secrets/alertmanager-slack-${env}/url`,
                        ...(env === "prod" ? { channel: "#alerts-prod" } : {}),
                        send_resolved: true,
                        title: '{{ template "platform.slack.title" . }}',
                        text: '{{ template "platform.slack.text" . }}',
                        color: '{{ template "platform.slack.color" . }}',
                    },
                ],
            },
        ]);
        expect(config.templates).toEqual(["/etc/alertmanager/config/*.tmpl"]);
        expect(inputs.stringData.value["slack.tmpl"]).toContain(`[${env.toUpperCase()}][{{ .Status | toUpper }}`);
        // The config is plain enough for the offline plan, which shows it as its own file.
        expect(yaml.load(runs[env].plan.artifacts["alertmanager/alertmanager.yaml"])).toEqual(config);
        expect(JSON.stringify(config)).not.toContain("hooks.slack.com");
    });

    it("keeps the Slack webhook from secret config in its own Secret in the monitoring namespace", () => {
        const secret = runs[env].run.resources.find((r) => r.name === `monitoring-${env}-alertmanager-slack`)!;
        const inputs = secret.inputs as any;
        expect(inputs.metadata).toMatchObject({ name: `alertmanager-slack-${env}`, namespace: `monitoring-${env}` });
        expect(isSecretValue(inputs.stringData)).toBe(true);
        expect(inputs.stringData.value).toEqual({ url: runs[env].run.stack.config["mlops-platform:alertmanagerSlackWebhook"] });
    });

    it("exposes Grafana, Prometheus and Alertmanager over TLS on env hosts, Prometheus and Alertmanager behind the ingress login", () => {
        const v = kps();
        for (const [key, host] of [
            ["prometheus", `prometheus-${env}.mlops.internal`],
            ["alertmanager", `alertmanager-${env}.mlops.internal`],
        ]) {
            expect(v[key].ingress).toEqual({
                enabled: true,
                ingressClassName: "nginx",
                annotations: { ...STACK_INGRESS_ANNOTATIONS, ...basicAuthAnnotations(env) },
                hosts: [host],
                paths: ["/"],
                pathType: "Prefix",
                tls: [{ hosts: [host], secretName: `${key}-${env}-tls` }],
            });
        }
        // Grafana has its own login: no second one in front of it.
        expect(v.grafana.ingress).toEqual({
            enabled: true,
            ingressClassName: "nginx",
            annotations: STACK_INGRESS_ANNOTATIONS,
            hosts: [`grafana-${env}.mlops.internal`],
            path: "/",
            pathType: "Prefix",
            tls: [{ hosts: [`grafana-${env}.mlops.internal`], secretName: `grafana-${env}-tls` }],
        });
        expect(v.prometheus.prometheusSpec.externalUrl).toBe(`https://prometheus-${env}.mlops.internal`);
        expect(v.alertmanager.alertmanagerSpec.externalUrl).toBe(`https://alertmanager-${env}.mlops.internal`);
    });

    it("gives Grafana its admin credentials from a generated secret in its own namespace", () => {
        const g = kps().grafana;
        expect(g.admin).toEqual({ existingSecret: `grafana-admin-${env}`, userKey: "admin-user", passwordKey: "admin-password" });
        const secret = resourcesOfType(runs[env].plan, SECRET).find((r) => r.name === `grafana-admin-${env}-secret`);
        expect((secret!.inputs as any).metadata).toMatchObject({ name: `grafana-admin-${env}`, namespace: `monitoring-${env}` });
        expect((secret!.inputs as any).stringData).toBe("[secret]");
        const generated = resourcesOfType(runs[env].plan, RANDOM_PASSWORD);
        expect(generated.find((r) => r.parent!.endsWith(`GrafanaAdmin::grafana-admin-${env}`))!.inputs).toEqual({ length: 32, special: false });
    });
});
