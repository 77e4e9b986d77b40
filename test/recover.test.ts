/** `npm run recover`'s plan: an interrupted up's pending creates become imports, random values are dropped, foreign objects refused. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { withoutPendingOperations } from "../scripts/lib/recover/exportedState";
import { buildRecoveryPlan, commandLine, recoveryCommands, recoveryFiles, renderImportFile, stackSettings } from "../scripts/lib/recover/plan";
import { CLUSTER_ROLE, CONFIG_MAP, DEPLOYMENT, HELM_RELEASE, NAMESPACE, RANDOM_PASSWORD, ROLE, SECRET } from "../components/resourceTypes";
import {
    DEFAULT_PENDING,
    PROJECT,
    URN,
    devPlan,
    exportText,
    interruptedState,
    kubeObject,
    pendingCreate,
    urnOf,
    withoutPending,
} from "./fixtures/interruptedState";

const ROOT = path.resolve(__dirname, "..");

describe("withoutPendingOperations", () => {
    it("cuts exactly the member wherever it stands, and leaves every other byte", () => {
        const cases: Array<[string, string]> = [
            ['{"deployment": {"a": 1, "pending_operations": [{"x": "]}"}]}}', '{"deployment": {"a": 1}}'],
            ['{"deployment": {"pending_operations": [], "b": "\\"q"}, "version": 3}', '{"deployment": {"b": "\\"q"}, "version": 3}'],
            [
                '{\n  "deployment": {\n    "m": {},\n    "pending_operations": [\n      {}\n    ],\n    "z": null\n  }\n}',
                '{\n  "deployment": {\n    "m": {},\n    "z": null\n  }\n}',
            ],
            ['{"deployment":{"pending_operations":[1,2]}}', '{"deployment":{}}'],
            // Only the deployment's own key: the same name deeper down is data.
            ['{"deployment": {"resources": [{"pending_operations": 1}]}}', '{"deployment": {"resources": [{"pending_operations": 1}]}}'],
        ];
        for (const [input, expected] of cases) expect(withoutPendingOperations(input)).toBe(expected);
    });
});

describe("buildRecoveryPlan", () => {
    it("imports every pending Kubernetes object and Helm release of the env, with its parent and provider", () => {
        const plan = devPlan();
        const k8s = URN.k8sProvider;
        expect(plan.steps.filter((s) => s.action === "import")).toEqual([
            {
                action: "import",
                urn: URN.release,
                type: HELM_RELEASE,
                name: "nfs-dev",
                id: "storage-dev/nfs-dev",
                parent: URN.nfs,
                provider: k8s,
                check: "helm status nfs-dev -n storage-dev",
            },
            {
                action: "import",
                urn: URN.dashboard,
                type: CONFIG_MAP,
                name: "dashboards-dev-platform-k8s-dev",
                id: "monitoring-dev/dashboard-platform-k8s-dev",
                parent: URN.dashboards,
                provider: k8s,
                check: "kubectl get configmap dashboard-platform-k8s-dev -n monitoring-dev",
            },
            {
                action: "import",
                urn: URN.secret,
                type: SECRET,
                name: "grafana-admin-dev-secret",
                id: "monitoring-dev/grafana-admin-dev",
                parent: URN.grafanaAdmin,
                provider: k8s,
                check: "kubectl get secret grafana-admin-dev -n monitoring-dev",
            },
            {
                action: "import",
                urn: URN.deployment,
                type: DEPLOYMENT,
                name: "mlflow-dev-deployment",
                id: "mlflow-dev/mlflow-dev",
                parent: URN.mlflow,
                provider: k8s,
                check: "kubectl get deployment.v1.apps mlflow-dev -n mlflow-dev",
            },
        ]);
        // Parent and provider are names in the file's nameTable (see `pulumi import --help`); the URNs serve as those names.
        expect(renderImportFile(plan.importFile)).toBe(
            [
                "{",
                '    "nameTable": {',
                `        "${URN.nfs}": "${URN.nfs}",`,
                `        "${k8s}": "${k8s}",`,
                `        "${URN.dashboards}": "${URN.dashboards}",`,
                `        "${URN.grafanaAdmin}": "${URN.grafanaAdmin}",`,
                `        "${URN.mlflow}": "${URN.mlflow}"`,
                "    },",
                '    "resources": [',
                "        {",
                '            "type": "kubernetes:helm.sh/v3:Release",',
                '            "name": "nfs-dev",',
                '            "id": "storage-dev/nfs-dev",',
                `            "parent": "${URN.nfs}",`,
                `            "provider": "${k8s}"`,
                "        },",
                "        {",
                '            "type": "kubernetes:core/v1:ConfigMap",',
                '            "name": "dashboards-dev-platform-k8s-dev",',
                '            "id": "monitoring-dev/dashboard-platform-k8s-dev",',
                `            "parent": "${URN.dashboards}",`,
                `            "provider": "${k8s}"`,
                "        },",
                "        {",
                '            "type": "kubernetes:core/v1:Secret",',
                '            "name": "grafana-admin-dev-secret",',
                '            "id": "monitoring-dev/grafana-admin-dev",',
                `            "parent": "${URN.grafanaAdmin}",`,
                `            "provider": "${k8s}"`,
                "        },",
                "        {",
                '            "type": "kubernetes:apps/v1:Deployment",',
                '            "name": "mlflow-dev-deployment",',
                '            "id": "mlflow-dev/mlflow-dev",',
                `            "parent": "${URN.mlflow}",`,
                `            "provider": "${k8s}"`,
                "        }",
                "    ]",
                "}",
                "",
            ].join("\n"),
        );
    });

    it("writes the exported state back without pending_operations, every other byte as exported", () => {
        const doc = interruptedState();
        const cleaned = devPlan().cleanedState;
        expect(cleaned).toBe(exportText(withoutPending(doc)));
        // Not re-serialised: Go's escapes survive, and so do the encrypted values.
        expect(cleaned).not.toContain("pending_operations");
        expect(exportText(doc)).toContain("up \\u003c 1");
        expect(cleaned).toContain('"metadata": {}\n    }\n}\n');
    });

    it("drops a pending RandomPassword, saying the next up makes a new value and updates the imported Secret that may hold the old one", () => {
        const drops = devPlan().steps.filter((s) => s.action === "drop");
        expect(drops).toEqual([
            {
                action: "drop",
                urn: URN.password,
                type: RANDOM_PASSWORD,
                name: "grafana-admin-dev-password",
                note:
                    "dropped, not imported: a random value cannot be read back from anywhere, so the next `pulumi up` creates it again with a new value. " +
                    "kubernetes:core/v1:Secret grafana-admin-dev-secret (imported here) may hold the old value; the next up updates it to the new one " +
                    "(a pod that read the old value at start keeps it until it restarts).",
            },
        ]);
        expect(devPlan().importFile.resources.map((r) => r.type)).not.toContain(RANDOM_PASSWORD);
    });

    it("refuses, with every reason at once, pending creates of another env's namespace or cluster-scoped name", () => {
        const leaks = [
            pendingCreate(
                kubeObject(
                    urnOf("mlops:platform:Platform$mlops:monitoring:Dashboards$kubernetes:core/v1:ConfigMap", "leak"),
                    CONFIG_MAP,
                    URN.dashboards,
                    "v1",
                    "ConfigMap",
                    {
                        name: "dashboard-platform-k8s-prod",
                        namespace: "monitoring-prod",
                    },
                ),
            ),
            pendingCreate(
                kubeObject(urnOf(CLUSTER_ROLE, "role"), CLUSTER_ROLE, URN.stack, "rbac.authorization.k8s.io/v1", "ClusterRole", {
                    name: "local-path-provisioner-prod",
                }),
            ),
            pendingCreate(kubeObject(urnOf(NAMESPACE, "ns"), NAMESPACE, URN.stack, "v1", "Namespace", { name: "devtools" })),
            pendingCreate(kubeObject(urnOf(SECRET, "nons"), SECRET, URN.stack, "v1", "Secret", { name: "workload-app-dev" })),
        ];
        expect(() => devPlan([...DEFAULT_PENDING, ...leaks])).toThrow(
            [
                "refusing kubernetes:core/v1:ConfigMap leak: namespace monitoring-prod is not env dev's (<component>-dev)",
                'refusing kubernetes:rbac.authorization.k8s.io/v1:ClusterRole role: cluster-scoped ClusterRole local-path-provisioner-prod is not env dev\'s (its name does not carry "dev" as in the naming module)',
                'refusing kubernetes:core/v1:Namespace ns: cluster-scoped Namespace devtools is not env dev\'s (its name does not carry "dev" as in the naming module)',
                "refusing kubernetes:core/v1:Secret nons: no metadata.namespace: the object would be in the provider's default namespace, which is no env's",
            ].join("\n"),
        );
        // The same state is prod's own objects for prod's env, except that its URNs are dev's.
        expect(() => devPlan(DEFAULT_PENDING, "prod")).toThrow(
            "refusing kubernetes:helm.sh/v3:Release nfs-dev: namespace storage-dev is not env prod's (<component>-prod)",
        );
    });

    it("adopts an object in the shared kube-system only by a name that carries the env", () => {
        const role = (name: string, id: string) =>
            pendingCreate(kubeObject(urnOf(ROLE, id), ROLE, URN.stack, "rbac.authorization.k8s.io/v1", "Role", { name, namespace: "kube-system" }));
        const own = devPlan([...DEFAULT_PENDING, role("monitoring-dev-operator-kubelet", "kube-system/monitoring-dev-operator-kubelet")]);
        expect(own.importFile.resources.filter((r) => r.type === ROLE).map((r) => r.id)).toEqual(["kube-system/monitoring-dev-operator-kubelet"]);
        expect(() => devPlan([...DEFAULT_PENDING, role("monitoring-prod-operator-kubelet", "kube-system/monitoring-prod-operator-kubelet")])).toThrow(
            'refusing kubernetes:rbac.authorization.k8s.io/v1:Role kube-system/monitoring-prod-operator-kubelet: Role monitoring-prod-operator-kubelet in the shared kube-system is not env dev\'s (its name does not carry "dev" as in the naming module)',
        );
    });

    it("refuses an export of another stack, and objects it cannot place for certain", () => {
        const prodExport = exportText(interruptedState());
        expect(() => buildRecoveryPlan({ stack: "prod", project: PROJECT, env: "prod", exportText: prodExport, source: "s.json" })).toThrow(
            `s.json is not the state of stack prod of project mlops-platform: it holds ${URN.stack}`,
        );
        const recordedToo = pendingCreate({
            ...kubeObject(URN.monitoringNs, NAMESPACE, URN.namespaces, "v1", "Namespace", { name: "monitoring-dev" }),
        });
        const otherId = pendingCreate({ ...(DEFAULT_PENDING[1] as any).resource, id: "monitoring-dev/something-else" });
        const unknownProvider = pendingCreate({ ...(DEFAULT_PENDING[4] as any).resource, provider: `${URN.k8sProvider}::another-id` });
        expect(() => devPlan([recordedToo])).toThrow(
            "refusing kubernetes:core/v1:Namespace monitoring-dev: it is also recorded in the state (id monitoring-dev): an interrupted replacement, which an import cannot settle; run `pulumi refresh`",
        );
        expect(() => devPlan([otherId])).toThrow(
            "refusing kubernetes:core/v1:ConfigMap dashboards-dev-platform-k8s-dev: its recorded id monitoring-dev/something-else is not the object its inputs name (monitoring-dev/dashboard-platform-k8s-dev)",
        );
        expect(() => devPlan([unknownProvider])).toThrow(
            `refusing kubernetes:apps/v1:Deployment mlflow-dev-deployment: its provider ${URN.k8sProvider}::another-id is not in the state; let \`pulumi up\` register it first`,
        );
    });

    it("clears other interrupted operations and has them refreshed; commands as the stack sets protect", () => {
        const updating = { resource: (interruptedState().deployment.resources as any[]).at(-1), type: "updating" };
        const plan = devPlan([...DEFAULT_PENDING, updating]);
        expect(plan.steps.at(-1)).toEqual({
            action: "clear",
            urn: URN.monitoringNs,
            type: NAMESPACE,
            name: "monitoring-dev",
            note: "interrupted while updating: the pending operation is removed and the resource stays as last recorded; `pulumi refresh` reads its live state",
        });
        const files = recoveryFiles("out/recover/dev");
        expect(recoveryCommands(plan, "dev", false, files).map(commandLine)).toEqual([
            "pulumi stack import --stack dev --file out/recover/dev/state.json",
            "pulumi import --stack dev --file out/recover/dev/import.json --generate-code=false --protect=false",
            "pulumi refresh --stack dev",
        ]);
        expect(recoveryCommands(devPlan([DEFAULT_PENDING[2]!]), "organization/mlops-platform/dev", true, recoveryFiles("my dir")).map(commandLine)).toEqual([
            "pulumi stack import --stack organization/mlops-platform/dev --file 'my dir/state.json'",
        ]);
        expect(recoveryCommands(devPlan(), "prod", true, files)[1]).toContain("--protect=true");
    });

    it("reads env and protect from the stack files", () => {
        expect(stackSettings(ROOT, PROJECT, "dev")).toEqual({ env: "dev", protect: false });
        expect(stackSettings(ROOT, PROJECT, "prod")).toEqual({ env: "prod", protect: true });
    });

    it("takes the stack's name as its env, and refuses a stack file whose env says otherwise", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "recover-env-"));
        writeFileSync(path.join(dir, "Pulumi.qa.yaml"), "config:\n  mlops-platform:domain: mlops.internal\n");
        expect(stackSettings(dir, PROJECT, "qa")).toEqual({ env: "qa", protect: false });
        writeFileSync(path.join(dir, "Pulumi.staging.yaml"), "config:\n  mlops-platform:env: dev\n");
        expect(() => stackSettings(dir, PROJECT, "staging")).toThrow(
            `${path.join(dir, "Pulumi.staging.yaml")}: mlops-platform:env is "dev", not the stack name "staging" (a stack is its env)`,
        );
    });
});
