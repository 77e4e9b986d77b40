/**
 * The policy pack's rules over the engine's view of both deployed stacks (no violation), and over
 * broken copies of their resources (each rule reports exactly its violation). engine.test.ts runs
 * the same pack through @pulumi/policy's analyzer over first previews and deployed stacks.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { POLICIES } from "../policy/pack";
import { CheckedResource, DEFAULT_CONFIG, RULES, Violation, evaluate, isSensitiveKey, stackContext } from "../policy/rules";
import { ViewResource } from "../scripts/lib/engineView";
import { loadStack } from "../scripts/lib/stackFile";
import { ROOT, engineViews } from "./support/harness";
import { validateWith } from "./support/policyEngine";
import {
    CLUSTER_ROLE,
    CONFIG_MAP,
    DAEMON_SET,
    DEPLOYMENT,
    HELM_CHART,
    HELM_RELEASE,
    INGRESS,
    NAMESPACE,
    PROVIDER_PREFIX,
    PVC,
    RANDOM_PASSWORD,
    SERVICE_MONITOR,
    STORAGE_CLASS,
    VALIDATING_WEBHOOK_CONFIGURATION,
} from "../components/resourceTypes";

/** Each stack as the engine holds it after an up (components without inputs, chart objects rendered). */
const views = {} as Record<"dev" | "prod", ViewResource[]>;
beforeAll(async () => {
    for (const env of ["dev", "prod"] as const) views[env] = (await engineViews(loadStack(ROOT, env, { placeholderSecrets: true }))).deployed;
});

const checked = (view: readonly ViewResource[]): CheckedResource[] => view.map((r) => ({ ...r }));

/** The stack's resources with the one named `name` (of `type`) replaced by a mutated deep copy. */
function broken(env: "dev" | "prod", type: string, name: string, mutate: (r: CheckedResource & { props: any }) => void): CheckedResource[] {
    const resources = structuredClone(checked(views[env]));
    const target = resources.find((r) => r.type === type && r.name === name);
    if (!target) throw new Error(`no ${type} ${name} in the ${env} plan`);
    mutate(target as CheckedResource & { props: any });
    return resources;
}

/** A resource the plan does not have (one that other components or a chart's rendering would add). */
const extra = (type: string, name: string, props: Record<string, any>, protect = false): CheckedResource => ({
    type,
    name,
    urn: `urn:test::${name}`,
    protect,
    props,
});

const messagesOf = (violations: Violation[], policy: string) => violations.filter((v) => v.policy === policy).map((v) => v.message);
const run = (resources: CheckedResource[], policy: string) => messagesOf(evaluate(resources), policy);

describe("policy pack", () => {
    it("has one policy per lesson it encodes", () => {
        expect(RULES.map((r) => r.name)).toEqual([
            "prometheus-tsdb-not-on-nfs",
            "monitors-labelled-for-own-env",
            "no-cross-env-reference",
            "webhooks-select-own-env",
            "controllers-write-own-env",
            "nfs-writers-set-fsgroup",
            "log-agent-grace-period",
            "chart-version-pinned",
            "explicit-providers",
            "no-plaintext-secret",
            "protected-env-volumes-retained",
            "ingress-has-tls",
            "observability-ingress-authenticated",
        ]);
    });

    it.each(["dev", "prod"] as const)("passes on the deployed %s stack", (env) => {
        expect(evaluate(checked(views[env]))).toEqual([]);
    });

    it("derives each stack's env from its namespaces and knows prod is protected", () => {
        const dev = stackContext(checked(views.dev));
        const prod = stackContext(checked(views.prod));
        expect([dev.env, dev.otherEnvs, dev.protectedEnv, [...dev.nfsClasses]]).toEqual(["dev", ["prod"], false, ["nfs-dev"]]);
        expect([prod.env, prod.otherEnvs, prod.protectedEnv, [...prod.nfsClasses]]).toEqual(["prod", ["dev"], true, ["nfs-prod"]]);
    });

    it("refuses to guess the env of a stack without labelled namespaces", () => {
        expect(() => stackContext([])).toThrow('cannot tell the stack\'s env: its namespaces carry no platform.mlops/env label; set the policy config "env"');
        expect(stackContext([], { ...DEFAULT_CONFIG, env: "staging" }).otherEnvs).toEqual(["dev", "prod"]);
    });
});

describe("each policy reports its violation", () => {
    it("prometheus-tsdb-not-on-nfs", () => {
        const onNfs = broken("dev", HELM_RELEASE, "monitoring-dev", (r) => {
            r.props.values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName = "nfs-dev";
        });
        expect(run(onNfs, "prometheus-tsdb-not-on-nfs")).toEqual([
            "release monitoring-dev: the Prometheus TSDB is on NFS class nfs-dev; it must be on a local-path class",
        ]);
        const unset = broken("prod", HELM_RELEASE, "monitoring-prod", (r) => delete r.props.values.prometheus.prometheusSpec.storageSpec);
        expect(run(unset, "prometheus-tsdb-not-on-nfs")).toEqual([
            "release monitoring-prod: the Prometheus TSDB has no storage class (prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName); it must be a local-path class, never NFS",
        ]);
    });

    it("monitors-labelled-for-own-env", () => {
        const loki = broken("dev", HELM_RELEASE, "loki-dev", (r) => {
            r.props.values.monitoring.serviceMonitor.labels = { release: "monitoring-staging" };
        });
        expect(run(loki, "monitors-labelled-for-own-env")).toEqual([
            "release loki-dev: values.monitoring.serviceMonitor must be labelled release=monitoring-dev for its own env only (has release=monitoring-staging)",
        ]);
        const kps = broken("prod", HELM_RELEASE, "monitoring-prod", (r) => delete r.props.values.prometheus.prometheusSpec.ruleSelector);
        expect(run(kps, "monitors-labelled-for-own-env")).toEqual([
            "release monitoring-prod: prometheus.prometheusSpec.ruleSelector must select release=monitoring-prod only (selects everything)",
        ]);
        const monitor = extra(
            SERVICE_MONITOR,
            "fastapi-prod",
            { metadata: { name: "fastapi-prod", namespace: "fastapi-prod", labels: { release: "monitoring-prod", "platform.mlops/env": "dev" } } },
            true,
        );
        expect(run([...checked(views.prod), monitor], "monitors-labelled-for-own-env")).toEqual([
            "ServiceMonitor fastapi-prod carries platform.mlops/env=dev, not prod",
        ]);
    });

    it("no-cross-env-reference", () => {
        const promtail = broken("dev", DAEMON_SET, "promtail-dev:observability-dev/promtail-dev", (r) => {
            r.props.spec.template.spec.volumes.find((v: any) => v.name === "run").hostPath.path = "/run/promtail-prod";
        });
        expect(run(promtail, "no-cross-env-reference")).toEqual(["DaemonSet promtail-dev in env dev references env prod: /run/promtail-prod"]);
        const selector = broken("prod", HELM_RELEASE, "monitoring-prod", (r) => {
            r.props.values.prometheus.prometheusSpec.serviceMonitorNamespaceSelector.matchLabels["platform.mlops/env"] = "dev";
        });
        expect(run(selector, "no-cross-env-reference")).toEqual([
            "release monitoring-prod in env prod selects or carries platform.mlops/env=dev at values.prometheus.prometheusSpec.serviceMonitorNamespaceSelector.matchLabels",
        ]);
    });

    it("webhooks-select-own-env", () => {
        const unscoped = broken("dev", HELM_RELEASE, "monitoring-dev", (r) => delete r.props.values.prometheusOperator.admissionWebhooks);
        expect(run(unscoped, "webhooks-select-own-env")).toEqual([
            "release monitoring-dev: prometheus-operator admission webhooks must select only namespaces with platform.mlops/env=dev (prometheusOperator.admissionWebhooks.namespaceSelector: none, so every namespace)",
        ]);
        const byName = broken("prod", HELM_RELEASE, "monitoring-prod", (r) => {
            r.props.values.prometheusOperator.admissionWebhooks.namespaceSelector = {
                matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system"] }],
            };
        });
        expect(run(byName, "webhooks-select-own-env")).toEqual([
            'release monitoring-prod: prometheus-operator admission webhooks must select only namespaces with platform.mlops/env=prod (prometheusOperator.admissionWebhooks.namespaceSelector: {"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system"]}]})',
        ]);
        // Switched off, the chart renders no webhook; an In expression on the env alone selects it too.
        const off = broken("dev", HELM_RELEASE, "monitoring-dev", (r) => (r.props.values.prometheusOperator.admissionWebhooks = { enabled: false }));
        expect(run(off, "webhooks-select-own-env")).toEqual([]);
        const webhook = (name: string, namespaceSelector?: unknown) =>
            extra(VALIDATING_WEBHOOK_CONFIGURATION, name, {
                metadata: { name },
                webhooks: [{ name: `${name}.example.com`, ...(namespaceSelector ? { namespaceSelector } : {}) }],
            });
        const own = webhook("policy-dev", { matchExpressions: [{ key: "platform.mlops/env", operator: "In", values: ["dev"] }] });
        const both = webhook("quota-dev", { matchExpressions: [{ key: "platform.mlops/env", operator: "In", values: ["dev", "prod"] }] });
        expect(run([...checked(views.dev), own, both, webhook("everything-dev")], "webhooks-select-own-env")).toEqual([
            'ValidatingWebhookConfiguration quota-dev: webhook quota-dev.example.com must select only namespaces with platform.mlops/env=dev (its namespaceSelector: {"matchExpressions":[{"key":"platform.mlops/env","operator":"In","values":["dev","prod"]}]})',
            "ValidatingWebhookConfiguration everything-dev: webhook everything-dev.example.com must select only namespaces with platform.mlops/env=dev (its namespaceSelector: none, so every namespace)",
        ]);
    });

    it("controllers-write-own-env", () => {
        const charts = broken("dev", HELM_RELEASE, "monitoring-dev", (r) => delete r.props.values.global);
        charts.find((r) => r.type === HELM_RELEASE && r.name === "nfs-dev")!.props.values.rbac.create = true;
        expect(run(charts, "controllers-write-own-env")).toEqual([
            "release nfs-dev: rbac.create must be false: the chart's own RBAC grants the provisioner updates of claims and events in every namespace; declare namespaced Roles instead",
            "release monitoring-dev: global.rbac.create must be false: the chart's own RBAC grants prometheus-operator * on Secrets, ConfigMaps, StatefulSets and Prometheus objects in every namespace; declare namespaced Roles instead",
        ]);
        const clusterRole = broken("prod", CLUSTER_ROLE, "monitoring-prod-operator-cluster-read", (r) => {
            r.props.rules.push(
                { apiGroups: [""], resources: ["secrets", "nodes/status"], verbs: ["get", "update"] },
                { apiGroups: ["apps"], resources: ["*"], verbs: ["*"] },
            );
        });
        expect(run(clusterRole, "controllers-write-own-env")).toEqual([
            "ClusterRole monitoring-prod-operator-cluster-read grants update on secrets in every namespace; grant it with a Role in each of the env's namespaces",
            "ClusterRole monitoring-prod-operator-cluster-read grants * on * in every namespace; grant it with a Role in each of the env's namespaces",
        ]);
    });

    it("nfs-writers-set-fsgroup", () => {
        const kps = broken("dev", HELM_RELEASE, "monitoring-dev", (r) => {
            delete r.props.values.grafana.securityContext.fsGroup;
            delete r.props.values.alertmanager.alertmanagerSpec.securityContext;
        });
        expect(run(kps, "nfs-writers-set-fsgroup")).toEqual([
            "release monitoring-dev: Grafana writes to NFS class nfs-dev but grafana.securityContext.fsGroup is not set",
            "release monitoring-dev: Alertmanager writes to NFS class nfs-dev but alertmanager.alertmanagerSpec.securityContext.fsGroup is not set",
        ]);
        const loki = broken("prod", HELM_RELEASE, "loki-prod", (r) => delete r.props.values.loki.podSecurityContext);
        expect(run(loki, "nfs-writers-set-fsgroup")).toEqual([
            "release loki-prod: Loki writes to NFS class nfs-prod but loki.podSecurityContext.fsGroup is not set",
        ]);
        const claim = extra(PVC, "logs", {
            metadata: { name: "logs", namespace: "storage-dev" },
            spec: { storageClassName: "nfs-dev" },
        });
        const deployment = broken("dev", DEPLOYMENT, "local-path-dev-provisioner", (r) => {
            r.props.spec.template.spec.volumes.push({ name: "logs", persistentVolumeClaim: { claimName: "logs" } });
        });
        expect(run([...deployment, claim], "nfs-writers-set-fsgroup")).toEqual([
            "Deployment local-path-provisioner mounts NFS (claim logs on class nfs-dev) but sets no securityContext.fsGroup",
        ]);
    });

    it("log-agent-grace-period: the program's patch makes the rendered DaemonSet pass, anything else fails", () => {
        const ds = "promtail-dev:observability-dev/promtail-dev";
        // The DaemonSet as the chart renders it, with the program's transform applied (engineView.ts).
        expect(run(checked(views.dev), "log-agent-grace-period")).toEqual([]);
        expect(views.dev.find((r) => r.type === DAEMON_SET && r.name === ds)!.props).toMatchObject({
            spec: { template: { spec: { terminationGracePeriodSeconds: 10 } } },
        });
        const slow = broken("dev", DAEMON_SET, ds, (r) => (r.props.spec.template.spec.terminationGracePeriodSeconds = 30));
        expect(run(slow, "log-agent-grace-period")).toEqual([
            "DaemonSet promtail-dev: log agent promtail must set terminationGracePeriodSeconds to at most 10 (has 30)",
        ]);
        const unpatched = broken("dev", DAEMON_SET, ds, (r) => {
            delete r.props.spec.template.spec.terminationGracePeriodSeconds;
            r.props.spec.template.spec.volumes.push({ name: "buffer", nfs: { server: "10.0.0.5", path: "/x" } });
        });
        expect(run(unpatched, "log-agent-grace-period")).toEqual([
            "DaemonSet promtail-dev: log agent promtail must set terminationGracePeriodSeconds to at most 10 (has the default 30)",
            "DaemonSet promtail-dev: log agent promtail must not mount NFS or claims (buffer)",
        ]);
        const asRelease = extra(HELM_RELEASE, "promtail-dev", { name: "promtail-dev", chart: "promtail", version: "6.17.1" });
        expect(run([...checked(views.dev), asRelease], "log-agent-grace-period")).toEqual([
            "release promtail-dev: log agent chart promtail is a helm.v3.Release, whose DaemonSet no patch or policy can see; render it with helm.v4.Chart and patch terminationGracePeriodSeconds",
        ]);
    });

    it("chart-version-pinned", () => {
        const range = broken("dev", HELM_RELEASE, "loki-dev", (r) => (r.props.version = "^18.11.0"));
        expect(run(range, "chart-version-pinned")).toEqual(['release loki-dev: chart loki version "^18.11.0" is not an exact version (x.y.z)']);
        const drift = broken("prod", HELM_RELEASE, "nfs-prod", (r) => (r.props.version = "4.0.17"));
        expect(run(drift, "chart-version-pinned")).toEqual([
            "release nfs-prod: chart nfs-subdir-external-provisioner@4.0.17 differs from its pin 4.0.18 in components/versions.ts and is not declared in the policy config chartSources",
        ]);
        const otherRepo = broken("dev", HELM_RELEASE, "loki-dev", (r) => (r.props.repositoryOpts.repo = "https://grafana.github.io/helm-charts"));
        expect(run(otherRepo, "chart-version-pinned")).toEqual([
            "release loki-dev: chart loki from https://grafana.github.io/helm-charts is neither its pin in components/versions.ts (https://grafana-community.github.io/helm-charts) nor declared in the policy config chartSources",
        ]);
    });

    it("chart-version-pinned: a helm.v4.Chart is checked through the helm.sh/chart label of what it renders", () => {
        const children = (view: CheckedResource[]) => view.filter((r) => r.parent === view.find((c) => c.type === HELM_CHART)!.urn);
        const relabel = (label: string | undefined) => {
            const view = structuredClone(checked(views.prod));
            for (const child of children(view)) {
                if (label === undefined) delete child.props.metadata.labels["helm.sh/chart"];
                else child.props.metadata.labels["helm.sh/chart"] = label;
            }
            return view;
        };
        expect(children(checked(views.prod)).map((c) => c.props.metadata.labels["helm.sh/chart"])).toEqual(Array(6).fill("promtail-6.17.1"));
        expect(run(relabel("promtail-6.16.0"), "chart-version-pinned")).toEqual([
            "release promtail-prod: chart promtail@6.16.0 differs from its pin 6.17.1 in components/versions.ts and is not declared in the policy config chartSources",
        ]);
        expect(run(relabel("vector-0.40.0"), "chart-version-pinned")).toEqual([
            "release promtail-prod: chart vector from https://grafana.github.io/helm-charts is not pinned in components/versions.ts",
        ]);
        expect(run(relabel(undefined), "chart-version-pinned")).toEqual([
            "release promtail-prod: no object this helm.v4.Chart renders carries a helm.sh/chart label, so its chart version cannot be checked",
        ]);
    });

    it("explicit-providers: nothing of the program on an engine default provider", () => {
        const onDefault = broken("dev", RANDOM_PASSWORD, "grafana-admin-dev-password", (r: any) => {
            r.provider = "urn:pulumi:dev::mlops-platform::pulumi:providers:random::default_4_21_2";
        });
        expect(run(onDefault, "explicit-providers")).toEqual([
            "RandomPassword grafana-admin-dev-password is managed by the default provider default_4_21_2; give it the env's explicit provider",
        ]);
        // The program's own two providers (Kubernetes' top-level: the cluster check reads through it
        // before the Platform exists), and the one the engine adds for the helm.v4.Chart.
        expect(
            checked(views.dev)
                .filter((r) => r.type.startsWith(PROVIDER_PREFIX))
                .map((r) => r.urn.split("::").slice(-2).join("::")),
        ).toEqual(["pulumi:providers:pulumi::default", "pulumi:providers:kubernetes::k8s-dev", "mlops:platform:Platform$pulumi:providers:random::random-dev"]);
    });

    it("no-plaintext-secret", () => {
        const kps = broken("dev", HELM_RELEASE, "monitoring-dev", (r) => {
            r.props.values.grafana.adminPassword = "hunter2hunter2hunter2";
            r.props.values.grafana["grafana.ini"].security = { secret_key: "abc", admin_password: "$__file{/etc/secrets/pw}" };
            // A reference to a key inside a Secret is fine; a literal credential beside it is not.
            r.props.values.extraSecretEnv = [
                { envName: "TOKEN", secretName: "app-secrets", secretKey: "TOKEN" },
                { envName: "X", apiKey: "literal" },
            ];
        });
        expect(run(kps, "no-plaintext-secret")).toEqual([
            "release monitoring-dev holds plaintext secrets at values.grafana.adminPassword, values.grafana.grafana.ini.security.secret_key, values.extraSecretEnv[1].apiKey; reference an existing Secret instead",
        ]);
        const configMap = broken("prod", CONFIG_MAP, "local-path-prod-config", (r) => {
            r.props.data["alertmanager.yaml"] = "global:\n  slack_api_url: https://hooks.slack.com/services/T0/B0/xyz\n";
            r.props.data.API_TOKEN = "abc123";
        });
        expect(run(configMap, "no-plaintext-secret")).toEqual([
            "ConfigMap local-path-config holds plaintext secrets at data.API_TOKEN, data.alertmanager.yaml.global.slack_api_url; reference an existing Secret instead",
        ]);
    });

    it("tells credentials from references to them by key", () => {
        const credentials = ["password", "adminPassword", "apiKey", "api_key", "secretKey", "clientSecret", "token", "webhook_url", "slack_api_url"];
        const references = ["existingSecret", "passwordKey", "userKey", "secretName", "configSecret", "tokenFile", "passwordPath", "useExistingSecret"];
        expect(credentials.filter((k) => !isSensitiveKey(k))).toEqual([]);
        expect(references.filter(isSensitiveKey)).toEqual([]);
    });

    it("protected-env-volumes-retained", () => {
        const resources = broken("prod", STORAGE_CLASS, "local-path-prod-class", (r) => (r.props.reclaimPolicy = "Delete"));
        const ns = resources.find((r) => r.name === "mlflow-prod" && r.type === NAMESPACE)!;
        Object.assign(ns, { retainOnDelete: false, protect: false });
        const nfs = resources.find((r) => r.name === "nfs-prod" && r.type === HELM_RELEASE)!;
        nfs.props.values.storageClass.reclaimPolicy = "Delete";
        const kps = resources.find((r) => r.name === "monitoring-prod" && r.type === HELM_RELEASE)!;
        delete kps.props.values.grafana.persistence.annotations;
        const loki = resources.find((r) => r.name === "loki-prod" && r.type === HELM_RELEASE)!;
        loki.props.values.singleBinary.persistence.whenDeleted = "Delete";
        expect(run(resources, "protected-env-volumes-retained")).toEqual([
            "Namespace mlflow-prod in protected env prod must be protected (protect: true)",
            "Namespace mlflow-prod in protected env prod must be retained on delete",
            'release nfs-prod in protected env prod: storageClass.reclaimPolicy must be "Retain" (NFS volumes outlive their claims)',
            "StorageClass local-path-prod in protected env prod must use reclaimPolicy Retain (has Delete)",
            'release monitoring-prod in protected env prod: grafana.persistence.annotations["helm.sh/resource-policy"] must be "keep" (Helm keeps Grafana\'s claim)',
            'release loki-prod in protected env prod: singleBinary.persistence.whenDeleted must be "Retain" (the StatefulSet keeps Loki\'s claim)',
        ]);
        // The kube-system Namespace the cluster check reads is in the stack unprotected (the engine
        // never protects a read), and is not the program's to protect.
        expect(resources.filter((r) => r.props.metadata?.name === "kube-system").map((r) => [r.name, r.protect])).toEqual([["kube-system-prod", false]]);
        // dev is not a protected env: the same settings are fine there.
        const dev = broken("dev", STORAGE_CLASS, "local-path-dev-class", (r) => (r.props.reclaimPolicy = "Delete"));
        expect(run(dev, "protected-env-volumes-retained")).toEqual([]);
    });

    it("ingress-has-tls", () => {
        const loki = broken("dev", HELM_RELEASE, "loki-dev", (r) => delete r.props.values.ingress.tls);
        expect(run(loki, "ingress-has-tls")).toEqual(["release loki-dev: ingress values.ingress has no TLS section"]);
        const grafana = broken("prod", HELM_RELEASE, "monitoring-prod", (r) => {
            r.props.values.grafana.ingress.hosts.push("grafana.mlops.internal");
        });
        expect(run(grafana, "ingress-has-tls")).toEqual(["release monitoring-prod: ingress values.grafana.ingress serves grafana.mlops.internal without TLS"]);
        const ingress = extra(INGRESS, "fastapi-dev", {
            metadata: { name: "fastapi-dev", namespace: "fastapi-dev" },
            spec: { rules: [{ host: "fastapi-dev.mlops.internal" }] },
        });
        expect(run([...checked(views.dev), ingress], "ingress-has-tls")).toEqual(["Ingress fastapi-dev has no TLS section"]);
    });
});

describe("observability-ingress-authenticated", () => {
    const AUTH = "nginx.ingress.kubernetes.io";
    const policy = "observability-ingress-authenticated";

    it("reports each Prometheus, Alertmanager and Loki ingress of the charts that lets requests through unauthenticated", () => {
        const kps = broken("dev", HELM_RELEASE, "monitoring-dev", (r) => {
            const annotations = r.props.values.prometheus.ingress.annotations;
            for (const key of ["auth-type", "auth-secret", "auth-realm"]) delete annotations[`${AUTH}/${key}`];
            delete r.props.values.alertmanager.ingress.annotations[`${AUTH}/auth-secret`];
            // An ingress the program does not enable is checked as soon as it is.
            r.props.values.thanosRuler = { ingress: { enabled: true, hosts: ["thanos-ruler-dev.mlops.internal"] } };
        });
        expect(run(kps, policy)).toEqual([
            `release monitoring-dev: ingress values.alertmanager.ingress publishes without authentication: ${AUTH}/auth-type basic names no ${AUTH}/auth-secret`,
            `release monitoring-dev: ingress values.prometheus.ingress publishes without authentication: neither ${AUTH}/auth-type with ${AUTH}/auth-secret nor ${AUTH}/auth-url`,
            `release monitoring-dev: ingress values.thanosRuler.ingress publishes without authentication: neither ${AUTH}/auth-type with ${AUTH}/auth-secret nor ${AUTH}/auth-url`,
        ]);
        const loki = broken("prod", HELM_RELEASE, "loki-prod", (r) => {
            r.props.values.ingress.annotations = { "nginx.ingress.kubernetes.io/ssl-redirect": "true" };
            r.props.values.gateway = { enabled: true, ingress: { enabled: true, annotations: {} } };
        });
        expect(run(loki, policy)).toEqual([
            `release loki-prod: ingress values.gateway.ingress publishes without authentication: neither ${AUTH}/auth-type with ${AUTH}/auth-secret nor ${AUTH}/auth-url`,
            `release loki-prod: ingress values.ingress publishes without authentication: neither ${AUTH}/auth-type with ${AUTH}/auth-secret nor ${AUTH}/auth-url`,
        ]);
    });

    it("accepts an external auth URL in place of basic auth, and leaves Grafana's own login alone", () => {
        const external = broken("dev", HELM_RELEASE, "monitoring-dev", (r) => {
            r.props.values.prometheus.ingress.annotations = { [`${AUTH}/auth-url`]: "https://auth.example.com/oauth2/auth" };
            expect(r.props.values.grafana.ingress.annotations[`${AUTH}/auth-type`]).toBeUndefined();
        });
        expect(run(external, policy)).toEqual([]);
    });

    it("checks Ingress resources by the Prometheus, Alertmanager or Loki Service or host they route to", () => {
        const ingress = (name: string, service: string, annotations: Record<string, string> = {}) =>
            extra(INGRESS, name, {
                metadata: { name, namespace: "monitoring-dev", annotations },
                spec: {
                    tls: [{ hosts: [`${name}.mlops.internal`] }],
                    rules: [
                        {
                            host: `${name}.mlops.internal`,
                            http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { number: 80 } } } }] },
                        },
                    ],
                },
            });
        const resources = [
            ...checked(views.dev),
            ingress("prometheus-extra-dev", "monitoring-dev-prometheus"),
            ingress("alertmanager-extra-dev", "monitoring-dev-alertmanager", {
                [`${AUTH}/auth-type`]: "basic",
                [`${AUTH}/auth-secret`]: "ingress-htpasswd-dev",
            }),
            ingress("grafana-extra-dev", "monitoring-dev-grafana"),
        ];
        expect(run(resources, policy)).toEqual([
            `Ingress prometheus-extra-dev publishes prometheus-extra-dev.mlops.internal, monitoring-dev-prometheus without authentication: neither ${AUTH}/auth-type with ${AUTH}/auth-secret nor ${AUTH}/auth-url`,
        ]);
    });
});

describe("policy pack adapter", () => {
    it("reports each violation of a rule against the offending resource's URN, with the pack config applied", () => {
        const resources = broken("dev", HELM_RELEASE, "loki-dev", (r) => (r.props.version = "18.10.0"));
        const reported = validateWith("chart-version-pinned", resources);
        const loki = resources.find((r) => r.name === "loki-dev" && r.type === HELM_RELEASE)!;
        expect(reported).toEqual([
            [
                "release loki-dev: chart loki@18.10.0 differs from its pin 18.11.0 in components/versions.ts and is not declared in the policy config chartSources",
                loki.urn,
            ],
        ]);
        expect(POLICIES.find((p) => p.name === "chart-version-pinned")!.enforcementLevel).toBe("mandatory");
    });
});
