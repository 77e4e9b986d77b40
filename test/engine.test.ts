/**
 * The program as the real engine sees it (../shared/engine/README.md): a first preview of a new
 * stack on a fresh cluster (no prometheus-operator CRDs yet), and the stack after `up`. The policy
 * pack runs through @pulumi/policy's own analyzer, as under `pulumi preview --policy-pack policy`.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rawRole } from "../components/config/role";
import {
    CLUSTER_ROLE,
    CRD,
    DAEMON_SET,
    DEPLOYMENT,
    HELM_CHART,
    HELM_RELEASE,
    INGRESS,
    KUBERNETES_PROVIDER,
    NAMESPACE,
    PROVIDER_PREFIX,
    PVC,
    RANDOM_PASSWORD,
    RANDOM_PROVIDER,
    SECRET,
    SERVICE_MONITOR,
    STACK,
    STORAGE_CLASS,
} from "../components/resourceTypes";
import { ViewResource, programUnknowns, unknownPaths } from "../scripts/lib/engineView";
import { RULES } from "../policy/rules";
import { UNKNOWN, liveKey } from "../scripts/lib/mockRuntime";
import { loadStack, loadStackFile } from "../scripts/lib/stackFile";
import { alloyStandIn, promtailStandIn } from "./support/chartStandIns";
import { EngineViews, PROJECT, ROOT, STAGING_STACK_FILE, engineViews, generatedSecretUnknowns, minimalConfigFor, stackFromConfig } from "./support/harness";
import { Diagnostic, analyzeStack } from "./support/policyEngine";

/**
 * Every stack file of the project, and the staging fixture (a third env on a second cluster, in
 * test/fixtures so the project's own stacks stay dev and prod): the PR gate must hold for each.
 */
const STACK_FILES = [
    ...readdirSync(ROOT)
        .filter((f) => /^Pulumi\.(.+)\.yaml$/.test(f))
        .map((f) => path.join(ROOT, f)),
    STAGING_STACK_FILE,
];
const STACKS = STACK_FILES.map((f) => /^Pulumi\.(.+)\.yaml$/.exec(path.basename(f))![1]!).sort();
const fileOf = (stack: string) => STACK_FILES.find((f) => path.basename(f) === `Pulumi.${stack}.yaml`)!;
const roleOf = (stack: string) => rawRole(loadStackFile(ROOT, fileOf(stack), { placeholderSecrets: true }).config[`${PROJECT}:role`]);
/** Env stacks, and cluster stacks (the one owner of a cluster's prometheus-operator CRDs). */
const ENV_STACKS = STACKS.filter((s) => roleOf(s) === "env");
const CLUSTER_STACKS = STACKS.filter((s) => roleOf(s) === "cluster");

const CLUSTER_SCOPED = new Set([
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "PersistentVolume",
    "CustomResourceDefinition",
    "PriorityClass",
]);
const kindOf = (type: string) => type.split(":").pop()!;
const find = (view: readonly ViewResource[], type: string, name: string) => {
    const r = view.find((v) => v.type === type && v.name === name);
    if (!r) throw new Error(`no ${type} ${name}`);
    return r;
};

it("covers every stack file and the staging fixture", () => {
    expect(STACKS).toEqual(expect.arrayContaining(["cluster", "dev", "prod", "staging"]));
    expect([...ENV_STACKS, ...CLUSTER_STACKS].sort()).toEqual(STACKS);
    expect(CLUSTER_STACKS).toEqual(["cluster"]);
});

describe.each(ENV_STACKS)("stack %s under the engine", (stack) => {
    let views: EngineViews;
    let env: string;
    beforeAll(async () => {
        views = await engineViews(loadStackFile(ROOT, fileOf(stack), { placeholderSecrets: true }));
        env = views.previewRun.outputs.env as string;
    });

    it("a first preview knows every name: the only unknowns are secrets the program generates and what providers compute", () => {
        expect(programUnknowns(views.firstPreview)).toEqual(generatedSecretUnknowns(env));
        // What a stack policy receives of a new resource: its inputs and its provider's outputs, unknown as yet.
        const computed = views.firstPreview.filter((r) => unknownPaths(r.props, UNKNOWN).length > programUnknowns([r]).length);
        expect([...new Set(computed.map((r) => kindOf(r.type)))].sort()).toEqual(["RandomBytes", "RandomPassword", "Release"]);
        expect(find(views.firstPreview, HELM_RELEASE, `loki-${env}`).props).toMatchObject({ status: UNKNOWN, resourceNames: UNKNOWN });
    });

    it("the outputs contract is fully known in a first preview, storage classes included", () => {
        expect(unknownPaths(views.previewRun.outputs, UNKNOWN)).toEqual([]);
        expect(views.previewRun.outputs.storageClasses).toEqual({ nfs: `nfs-${env}`, localPath: `local-path-${env}` });
    });

    it("components keep no inputs; the root Stack and the engine's default provider are resources", () => {
        for (const view of [views.firstPreview, views.deployed]) {
            expect(view.filter((r) => !r.custom && Object.keys(r.props).length > 0).map((r) => r.type)).toEqual(view === views.deployed ? [STACK] : []);
            expect(view[0]).toMatchObject({ type: STACK, name: `mlops-platform-${stack}` });
            // Only the remote component's default provider; every resource of the program is on the env's own.
            expect(view.filter((r) => r.type.startsWith(PROVIDER_PREFIX)).map((r) => r.name)).toEqual(["default", `k8s-${env}`, `random-${env}`]);
            expect(view.filter((r) => r.custom && r.provider?.endsWith("::default"))).toEqual([]);
        }
    });

    it("ordering is dependsOn: the monitoring, Loki and FastAPI components wait for namespaces, storage and ingress auth they use", () => {
        // A child registers only once its parent has, and a component registers once its dependsOn exist,
        // so what a component depends on is created before anything inside it.
        const urn = (type: string, name: string) => find(views.firstPreview, type, name).urn;
        const nfsRelease = urn(HELM_RELEASE, `nfs-${env}`);
        const deps = (type: string, name: string) => find(views.firstPreview, type, name).dependencies;
        // The htpasswd Secret of a namespace exists before an Ingress there names it.
        const htpasswd = (ns: string) => urn(SECRET, `ingress-auth-${env}-htpasswd-${ns}`);
        expect(deps("mlops:monitoring:Monitoring", `monitoring-${env}`)).toEqual(
            expect.arrayContaining([urn(NAMESPACE, `monitoring-${env}`), nfsRelease, urn(STORAGE_CLASS, `local-path-${env}-class`), htpasswd("monitoring")]),
        );
        expect(deps("mlops:logging:Loki", `loki-${env}`)).toEqual(
            expect.arrayContaining([urn(NAMESPACE, `observability-${env}`), nfsRelease, htpasswd("observability")]),
        );
        expect(deps("mlops:workloads:FastapiServing", `fastapi-${env}`)).toEqual(expect.arrayContaining([urn(NAMESPACE, `fastapi-${env}`), nfsRelease]));
        expect(deps(PVC, `fastapi-${env}-logs`)).toEqual([]);
    });

    it("every object of every chart is in its final namespace in a first preview on a cluster without the CRDs", () => {
        // The log agent is the one rendered chart: Promtail's or Alloy's (logging.agent).
        const agent = (views.previewRun.outputs.logAgent as { agent: "promtail" | "alloy" }).agent;
        const charts = views.firstPreview.filter((r) => r.type === HELM_CHART);
        expect(charts.map((c) => c.name)).toEqual([`${agent}-${env}`]);
        const children = views.firstPreview.filter((r) => r.parent === charts[0]!.urn);
        const placed = children.map((c) => [kindOf(c.type), (c.props.metadata as { namespace?: string }).namespace ?? null]);
        const inObservability = (kind: string) => [kind, `observability-${env}`];
        expect(placed).toEqual(
            agent === "promtail"
                ? [
                      inObservability("ServiceAccount"),
                      inObservability("Secret"),
                      ["ClusterRole", null],
                      ["ClusterRoleBinding", null],
                      inObservability("DaemonSet"),
                      inObservability("Service"),
                  ]
                : [
                      inObservability("ServiceAccount"),
                      inObservability("ConfigMap"),
                      ["ClusterRole", null],
                      ["ClusterRoleBinding", null],
                      inObservability("Service"),
                      inObservability("DaemonSet"),
                  ],
        );
        // Every namespaced object the program registers names its env's namespace explicitly.
        const namespaced = views.firstPreview.filter(
            (r) => r.type.startsWith("kubernetes:") && r.custom && !CLUSTER_SCOPED.has(kindOf(r.type)) && !r.type.startsWith("kubernetes:helm.sh/"),
        );
        const namespaceOf = (r: ViewResource) => String((r.props.metadata as { namespace?: string } | undefined)?.namespace ?? "");
        const misplaced = namespaced.filter((r) => !namespaceOf(r).endsWith(`-${env}`));
        // Only the operator's kubelet Role and its binding sit in kube-system, next to the Service they are for.
        expect(misplaced.map((r) => `${kindOf(r.type)} ${namespaceOf(r)} ${r.name}`)).toEqual([
            `Role kube-system kube-system/monitoring-${env}-operator-kubelet`,
            `RoleBinding kube-system kube-system/monitoring-${env}-operator-kubelet-binding`,
        ]);
        // The log agent's ServiceMonitor is the program's own, with its namespace set, not the chart's.
        expect(find(views.firstPreview, SERVICE_MONITOR, `${agent}-${env}-servicemonitor`).props).toMatchObject({
            metadata: { name: `${agent}-${env}`, namespace: `observability-${env}`, labels: { release: `monitoring-${env}` } },
            spec: { selector: { matchLabels: { "app.kubernetes.io/name": agent, "app.kubernetes.io/instance": `${agent}-${env}` } } },
        });
    });

    it("every policy runs and passes on a first preview (none skipped as advisory)", async () => {
        expect(await analyzeStack(views.firstPreview)).toEqual([]);
    });

    it("every policy runs and passes on the deployed stack", async () => {
        expect(await analyzeStack(views.deployed)).toEqual([]);
    });
});

describe.each(CLUSTER_STACKS)("cluster stack %s under the engine", (stack) => {
    let views: EngineViews;
    beforeAll(async () => {
        views = await engineViews(loadStackFile(ROOT, fileOf(stack), { placeholderSecrets: true }));
    });
    const CRD_NAMES = [
        "alertmanagerconfigs",
        "alertmanagers",
        "podmonitors",
        "probes",
        "prometheusagents",
        "prometheuses",
        "prometheusrules",
        "scrapeconfigs",
        "servicemonitors",
        "thanosrulers",
    ].map((plural) => `${plural}.monitoring.coreos.com`);

    it("holds exactly the CRD chart, every resource of it protected, on its own explicit provider", () => {
        for (const view of [views.firstPreview, views.deployed]) {
            const chartUrn = find(view, HELM_CHART, "prometheus-operator-crds").urn;
            const provider = find(view, KUBERNETES_PROVIDER, "k8s-cluster").urn;
            expect(view.map((r) => [kindOf(r.type), r.name, r.protect])).toEqual([
                ["Stack", `mlops-platform-${stack}`, false],
                ["pulumi", "default", false],
                // Its provider and the identity check's read (never protected by the engine) come before anything else.
                ["kubernetes", "k8s-cluster", true],
                ["Namespace", "kube-system-cluster", false],
                ["ClusterShared", "mlops-cluster", true],
                ["PrometheusOperatorCrds", "prometheus-operator-crds", true],
                ["Chart", "prometheus-operator-crds", true],
                ...CRD_NAMES.map((name) => ["CustomResourceDefinition", `prometheus-operator-crds:${name}`, true]),
                ["NamespacePatch", "kube-system-cluster-stack", true],
            ]);
            const crds = view.filter((r) => r.type === CRD);
            expect(crds.every((r) => r.parent === chartUrn && r.provider === provider)).toBe(true);
            // The chart labels nothing; the program's chart transform names chart, version and repository.
            expect(crds.map((r) => r.props.metadata)).toEqual(
                CRD_NAMES.map((name) => ({
                    name,
                    labels: { "helm.sh/chart": "prometheus-operator-crds-31.0.1" },
                    annotations: {
                        "operator.prometheus.io/version": "0.93.1",
                        "platform.mlops/chart-repository": "https://prometheus-community.github.io/helm-charts",
                    },
                })),
            );
        }
    });

    it("knows everything in a first preview, outputs included", () => {
        expect(programUnknowns(views.firstPreview)).toEqual([]);
        expect(views.previewRun.outputs).toEqual({
            prometheusOperatorCrds: {
                chart: "prometheus-operator-crds",
                repo: "https://prometheus-community.github.io/helm-charts",
                version: "31.0.1",
                operatorVersion: "0.93.1",
            },
        });
    });

    it("every policy runs and passes on a first preview and on the deployed stack (none skipped as advisory)", async () => {
        expect(await analyzeStack(views.firstPreview)).toEqual([]);
        expect(await analyzeStack(views.deployed)).toEqual([]);
    });

    it("an unprotected CRD or an off-pin chart is a mandatory violation", async () => {
        const view = structuredClone(views.firstPreview);
        const crd = find(view, CRD, "prometheus-operator-crds:prometheuses.monitoring.coreos.com");
        Object.assign(crd, { protect: false });
        for (const r of view.filter((v) => v.type === CRD)) (r.props.metadata as any).labels["helm.sh/chart"] = "prometheus-operator-crds-30.0.1";
        expect(await analyzeStack(view)).toEqual([
            {
                policy: "chart-version-pinned",
                level: "mandatory",
                urn: find(view, HELM_CHART, "prometheus-operator-crds").urn,
                message:
                    "release prometheus-operator-crds: chart prometheus-operator-crds@30.0.1 differs from its pin 31.0.1 in components/versions.ts and is not declared in the policy config chartSources",
            },
            {
                policy: "protected-env-volumes-retained",
                level: "mandatory",
                urn: crd.urn,
                message: "CustomResourceDefinition prometheuses.monitoring.coreos.com in the cluster stack must be protected (protect: true)",
            },
        ]);
    });
});

it("a chart's ServiceMonitor lands in no namespace before the CRDs exist: why the program declares Promtail's itself", () => {
    const render = (crdsInstalled: boolean) =>
        promtailStandIn({
            release: "promtail-dev",
            chart: "promtail",
            version: "6.17.1",
            namespace: "observability-dev",
            values: { serviceMonitor: { enabled: true } },
            crdsInstalled,
        })
            .filter((o) => o.kind === "ServiceMonitor")
            .map((o) => o.metadata.namespace ?? null);
    expect(render(false)).toEqual([null]);
    expect(render(true)).toEqual(["observability-dev"]);
});

const VIEW_KINDS = ["firstPreview", "deployed"] as const;

/** Runs a stack view with one resource mutated through the analyzer; `views` is filled in beforeAll. */
function gateOn(views: Partial<Record<"dev" | "prod", EngineViews>>, kind: (typeof VIEW_KINDS)[number]) {
    const viewOf = (env: "dev" | "prod") => views[env]![kind];
    return {
        gate: async (env: "dev" | "prod", type: string, name: string, mutate: (r: any) => void): Promise<Diagnostic[]> => {
            const view = structuredClone(viewOf(env));
            mutate(find(view, type, name));
            return analyzeStack(view);
        },
        urnOf: (env: "dev" | "prod", type: string, name: string) => find(viewOf(env), type, name).urn,
    };
}

describe.each(VIEW_KINDS)("the PR gate on the %s view: each broken input is a mandatory violation", (kind) => {
    const views = {} as Record<"dev" | "prod", EngineViews>;
    beforeAll(async () => {
        for (const env of ["dev", "prod"] as const) views[env] = await engineViews(loadStack(ROOT, env, { placeholderSecrets: true }));
    });

    const { gate, urnOf } = gateOn(views, kind);
    const mandatory = (policy: string, urn: string, message: string): Diagnostic => ({ policy, level: "mandatory", urn, message });

    it("TSDB on NFS", async () => {
        const d = await gate(
            "dev",
            HELM_RELEASE,
            "monitoring-dev",
            (r) => (r.props.values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName = "nfs-dev"),
        );
        expect(d).toEqual([
            mandatory(
                "prometheus-tsdb-not-on-nfs",
                urnOf("dev", HELM_RELEASE, "monitoring-dev"),
                "release monitoring-dev: the Prometheus TSDB is on NFS class nfs-dev; it must be on a local-path class",
            ),
        ]);
    });

    it("a Prometheus ingress without its login", async () => {
        const d = await gate(
            "prod",
            HELM_RELEASE,
            "monitoring-prod",
            (r) => delete r.props.values.prometheus.ingress.annotations["nginx.ingress.kubernetes.io/auth-type"],
        );
        expect(d).toEqual([
            mandatory(
                "observability-ingress-authenticated",
                urnOf("prod", HELM_RELEASE, "monitoring-prod"),
                "release monitoring-prod: ingress values.prometheus.ingress publishes without authentication: neither nginx.ingress.kubernetes.io/auth-type with nginx.ingress.kubernetes.io/auth-secret nor nginx.ingress.kubernetes.io/auth-url",
            ),
        ]);
    });

    it("a chart version off its pin", async () => {
        const d = await gate("prod", HELM_RELEASE, "loki-prod", (r) => (r.props.version = "18.10.0"));
        expect(d).toEqual([
            mandatory(
                "chart-version-pinned",
                urnOf("prod", HELM_RELEASE, "loki-prod"),
                "release loki-prod: chart loki@18.10.0 differs from its pin 18.11.0 in components/versions.ts and is not declared in the policy config chartSources",
            ),
        ]);
    });

    it("a rendered log agent that would wait 30 s on shutdown", async () => {
        const ds = "promtail-prod:observability-prod/promtail-prod";
        const d = await gate("prod", DAEMON_SET, ds, (r) => (r.props.spec.template.spec.terminationGracePeriodSeconds = 30));
        expect(d).toEqual([
            mandatory(
                "log-agent-grace-period",
                urnOf("prod", DAEMON_SET, ds),
                "DaemonSet promtail-prod: log agent promtail must set terminationGracePeriodSeconds to at most 10 (has 30)",
            ),
        ]);
    });

    it("an unprotected prod resource", async () => {
        const d = await gate("prod", NAMESPACE, "mlflow-prod", (r) => (r.protect = false));
        expect(d).toEqual([
            mandatory(
                "protected-env-volumes-retained",
                urnOf("prod", NAMESPACE, "mlflow-prod"),
                "Namespace mlflow-prod in protected env prod must be protected (protect: true)",
            ),
        ]);
    });

    it("a resource on the engine's default provider", async () => {
        const type = RANDOM_PASSWORD;
        const d = await gate(
            "dev",
            type,
            "grafana-admin-dev-password",
            (r) => (r.provider = "urn:pulumi:dev::mlops-platform::pulumi:providers:random::default_4_21_2"),
        );
        // The view's provider table has no such resource, so the analyzer sees the URN alone.
        expect(d).toEqual([]);
        const view = structuredClone(views.dev[kind]);
        view.splice(1, 0, {
            urn: "urn:pulumi:dev::mlops-platform::pulumi:providers:random::default_4_21_2",
            type: RANDOM_PROVIDER,
            name: "default_4_21_2",
            custom: true,
            protect: false,
            props: {},
            dependencies: [],
        });
        Object.assign(find(view, type, "grafana-admin-dev-password"), { provider: view[1]!.urn });
        expect(await analyzeStack(view)).toEqual([
            mandatory(
                "explicit-providers",
                urnOf("dev", type, "grafana-admin-dev-password"),
                "RandomPassword grafana-admin-dev-password is managed by the default provider default_4_21_2; give it the env's explicit provider",
            ),
        ]);
    });

    it("a cross-env reference and a monitor labelled for the other env", async () => {
        const sm = SERVICE_MONITOR;
        const d = await gate("dev", sm, "fastapi-dev-servicemonitor", (r) => (r.props.metadata.labels.release = "monitoring-prod"));
        expect(d).toEqual([
            mandatory(
                "monitors-labelled-for-own-env",
                urnOf("dev", sm, "fastapi-dev-servicemonitor"),
                "ServiceMonitor fastapi-dev must be labelled release=monitoring-dev for its own env only (has release=monitoring-prod)",
            ),
            mandatory(
                "no-cross-env-reference",
                urnOf("dev", sm, "fastapi-dev-servicemonitor"),
                "ServiceMonitor fastapi-dev in env dev references env prod: monitoring-prod",
            ),
        ]);
    });

    it("a pod writing to NFS without fsGroup", async () => {
        const type = DEPLOYMENT;
        const d = await gate("prod", type, "fastapi-prod-deployment", (r) => delete r.props.spec.template.spec.securityContext.fsGroup);
        expect(d).toEqual([
            mandatory(
                "nfs-writers-set-fsgroup",
                urnOf("prod", type, "fastapi-prod-deployment"),
                "Deployment fastapi-prod mounts NFS (claim fastapi-prod-logs on class nfs-prod) but sets no securityContext.fsGroup",
            ),
        ]);
    });

    it("a plaintext credential in chart values", async () => {
        const d = await gate("dev", HELM_RELEASE, "loki-dev", (r) => (r.props.values.loki.adminPassword = "hunter2hunter2"));
        expect(d).toEqual([
            mandatory(
                "no-plaintext-secret",
                urnOf("dev", HELM_RELEASE, "loki-dev"),
                "release loki-dev holds plaintext secrets at values.loki.adminPassword; reference an existing Secret instead",
            ),
        ]);
    });

    it("an Ingress served without TLS", async () => {
        const type = INGRESS;
        const d = await gate("prod", type, "mlflow-prod-ingress", (r) => delete r.props.spec.tls);
        expect(d).toEqual([mandatory("ingress-has-tls", urnOf("prod", type, "mlflow-prod-ingress"), "Ingress mlflow-prod has no TLS section")]);
    });

    it("a Secret naming the other env, base64-encoded in data as the engine hands every Secret over", async () => {
        const type = SECRET;
        const url = "http://mlflow-prod.mlflow-prod.svc.cluster.local:5000";
        const d = await gate("dev", type, "mlflow-dev-backend-store", (r) => {
            // The provider's Check folded stringData into data: that is all a policy ever sees.
            expect([r.props.stringData, Object.keys(r.props.data.value)]).toEqual([undefined, ["uri"]]);
            r.props.data.value.trackingUri = Buffer.from(url).toString("base64");
        });
        expect(d).toEqual([
            mandatory(
                "no-cross-env-reference",
                urnOf("dev", type, "mlflow-dev-backend-store"),
                `Secret mlflow-dev-backend-store in env dev references env prod: ${url}`,
            ),
        ]);
    });
});

describe("the PR gate on a first preview: an unknown value is never skipped", () => {
    const views: Partial<Record<"dev" | "prod", EngineViews>> = {};
    beforeAll(async () => {
        views.dev = await engineViews(loadStack(ROOT, "dev", { placeholderSecrets: true }));
    });
    const { gate, urnOf } = gateOn(views, "firstPreview");

    it("a value a policy needs that is unknown fails every policy closed, naming the value", async () => {
        const pvc = PVC;
        const d = await gate("dev", pvc, "fastapi-dev-logs", (r) => (r.props.spec.storageClassName = UNKNOWN));
        const message = (policy: string) =>
            `the stack: ${policy} cannot decide because a value is unknown in this preview (string value at .spec.storageClassName can't be known during preview); the policy fails closed — derive that value from config so it is known before anything is created`;
        // Every policy of the pack, each failing closed (the pack's order is asserted in policy.test.ts).
        expect(d.map((x) => [x.policy, x.level, x.message])).toEqual(RULES.map((r) => r.name).map((p) => [p, "mandatory", message(p)]));
    });

    it("an unknown inside one resource fails the policies that read it, against that resource", async () => {
        const d = await gate(
            "dev",
            HELM_RELEASE,
            "monitoring-dev",
            (r) => (r.props.values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName = UNKNOWN),
        );
        const urn = urnOf("dev", HELM_RELEASE, "monitoring-dev");
        const unknown = "string value at .values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName can't be known during preview";
        expect(d.map((x) => [x.policy, x.level, x.urn])).toEqual([
            ["prometheus-tsdb-not-on-nfs", "mandatory", urn],
            ["monitors-labelled-for-own-env", "mandatory", urn],
            ["no-cross-env-reference", "mandatory", urn],
            ["no-plaintext-secret", "mandatory", urn],
            ["ingress-has-tls", "mandatory", urn],
            ["observability-ingress-authenticated", "mandatory", urn],
        ]);
        expect(d[0]!.message).toContain(
            `kubernetes:helm.sh/v3:Release monitoring-dev: prometheus-tsdb-not-on-nfs cannot decide because a value is unknown in this preview (${unknown})`,
        );
    });
});

describe("a stack running Alloy under the engine", () => {
    let views: EngineViews;
    beforeAll(async () => {
        views = await engineViews(stackFromConfig({ ...minimalConfigFor("dev"), logging: { agent: "alloy" } }));
    });
    const ALLOY_DS = "alloy-dev:observability-dev/alloy-dev";

    it("renders the alloy chart's objects, each in its final namespace, in a first preview without the CRDs", () => {
        const charts = views.firstPreview.filter((r) => r.type === HELM_CHART);
        expect(charts.map((c) => c.name)).toEqual(["alloy-dev"]);
        const children = views.firstPreview.filter((r) => r.parent === charts[0]!.urn);
        expect(
            children.map((c) => [kindOf(c.type), (c.props.metadata as { name: string }).name, (c.props.metadata as { namespace?: string }).namespace ?? null]),
        ).toEqual([
            ["ServiceAccount", "alloy-dev", "observability-dev"],
            ["ConfigMap", "alloy-dev", "observability-dev"],
            ["ClusterRole", "alloy-dev", null],
            ["ClusterRoleBinding", "alloy-dev", null],
            ["Service", "alloy-dev", "observability-dev"],
            ["DaemonSet", "alloy-dev", "observability-dev"],
        ]);
        expect(find(views.firstPreview, SERVICE_MONITOR, "alloy-dev-servicemonitor").props).toMatchObject({
            metadata: { name: "alloy-dev", namespace: "observability-dev", labels: { release: "monitoring-dev" } },
        });
        expect(find(views.firstPreview, CLUSTER_ROLE, "alloy-dev:alloy-dev").props.rules).toEqual([
            { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
            { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
        ]);
        expect(find(views.firstPreview, DAEMON_SET, ALLOY_DS).props).toMatchObject({
            spec: { template: { metadata: { labels: { "app.kubernetes.io/name": "alloy" } }, spec: { terminationGracePeriodSeconds: 10 } } },
        });
    });

    it("every policy runs and passes on a first preview and on the deployed stack", async () => {
        expect(await analyzeStack(views.firstPreview)).toEqual([]);
        expect(await analyzeStack(views.deployed)).toEqual([]);
    });

    it("a first preview knows every name: the only unknowns are secrets the program generates and what providers compute", () => {
        expect(programUnknowns(views.firstPreview)).toEqual(generatedSecretUnknowns("dev"));
    });

    it.each(["firstPreview", "deployed"] as const)(
        "on the %s view, an Alloy that would wait 30 s on shutdown or mount NFS is a mandatory violation",
        async (kind) => {
            const view = structuredClone(views[kind]);
            const ds = find(view, DAEMON_SET, ALLOY_DS);
            delete (ds.props as any).spec.template.spec.terminationGracePeriodSeconds;
            (ds.props as any).spec.template.spec.volumes.push({ name: "buffer", nfs: { server: "10.0.0.5", path: "/srv/nfs/alloy" } });
            expect(await analyzeStack(view)).toEqual([
                {
                    policy: "nfs-writers-set-fsgroup",
                    level: "mandatory",
                    urn: ds.urn,
                    message: "DaemonSet alloy-dev mounts NFS (volume buffer (nfs 10.0.0.5:/srv/nfs/alloy)) but sets no securityContext.fsGroup",
                },
                {
                    policy: "log-agent-grace-period",
                    level: "mandatory",
                    urn: ds.urn,
                    message: "DaemonSet alloy-dev: log agent alloy must set terminationGracePeriodSeconds to at most 10 (has the default 30)",
                },
                {
                    policy: "log-agent-grace-period",
                    level: "mandatory",
                    urn: ds.urn,
                    message: "DaemonSet alloy-dev: log agent alloy must not mount NFS or claims (buffer)",
                },
            ]);
        },
    );

    it("an Alloy keeping its positions on the other env's host path is a mandatory violation", async () => {
        const view = structuredClone(views.deployed);
        const ds = find(view, DAEMON_SET, ALLOY_DS);
        (ds.props as any).spec.template.spec.volumes.find((v: any) => v.name === "storage").hostPath.path = "/var/lib/alloy-prod";
        expect(await analyzeStack(view)).toEqual([
            {
                policy: "no-cross-env-reference",
                level: "mandatory",
                urn: ds.urn,
                message: "DaemonSet alloy-dev in env dev references env prod: /var/lib/alloy-prod",
            },
        ]);
    });

    it("the chart's own CRD and ServiceMonitor, which the program turns off, would be cluster-wide or misplaced", () => {
        const render = (crdsInstalled: boolean) =>
            alloyStandIn({
                release: "alloy-dev",
                chart: "alloy",
                version: "1.11.1",
                namespace: "observability-dev",
                values: { serviceMonitor: { enabled: true } },
                crdsInstalled,
            })
                .filter((o) => o.kind === "CustomResourceDefinition" || o.kind === "ServiceMonitor")
                .map((o) => `${o.kind} ${o.metadata.name} ${o.metadata.namespace ?? "<no namespace>"}`);
        expect(render(false)).toEqual(["CustomResourceDefinition podlogs.monitoring.grafana.com <no namespace>", "ServiceMonitor alloy-dev <no namespace>"]);
        expect(render(true)).toEqual(["CustomResourceDefinition podlogs.monitoring.grafana.com <no namespace>", "ServiceMonitor alloy-dev observability-dev"]);
    });
});

describe("a protected stack that adopts an existing local-path class", () => {
    /** prod's stack file with `storage.localPath` adopting the cluster's `local-path` class. */
    const adopting = () => {
        const loaded = loadStack(ROOT, "prod", { placeholderSecrets: true });
        const key = `${PROJECT}:storage`;
        const storage = JSON.parse(loaded.config[key]!) as Record<string, unknown>;
        return { ...loaded, config: { ...loaded.config, [key]: JSON.stringify({ ...storage, localPath: { mode: "existing", className: "local-path" } }) } };
    };
    const localPathClass = (reclaimPolicy: string) => ({
        [liveKey(STORAGE_CLASS, "local-path")]: {
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name: "local-path" },
            provisioner: "rancher.io/local-path",
            reclaimPolicy,
        },
    });

    it("passes the gate: the class is read, and a read is neither protected nor ever deleted", async () => {
        const views = await engineViews(adopting(), localPathClass("Retain"));
        expect(await analyzeStack(views.firstPreview)).toEqual([]);
        expect(await analyzeStack(views.deployed)).toEqual([]);
    });

    it("still reports an adopted class that deletes prod's volumes", async () => {
        const views = await engineViews(adopting(), localPathClass("Delete"));
        expect((await analyzeStack(views.deployed)).map((d) => [d.policy, d.level, d.message])).toEqual([
            ["protected-env-volumes-retained", "mandatory", "StorageClass local-path in protected env prod must use reclaimPolicy Retain (has Delete)"],
        ]);
    });
});
