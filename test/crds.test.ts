/**
 * One owner for the prometheus-operator CRDs: the cluster stack installs exactly the pinned CRD
 * chart, protected and retained; no env stack installs, upgrades or deletes a CRD, and each stops
 * before any change unless the cluster's CRDs are at least what its kube-prometheus-stack runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { CRD, HELM_CHART, HELM_RELEASE, KUBERNETES_PROVIDER, NAMESPACE, NAMESPACE_PATCH } from "../components/resourceTypes";
import { charts, prometheusOperator } from "../components/versions";
import { evaluate, stackContext } from "../policy/rules";
import { MOCK_KUBE_SYSTEM_UID, ProgramFailure, kubeSystemNamespace, liveKey, operatorCrd, pinnedKubeSystemUid } from "../scripts/lib/mockRuntime";
import { policyPackConfigForStack } from "../scripts/lib/policyConfig";
import { loadStack } from "../scripts/lib/stackFile";
import { prometheusOperatorCrdsStandIn } from "./support/chartStandIns";
import {
    MINIMAL_CONFIG,
    MINIMAL_SECRETS,
    ROOT,
    StackRun,
    configProblems as problemsOf,
    engineViews,
    parseConfig as parse,
    runLoaded,
    runStack,
    stackFromConfig,
    useBothStacks,
    valuesOf,
} from "./support/harness";

const PROMETHEUS_CRD = "prometheuses.monitoring.coreos.com";
const REPO = "https://prometheus-community.github.io/helm-charts";
/** The kube-system UID Pulumi.cluster.yaml pins (a placeholder, the same as prod's). */
const CLUSTER_PIN = "00000000-0000-0000-0000-000000000000";
/** What a cluster stack's config needs besides its role: its cluster, pinned. */
const LAB_CLUSTER = { context: "lab-admin@lab", kubeSystemUid: "5b3c1f0e-7a2d-4c9b-8e61-0f4d2a9c7b13" };
const UID_COMMAND = "kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'";

describe("the pins", () => {
    it("the CRD chart pin carries the operator version kube-prometheus-stack's pin runs", () => {
        // The stand-in knows each CRD chart version's operator from the chart's appVersion.
        const rendered = prometheusOperatorCrdsStandIn({
            release: "prometheus-operator-crds",
            chart: charts.prometheusOperatorCrds.chart,
            version: charts.prometheusOperatorCrds.version,
            namespace: "kube-system",
            values: {},
            crdsInstalled: true,
        });
        expect([charts.kubePrometheusStack.version, charts.prometheusOperatorCrds.version, prometheusOperator.version]).toEqual(["88.5.3", "31.0.1", "0.93.1"]);
        expect([...new Set(rendered.map((o) => (o.metadata.annotations as Record<string, string>)["operator.prometheus.io/version"]))]).toEqual([
            prometheusOperator.version,
        ]);
    });
});

describe("the cluster stack", () => {
    let cluster: StackRun;
    beforeAll(async () => {
        cluster = await runStack("cluster");
    });

    it("plans exactly the pinned CRD chart, rendered by helm.v4.Chart, everything protected, after its cluster check", () => {
        expect(cluster.plan.resources.map((r) => [r.type, r.name, r.protect])).toEqual([
            [KUBERNETES_PROVIDER, "k8s-cluster", true],
            ["mlops:cluster:ClusterShared", "mlops-cluster", true],
            ["mlops:cluster:PrometheusOperatorCrds", "prometheus-operator-crds", true],
            [HELM_CHART, "prometheus-operator-crds", true],
            // The mark every env looks for on kube-system before it reads any CRD.
            [NAMESPACE_PATCH, "kube-system-cluster-stack", true],
        ]);
        const mark = cluster.plan.resources.find((r) => r.name === "kube-system-cluster-stack")!;
        expect(mark.inputs).toEqual({
            apiVersion: "v1",
            kind: "Namespace",
            // Who installed the CRDs, and their operator version, which every env checks instead of reading a CRD.
            metadata: { name: "kube-system", annotations: { "platform.mlops/cluster-stack": "cluster", "platform.mlops/prometheus-operator-crds": "0.93.1" } },
        });
        expect(cluster.run.resources.find((r) => r.name === "kube-system-cluster-stack")!.dependencies).toEqual([
            // dependsOn a component waits for what it holds: the chart, and so every CRD it renders.
            "urn:pulumi:cluster::mlops-platform::mlops:cluster:ClusterShared$mlops:cluster:PrometheusOperatorCrds$kubernetes:helm.sh/v4:Chart::prometheus-operator-crds",
        ]);
        // It reads only the kube-system Namespace, whose UID it pins; it reads no CRD (it installs them).
        expect(cluster.plan.reads.map((r) => [r.type, r.name, r.object])).toEqual([[NAMESPACE, "kube-system-cluster", kubeSystemNamespace(CLUSTER_PIN)]]);
        expect(cluster.plan.releases).toEqual([
            {
                stack: "cluster",
                name: "prometheus-operator-crds",
                namespace: "kube-system",
                chart: "prometheus-operator-crds",
                repo: REPO,
                version: "31.0.1",
                source: "pin",
                valuesFile: "values/prometheus-operator-crds.yaml",
                resource: "helm.v4.Chart",
                patches: [],
            },
        ]);
        // Every CRD the chart has, by its defaults.
        expect(cluster.plan.values).toEqual({ "prometheus-operator-crds": {} });
        expect(cluster.plan.outputs).toEqual({
            prometheusOperatorCrds: { chart: "prometheus-operator-crds", repo: REPO, version: "31.0.1", operatorVersion: "0.93.1" },
        });
    });

    it("keeps every CRD it renders in the stack and in the cluster, labelled with its chart", async () => {
        const chart = cluster.run.resources.find((r) => r.type === HELM_CHART)!;
        let props: Record<string, unknown> = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: PROMETHEUS_CRD } };
        let opts: pulumi.CustomResourceOptions = {};
        for (const transform of chart.transforms) {
            const result = await transform({ type: CRD, name: `prometheus-operator-crds:${PROMETHEUS_CRD}`, custom: true, props, opts });
            if (result) ({ props, opts } = result as { props: Record<string, unknown>; opts: pulumi.CustomResourceOptions });
        }
        expect([opts.protect, opts.retainOnDelete]).toEqual([true, true]);
        expect(props.metadata).toEqual({
            name: PROMETHEUS_CRD,
            labels: { "helm.sh/chart": "prometheus-operator-crds-31.0.1" },
            annotations: { "platform.mlops/chart-repository": REPO },
        });
    });

    it("targets the context it names, and adopts CRDs an earlier release or kubectl installed, taking their fields over", () => {
        expect(cluster.plan.resources.find((r) => r.name === "k8s-cluster")!.inputs).toEqual({
            context: "kubernetes-admin@kubernetes",
            enablePatchForce: "true",
            upsertExistingObjects: "true",
        });
    });

    it("needs no secret: the offline plan asks for none", () => {
        const loaded = loadStack(ROOT, "cluster");
        expect([loaded.secretKeys, loaded.placeholders, loadStack(ROOT, "cluster", { placeholderSecrets: true }).secretKeys]).toEqual([[], [], []]);
    });

    it("gets its policy config like any stack: the committed file declares no mirror", () => {
        expect(policyPackConfigForStack(ROOT, "cluster")).toEqual({ "chart-version-pinned": { chartSources: {} } });
    });

    it("is the cluster role to the policy pack: env rules pass there, every other rule runs", async () => {
        const { deployed } = await engineViews(loadStack(ROOT, "cluster"));
        const ctx = stackContext(deployed);
        expect([ctx.role, ctx.env, ctx.protectedEnv, ctx.otherEnvs]).toEqual(["cluster", "", true, ["dev", "prod"]]);
        expect(evaluate(deployed)).toEqual([]);
        // Without the CRD chart, a stack whose namespaces carry no env label is still refused: it is not the cluster stack.
        expect(() => stackContext(deployed.filter((r) => !r.type.includes("CustomResourceDefinition")))).toThrow(
            'cannot tell the stack\'s env: its namespaces carry no platform.mlops/env label; set the policy config "env"',
        );
    });
});

describe("env stacks install no CRD", () => {
    const runs = useBothStacks();

    it.each(["dev", "prod"] as const)("%s: it has no CRD resource, not even a read; every release skips CRDs; kube-prometheus-stack leaves them out", (env) => {
        const { plan, run } = runs[env];
        // The CRDs' version comes from the cluster stack's annotation on kube-system, which the identity check reads.
        expect(run.resources.filter((r) => r.type === CRD)).toEqual([]);
        expect(plan.reads.map((r) => [r.type, r.name])).toEqual([[NAMESPACE, `kube-system-${env}`]]);
        expect(plan.resources.filter((r) => r.type === HELM_RELEASE).map((r) => [r.name, (r.inputs as { skipCrds?: boolean }).skipCrds])).toEqual([
            [`nfs-${env}`, true],
            [`airflow-${env}-release`, true],
            [`monitoring-${env}`, true],
            [`loki-${env}`, true],
        ]);
        expect(valuesOf(plan, `monitoring-${env}`).crds).toEqual({ enabled: false });
        // The one rendered chart is Promtail's, which has no CRD.
        expect(plan.releases.filter((r) => r.resource === "helm.v4.Chart").map((r) => r.chart)).toEqual(["promtail"]);
    });

    it.each(["dev", "prod"] as const)(
        "%s: where the CRD is read (no version on kube-system), the read is external and the policy pack passes it unprotected",
        async (env) => {
            const live = {
                [liveKey(NAMESPACE, "kube-system")]: kubeSystemNamespace(
                    pinnedKubeSystemUid(loadStack(ROOT, env, { placeholderSecrets: true })) ?? MOCK_KUBE_SYSTEM_UID,
                    "cluster",
                    null,
                ),
            };
            const { deployed } = await engineViews(loadStack(ROOT, env, { placeholderSecrets: true }), live);
            const read = deployed.filter((r) => r.type === CRD);
            expect(read.map((r) => [r.name, r.protect, r.props])).toEqual([[`crds-${env}-prometheuses`, false, operatorCrd(PROMETHEUS_CRD, "0.93.1")]]);
            expect(evaluate(deployed)).toEqual([]);
        },
    );

    it("a CRD an env registered itself is no read: in prod it must be protected like everything else", async () => {
        const { deployed } = await engineViews(loadStack(ROOT, "prod", { placeholderSecrets: true }));
        const platform = deployed.find((r) => r.type === "mlops:platform:Platform")!;
        const own = {
            urn: `${platform.urn}$${CRD}::own-crd`,
            type: CRD,
            name: "own-crd",
            custom: true,
            parent: platform.urn,
            provider: platform.urn.replace("mlops:platform:Platform::mlops-prod", `${KUBERNETES_PROVIDER}::k8s-prod`),
            protect: false,
            props: operatorCrd(PROMETHEUS_CRD, "0.93.1"),
            dependencies: [],
        };
        expect(evaluate([...deployed, own])).toEqual([
            {
                policy: "protected-env-volumes-retained",
                urn: own.urn,
                message: `CustomResourceDefinition ${PROMETHEUS_CRD} in protected env prod must be protected (protect: true)`,
            },
        ]);
    });
});

describe("an env stops before any change unless the cluster's CRDs are new enough", () => {
    const fix = "The cluster stack installs and upgrades them; run it first: pulumi up -s cluster";
    const tooOld = (what: string) =>
        `prometheus-operator CRDs too old for kube-prometheus-stack 88.5.3: CustomResourceDefinition ${PROMETHEUS_CRD} ${what}, at least 0.93.1 is required. ${fix}`;
    /** What is registered before the check stops the env: its provider, the cluster identity check's read, the check. */
    const BEFORE_CHECK = [`${KUBERNETES_PROVIDER} k8s-dev`, `${NAMESPACE} kube-system-dev`, "mlops:monitoring:PrometheusOperatorCrdRequirement crds-dev"];
    const READ = `${CRD} crds-dev-prometheuses`;

    async function failure(crd: Record<string, unknown> | null, preview: boolean): Promise<ProgramFailure> {
        const loaded = loadStack(ROOT, "dev", { placeholderSecrets: true });
        // kube-system without the CRDs' version (a mirror's other chart version): the env reads the CRD itself.
        const kubeSystem = kubeSystemNamespace(pinnedKubeSystemUid(loaded) ?? MOCK_KUBE_SYSTEM_UID, "cluster", null);
        const live = { [liveKey(CRD, PROMETHEUS_CRD)]: crd, [liveKey(NAMESPACE, "kube-system")]: kubeSystem };
        const outcome = await runLoaded(loaded, { preview, live }).then(
            () => undefined,
            (e: unknown) => e,
        );
        if (!(outcome instanceof ProgramFailure)) throw new Error(`expected the program to fail, got ${String(outcome)}`);
        return outcome;
    }

    describe.each([
        ["a first preview", true],
        ["an up", false],
    ])("in %s", (_label, preview) => {
        it.each([
            ["older CRDs", operatorCrd(PROMETHEUS_CRD, "0.92.0"), tooOld("is at operator version 0.92.0")],
            ["a pre-release of the required version", operatorCrd(PROMETHEUS_CRD, "0.93.1-rc.0"), tooOld("is at operator version 0.93.1-rc.0")],
            ["CRDs without a version", operatorCrd(PROMETHEUS_CRD, undefined), tooOld("has no operator.prometheus.io/version annotation")],
            ["CRDs whose version is none", operatorCrd(PROMETHEUS_CRD, "latest"), tooOld('has operator.prometheus.io/version "latest", which is no version')],
        ])("%s: the exact error, against the read, and nothing of the env registered", async (_what, crd, message) => {
            const f = await failure(crd, preview);
            expect(f.message).toBe(message);
            expect(pulumi.RunError.isInstance(f.cause)).toBe(true);
            expect(f.resources.map((r) => `${r.type} ${r.name}`)).toEqual([...BEFORE_CHECK, READ]);
        });

        it("a cluster no cluster stack has run on: one line naming `pulumi up -s cluster`, no stack trace, and no CRD read", async () => {
            const loaded = loadStack(ROOT, "dev", { placeholderSecrets: true });
            const live = { [liveKey(NAMESPACE, "kube-system")]: kubeSystemNamespace(pinnedKubeSystemUid(loaded) ?? MOCK_KUBE_SYSTEM_UID, null) };
            const f = await runLoaded(loaded, { preview, live }).then(
                () => undefined,
                (e: unknown) => e,
            );
            if (!(f instanceof ProgramFailure)) throw new Error(`expected the program to fail, got ${String(f)}`);
            expect(f.message).toBe(
                "no cluster stack has run on this cluster (Namespace kube-system has no platform.mlops/cluster-stack annotation), " +
                    "so the prometheus-operator CRDs kube-prometheus-stack 88.5.3 needs are not installed: " +
                    "run `pulumi up -s cluster` first; it installs them for every env of the cluster.",
            );
            // A RunError: Pulumi's Node.js runtime prints only its message, never a stack trace.
            expect(pulumi.RunError.isInstance(f.cause)).toBe(true);
            expect(f.resources.map((r) => `${r.type} ${r.name}`)).toEqual(BEFORE_CHECK.slice(0, 2));
        });

        it("CRDs deleted behind the cluster stack's back: the read fails with the engine's message, and nothing of the env registered", async () => {
            const f = await failure(null, preview);
            expect(f.message).toBe(`resource '${PROMETHEUS_CRD}' does not exist`);
            expect(f.resources.map((r) => `${r.type} ${r.name}`)).toEqual(BEFORE_CHECK);
        });

        it("newer CRDs do", async () => {
            const loaded = loadStack(ROOT, "dev", { placeholderSecrets: true });
            const kubeSystem = kubeSystemNamespace(pinnedKubeSystemUid(loaded) ?? MOCK_KUBE_SYSTEM_UID, "cluster", null);
            const live = { [liveKey(CRD, PROMETHEUS_CRD)]: operatorCrd(PROMETHEUS_CRD, "0.94.0"), [liveKey(NAMESPACE, "kube-system")]: kubeSystem };
            const { run } = await runLoaded(loaded, { preview, live });
            expect(run.resources.filter((r) => r.type === CRD).map((r) => r.name)).toEqual(["crds-dev-prometheuses"]);
            expect(run.resources.length).toBeGreaterThan(50);
        });
    });

    it("in order: provider, cluster identity and the CRDs' version (one read of kube-system), and only then the Platform", async () => {
        const { run } = await runStack("dev");
        expect(run.resources.slice(0, 3).map((r) => `${r.type} ${r.name}`)).toEqual([...BEFORE_CHECK.slice(0, 2), "mlops:platform:Platform mlops-dev"]);
    });

    describe.each([
        ["a first preview", true],
        ["an up", false],
    ])("with the version on kube-system, in %s", (_label, preview) => {
        const marked = (version: string) => ({
            [liveKey(NAMESPACE, "kube-system")]: kubeSystemNamespace(MOCK_KUBE_SYSTEM_UID, "cluster", version),
        });

        it("older CRDs: the same one-line error, no CRD read, nothing of the env registered", async () => {
            const f = await runLoaded(loadStack(ROOT, "dev", { placeholderSecrets: true }), { preview, live: marked("0.92.0") }).then(
                () => undefined,
                (e: unknown) => e,
            );
            if (!(f instanceof ProgramFailure)) throw new Error(`expected the program to fail, got ${String(f)}`);
            expect(f.message).toBe(tooOld("is at operator version 0.92.0"));
            expect(pulumi.RunError.isInstance(f.cause)).toBe(true);
            expect(f.resources.map((r) => `${r.type} ${r.name}`)).toEqual(BEFORE_CHECK.slice(0, 2));
        });

        it("newer CRDs do, without reading a CRD", async () => {
            const { run } = await runLoaded(loadStack(ROOT, "dev", { placeholderSecrets: true }), { preview, live: marked("0.94.0") });
            expect(run.resources.filter((r) => r.type === CRD)).toEqual([]);
            expect(run.resources.length).toBeGreaterThan(50);
        });
    });
});

describe("config of the cluster stack", () => {
    const PIN_PROBLEM = `  - mlops-platform:cluster.kubeSystemUid: expected the UID of the cluster's kube-system Namespace (${UID_COMMAND}) on a protected stack, got nothing (key not set)`;
    const CLUSTER_KEYS = "charts, cluster, kubeconfig, role";

    it("is its role, its cluster (pinned) and its chart", () => {
        expect(parse({ role: "cluster", cluster: LAB_CLUSTER })).toEqual({
            role: "cluster",
            config: {
                stack: "cluster",
                cluster: LAB_CLUSTER,
                charts: { prometheusOperatorCrds: { chart: "prometheus-operator-crds", repo: REPO, version: "31.0.1", source: "pin" } },
            },
        });
    });

    it("takes a mirror of its chart", () => {
        const parsed = parse({
            role: "cluster",
            cluster: LAB_CLUSTER,
            charts: { prometheusOperatorCrds: { repository: "oci://registry.example.com/charts" } },
        });
        expect(parsed.config.charts).toEqual({
            prometheusOperatorCrds: { chart: "prometheus-operator-crds", repo: "oci://registry.example.com/charts", version: "31.0.1", source: "override" },
        });
    });

    it("must pin its cluster's kube-system UID: it guards the CRDs of every env", () => {
        expect(problemsOf({ role: "cluster", cluster: { context: "lab-admin@lab" } })).toEqual([PIN_PROBLEM]);
        expect(problemsOf({ role: "cluster" })).toEqual([
            "  - mlops-platform:cluster.context: expected the kubeconfig context of the stack's cluster (kubectl config get-contexts -o name), got nothing (key not set)",
            PIN_PROBLEM,
        ]);
    });

    it("targets its cluster like an env: kubernetes:* keys refused, the kubeconfig secret and defining its context", () => {
        const kubeconfig = "apiVersion: v1\nkind: Config\ncontexts:\n  - name: other@lab\n    context: {cluster: lab, user: admin}\n";
        expect(problemsOf({ role: "cluster", cluster: LAB_CLUSTER, "kubernetes:context": "lab-admin@lab", kubeconfig }, "cluster")).toEqual([
            "  - kubernetes:context: not read by this program (its provider is explicit); set mlops-platform:cluster.context instead",
            "  - mlops-platform:kubeconfig: expected a secret value (pulumi config set --secret kubeconfig), got a plaintext value (not shown)",
            '  - mlops-platform:kubeconfig: expected a kubeconfig that defines the context "lab-admin@lab" named by cluster.context, got a value (not shown: secret)',
        ]);
    });

    it("is named cluster or cluster-<name>; a stack of another name cannot take the role, nor an env the name", () => {
        expect(parse({ role: "cluster", cluster: LAB_CLUSTER }, "cluster-staging").config).toMatchObject({ stack: "cluster-staging" });
        expect(problemsOf({ role: "cluster", cluster: LAB_CLUSTER }, "prod")).toEqual([
            '  - mlops-platform:role: expected "cluster" only on a stack named cluster or cluster-<name> (an env stack is named after its env), got "cluster" on the stack "prod"',
        ]);
        // An env's config on the stack named cluster: refused for its role, with every name that does not name "cluster".
        expect(problemsOf({ ...MINIMAL_CONFIG, env: "cluster" }, "cluster")).toEqual([
            '  - mlops-platform:role: expected "cluster" on the stack "cluster" (cluster and cluster-<name> are the names of cluster stacks; an env stack is named after its env), got nothing (key not set)',
            '  - mlops-platform:storage.nfs.path: expected an NFS directory that names the env "cluster" as a word (such as /srv/nfs/mlops/cluster), so no two envs share it, got "/srv/nfs/mlops/dev"',
            '  - mlops-platform:workloads.mlflow.database.name: expected a database name that names the env "cluster" as a word (such as mlflow_cluster), so no two envs share it, got "mlflow_dev"',
            '  - mlops-platform:workloads.airflow.database.name: expected a database name that names the env "cluster" as a word (such as airflow_cluster), so no two envs share it, got "airflow_dev"',
        ]);
    });

    it("knows no key of an env: each is an unknown key", () => {
        expect(
            problemsOf({ ...MINIMAL_CONFIG, role: "cluster", cluster: LAB_CLUSTER, charts: { loki: { repository: "https://charts.example.com" } } }),
        ).toEqual([
            '  - mlops-platform:charts.loki: expected one of the known keys (prometheusOperatorCrds), got unknown key "loki"',
            ...["env", "domain", "storage", "workloads"].map(
                (k) => `  - mlops-platform:${k}: expected one of the known keys (${CLUSTER_KEYS}), got unknown key "${k}"`,
            ),
            ...Object.keys(MINIMAL_SECRETS).map((k) => `  - mlops-platform:${k}: expected one of the known keys (${CLUSTER_KEYS}), got unknown key "${k}"`),
        ]);
    });

    it("a mistyped role is reported with the env's problems", () => {
        expect(problemsOf({ ...MINIMAL_CONFIG, role: "clusters" })).toEqual([
            '  - mlops-platform:role: expected "env" (one env\'s platform; the default) or "cluster" (what every env of the cluster shares: the prometheus-operator CRDs), got "clusters"',
        ]);
        expect(parse({ ...MINIMAL_CONFIG, role: "env" }).role).toBe("env");
    });

    it("an env cannot name the CRD chart in its charts setting", () => {
        expect(problemsOf({ ...MINIMAL_CONFIG, charts: { prometheusOperatorCrds: { repository: "https://charts.example.com" } } })).toEqual([
            '  - mlops-platform:charts.prometheusOperatorCrds: expected one of the known keys (airflow, alloy, kubePrometheusStack, loki, nfsSubdirProvisioner, promtail), got unknown key "prometheusOperatorCrds"',
        ]);
    });

    it("another chart version from a mirror exports no operator version it cannot know", async () => {
        const loaded = stackFromConfig({
            role: "cluster",
            cluster: LAB_CLUSTER,
            charts: { prometheusOperatorCrds: { repository: "https://charts.example.com", version: "31.0.0" } },
        });
        const { plan } = await runLoaded(loaded);
        expect(plan.outputs).toEqual({
            prometheusOperatorCrds: { chart: "prometheus-operator-crds", repo: "https://charts.example.com", version: "31.0.0", operatorVersion: null },
        });
    });
});

describe("the cluster stack's identity check", () => {
    it.each([
        ["an up", false],
        ["a first preview", true],
    ])("on another cluster, %s stops before the CRD chart registers", async (_label, preview) => {
        const other = "9d0c6b1e-2f4a-4e8b-a7c3-61f05e2d8b94";
        const outcome = await runLoaded(loadStack(ROOT, "cluster"), {
            preview,
            live: { [liveKey(NAMESPACE, "kube-system")]: kubeSystemNamespace(other) },
        }).then(
            () => undefined,
            (e: unknown) => e,
        );
        if (!(outcome instanceof ProgramFailure)) throw new Error(`expected the program to fail, got ${String(outcome)}`);
        expect(outcome.message).toBe(
            `cluster identity mismatch: context "kubernetes-admin@kubernetes" reaches a cluster whose kube-system Namespace has UID ${other}, ` +
                `but stack cluster pins mlops-platform:cluster.kubeSystemUid ${CLUSTER_PIN}; stopped before any change. ` +
                `Point mlops-platform:cluster.context (or the secret mlops-platform:kubeconfig) at the stack's own cluster, ` +
                `and change the pin only if this cluster really replaces it (${UID_COMMAND}).`,
        );
        expect(outcome.resources.map((r) => `${r.type} ${r.name}`)).toEqual([`${KUBERNETES_PROVIDER} k8s-cluster`, `${NAMESPACE} kube-system-cluster`]);
    });
});
