/**
 * `npm run recover`'s plan: the pending creates of an interrupted up are looked up in the cluster;
 * one `pulumi refresh` clears them all, one `pulumi import --file` adopts the existing ones with the
 * inputs the killed run sent, a last refresh reads them back; foreign objects are refused.
 */
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { clusterSettings, findObjects, withStackKubeconfig } from "../scripts/lib/recover/cluster";
import { RecoverError } from "../scripts/lib/recover/errors";
import {
    classifyPending,
    existenceChecks,
    importCommand,
    importFile,
    recoveryCommands,
    refreshCommand,
    renderPlan,
    resolvePlan,
    stackSettings,
    verifyRecovered,
} from "../scripts/lib/recover/plan";
import { RunResult, Runner, commandLine, runCommands } from "../scripts/lib/recover/pulumiCli";
import {
    DEFAULT_PENDING,
    PROJECT,
    URN,
    devPending,
    exportText,
    interruptedState,
    kubeObject,
    pendingCreate,
    realExport,
    urnOf,
} from "./fixtures/interruptedState";

const ROOT = path.resolve(__dirname, "..");
const CONTEXT = "kubernetes-admin@kubernetes";
const K = `kubectl --context ${CONTEXT} get`;

/** What the cluster checks of the real export found: everything but the Deployment. */
const FOUND_BUT_DEPLOYMENT = new Map<string, string[]>([
    [URN.release, ["secret/sh.helm.release.v1.nfs-dev.v1"]],
    [URN.dashboard, ["configmap/dashboard-platform-k8s-dev"]],
    [URN.secret, ["secret/grafana-admin-dev"]],
    [URN.deployment, []],
    [URN.appSecret, ["secret/workload-app-dev"]],
]);

/** A runner that answers from a table and records every argv. */
function fakeRunner(answer: (argv: readonly string[]) => Partial<RunResult>): { run: Runner; calls: string[][] } {
    const calls: string[][] = [];
    const run: Runner = (argv) => {
        calls.push([...argv]);
        return { status: 0, stdout: "", stderr: "", ...answer(argv) };
    };
    return { run, calls };
}

describe("the real interrupted state", () => {
    it("asks the cluster about each of its five pending creates, read-only, in the stack's context", () => {
        expect(existenceChecks(devPending(), CONTEXT).map((c) => [c.key, commandLine(c.argv)])).toEqual([
            [URN.release, `${K} secret -n storage-dev -l owner=helm,name=nfs-dev -o name`],
            [URN.dashboard, `${K} configmap dashboard-platform-k8s-dev -n monitoring-dev -o name --ignore-not-found`],
            [URN.secret, `${K} secret grafana-admin-dev -n monitoring-dev -o name --ignore-not-found`],
            [URN.deployment, `${K} deployment.v1.apps mlflow-dev -n mlflow-dev -o name --ignore-not-found`],
            [URN.appSecret, `${K} secret workload-app-dev -n airflow-dev -o name --ignore-not-found`],
        ]);
    });

    it("imports what exists and clears what does not, in one non-interactive refresh", () => {
        const plan = resolvePlan(devPending(), CONTEXT, FOUND_BUT_DEPLOYMENT);
        expect(plan.steps.map((s) => [s.action, s.name, s.action === "import" ? s.id : s.note])).toEqual([
            ["import", "nfs-dev", "storage-dev/nfs-dev"],
            ["import", "dashboards-dev-platform-k8s-dev", "monitoring-dev/dashboard-platform-k8s-dev"],
            ["import", "grafana-admin-dev-secret", "monitoring-dev/grafana-admin-dev"],
            ["clear", "mlflow-dev-deployment", "not in the cluster (mlflow-dev/mlflow-dev): cleared; the next `pulumi up` creates it"],
            ["import", "app-secrets-dev-airflow", "airflow-dev/workload-app-dev"],
        ]);
        const importArgv = importCommand("dev", "out/recover/dev/import.json", false);
        expect(recoveryCommands(plan, "dev", false, importArgv).map(commandLine)).toEqual([
            "pulumi refresh --stack dev --yes --non-interactive --skip-preview --clear-pending-creates",
            "pulumi import --stack dev --file out/recover/dev/import.json --yes --non-interactive --skip-preview --generate-code=false --protect=false",
            "pulumi refresh --stack dev --yes --non-interactive --skip-preview",
        ]);
        // prod's program protects everything, and so does its import.
        expect(importCommand("prod", "f.json", true).at(-1)).toBe("--protect=true");
        // A stale lock is removed first; the stack is named as the user gave it.
        expect(recoveryCommands(plan, "organization/mlops-platform/dev", true)[0]).toEqual([
            "pulumi",
            "cancel",
            "--stack",
            "organization/mlops-platform/dev",
            "--yes",
            "--non-interactive",
        ]);
    });

    it("prints each pending create with what the cluster said, then the commands", () => {
        const plan = resolvePlan(devPending(), CONTEXT, FOUND_BUT_DEPLOYMENT);
        const text = renderPlan(plan, recoveryCommands(plan, "dev", false, importCommand("dev", "out/recover/dev/import.json", false)), "dev");
        expect(text.split("\n").slice(0, 12)).toEqual([
            "Recovery of stack dev (env dev): 5 pending operation(s)",
            "  import  kubernetes:helm.sh/v3:Release nfs-dev",
            `      found secret/sh.helm.release.v1.nfs-dev.v1 (${K} secret -n storage-dev -l owner=helm,name=nfs-dev -o name): imported as storage-dev/nfs-dev`,
            "  import  kubernetes:core/v1:ConfigMap dashboards-dev-platform-k8s-dev",
            `      found configmap/dashboard-platform-k8s-dev (${K} configmap dashboard-platform-k8s-dev -n monitoring-dev -o name --ignore-not-found): imported as monitoring-dev/dashboard-platform-k8s-dev`,
            "  import  kubernetes:core/v1:Secret grafana-admin-dev-secret",
            `      found secret/grafana-admin-dev (${K} secret grafana-admin-dev -n monitoring-dev -o name --ignore-not-found): imported as monitoring-dev/grafana-admin-dev`,
            "  clear   kubernetes:apps/v1:Deployment mlflow-dev-deployment",
            `      not in the cluster (mlflow-dev/mlflow-dev): cleared; the next \`pulumi up\` creates it (${K} deployment.v1.apps mlflow-dev -n mlflow-dev -o name --ignore-not-found found nothing)`,
            "  import  kubernetes:core/v1:Secret app-secrets-dev-airflow",
            `      found secret/workload-app-dev (${K} secret workload-app-dev -n airflow-dev -o name --ignore-not-found): imported as airflow-dev/workload-app-dev`,
            "Notes:",
        ]);
        expect(text.split("Commands (--apply runs them):\n")[1]).toBe(
            [
                "  pulumi refresh --stack dev --yes --non-interactive --skip-preview --clear-pending-creates",
                "  pulumi import --stack dev --file out/recover/dev/import.json --yes --non-interactive --skip-preview --generate-code=false --protect=false",
                "  pulumi refresh --stack dev --yes --non-interactive --skip-preview",
                "Then review and deploy:",
                "  pulumi up --stack dev",
                "",
            ].join("\n"),
        );
    });

    it("adopts each found object under its parent and provider with the inputs the killed run sent, and nothing when nothing is found", () => {
        const pending = devPending();
        const plan = resolvePlan(pending, CONTEXT, FOUND_BUT_DEPLOYMENT);
        const file = importFile(plan, pending)!;
        expect(file.nameTable).toEqual({
            [URN.nfs]: URN.nfs,
            [URN.k8sProvider]: URN.k8sProvider,
            [URN.dashboards]: URN.dashboards,
            [URN.grafanaAdmin]: URN.grafanaAdmin,
            [URN.appSecrets]: URN.appSecrets,
        });
        expect(file.resources.map((r) => [r.name, r.type, r.logicalName, r.id, r.parent, r.provider])).toEqual([
            ["r0", "kubernetes:helm.sh/v3:Release", "nfs-dev", "storage-dev/nfs-dev", URN.nfs, URN.k8sProvider],
            [
                "r1",
                "kubernetes:core/v1:ConfigMap",
                "dashboards-dev-platform-k8s-dev",
                "monitoring-dev/dashboard-platform-k8s-dev",
                URN.dashboards,
                URN.k8sProvider,
            ],
            ["r2", "kubernetes:core/v1:Secret", "grafana-admin-dev-secret", "monitoring-dev/grafana-admin-dev", URN.grafanaAdmin, URN.k8sProvider],
            ["r3", "kubernetes:core/v1:Secret", "app-secrets-dev-airflow", "airflow-dev/workload-app-dev", URN.appSecrets, URN.k8sProvider],
        ]);
        // Inputs and outputs are what the export recorded for the pending create, secrets still encrypted.
        const recorded = (urn: string) => pending.pending.find((p) => p.resource.urn === urn)!.resource.inputs;
        for (const [i, urn] of [URN.release, URN.dashboard, URN.secret, URN.appSecret].entries()) {
            expect([file.resources[i]!.inputs, file.resources[i]!.outputs]).toEqual([recorded(urn), recorded(urn)]);
        }
        // A secret stays the export's ciphertext: the import file holds no plaintext of it.
        const withSecret = devPending(DEFAULT_PENDING);
        const secretEntry = importFile(
            resolvePlan(withSecret, CONTEXT, new Map(withSecret.objects.map((o) => [o.urn, ["found"]]))),
            withSecret,
        )!.resources.find((r) => r.logicalName === "grafana-admin-dev-secret")!;
        expect(Object.keys(secretEntry.inputs!.stringData as object)).toEqual(["4dabf18193072939515e22adb298388d", "ciphertext"]);
        const none = new Map([...FOUND_BUT_DEPLOYMENT].map(([k]) => [k, []]));
        expect(importFile(resolvePlan(pending, CONTEXT, none), pending)).toBeUndefined();
        expect(refreshCommand(resolvePlan(pending, CONTEXT, none), "dev")).toContain("--clear-pending-creates");
    });

    it("imports a pending component above an imported object as a component, and clears one with nothing under it", () => {
        const component = { urn: URN.dashboards, custom: false, type: "mlops:monitoring:Dashboards", parent: URN.platform };
        const doc = interruptedState([pendingCreate(component), DEFAULT_PENDING[1]!]);
        doc.deployment.resources = doc.deployment.resources.filter((r: { urn: string }) => r.urn !== URN.dashboards);
        const pending = classifyPending({ stack: "dev", project: PROJECT, env: "dev", exportText: exportText(doc), source: "s" });
        const plan = resolvePlan(pending, CONTEXT, new Map([[URN.dashboard, ["configmap/dashboard-platform-k8s-dev"]]]));
        expect(plan.steps.find((s) => s.urn === URN.dashboards)).toMatchObject({
            action: "clear",
            note: "cleared, then imported again as a component with the objects under it, so that they keep their URNs",
        });
        expect(importFile(plan, pending)!.resources.map((r) => [r.name, r.type, r.logicalName, r.component ?? false, r.parent])).toEqual([
            ["r0", "mlops:monitoring:Dashboards", "dashboards-dev", true, URN.platform],
            ["r1", "kubernetes:core/v1:ConfigMap", "dashboards-dev-platform-k8s-dev", false, "r0"],
        ]);
        const nothing = resolvePlan(pending, CONTEXT, new Map([[URN.dashboard, []]]));
        expect(nothing.steps.find((s) => s.urn === URN.dashboards)).toMatchObject({
            note: "cleared: a component has no object in the cluster; the next `pulumi up` registers it again",
        });
    });

    it("checks after the commands that nothing is pending and every import is recorded", () => {
        const plan = resolvePlan(devPending(), CONTEXT, FOUND_BUT_DEPLOYMENT);
        const doc = interruptedState([]);
        expect(verifyRecovered(plan, exportText(doc), "after")).toEqual([
            "not recorded by the import: kubernetes:helm.sh/v3:Release nfs-dev (storage-dev/nfs-dev), which exists in the cluster",
            "not recorded by the import: kubernetes:core/v1:ConfigMap dashboards-dev-platform-k8s-dev (monitoring-dev/dashboard-platform-k8s-dev), which exists in the cluster",
            "not recorded by the import: kubernetes:core/v1:Secret grafana-admin-dev-secret (monitoring-dev/grafana-admin-dev), which exists in the cluster",
            "not recorded by the import: kubernetes:core/v1:Secret app-secrets-dev-airflow (airflow-dev/workload-app-dev), which exists in the cluster",
        ]);
        doc.deployment.resources.push(...[URN.release, URN.dashboard, URN.secret, URN.appSecret].map((urn) => ({ urn, type: "t", id: "i" })));
        expect(verifyRecovered(plan, exportText(doc), "after")).toEqual([]);
        expect(verifyRecovered(plan, exportText(interruptedState([DEFAULT_PENDING[4]!])), "after")[0]).toBe(
            "still pending: kubernetes:apps/v1:Deployment mlflow-dev-deployment (creating)",
        );
    });
});

describe("pending creates without an object, and other operations", () => {
    it("clears a pending RandomPassword, naming the imported Secret that may hold the old value", () => {
        const pending = devPending(DEFAULT_PENDING);
        const found = new Map(pending.objects.map((o) => [o.urn, [`x/${o.name}`]]));
        const plan = resolvePlan(pending, CONTEXT, found);
        expect(plan.steps.filter((s) => s.type.startsWith("random:"))).toEqual([
            {
                action: "clear",
                urn: URN.password,
                type: "random:index/randomPassword:RandomPassword",
                name: "grafana-admin-dev-password",
                note:
                    "cleared: a random value cannot be read back from anywhere, so the next `pulumi up` creates it again with a new value. " +
                    "kubernetes:core/v1:Secret grafana-admin-dev-secret (imported here) may hold the old value; the next up updates it to the new one " +
                    "(a pod that read the old value at start keeps it until it restarts).",
            },
        ]);
        // The Secret not in the cluster: the next up creates both, so nothing holds an old value.
        found.set(URN.secret, []);
        const note = resolvePlan(pending, CONTEXT, found).steps.find((s) => s.urn === URN.password);
        expect(note).toMatchObject({
            note: "cleared: a random value cannot be read back from anywhere, so the next `pulumi up` creates it again with a new value.",
        });
        expect(existenceChecks(pending, CONTEXT).map((c) => c.key)).not.toContain(URN.password);
    });

    it("leaves interrupted updates and deletes to the refresh, which drops them", () => {
        const updating = { resource: (interruptedState().deployment.resources as any[]).at(-1), type: "updating" };
        const plan = resolvePlan(devPending([updating]), CONTEXT, new Map());
        expect(plan.steps).toEqual([
            {
                action: "refresh",
                urn: URN.monitoringNs,
                type: "kubernetes:core/v1:Namespace",
                name: "monitoring-dev",
                note: "interrupted while updating: the refresh drops this pending operation (any `pulumi refresh` does) and reads the object's live state",
            },
        ]);
        expect(recoveryCommands(plan, "dev", false).map(commandLine)).toEqual(["pulumi refresh --stack dev --yes --non-interactive --skip-preview"]);
    });
});

describe("refusals", () => {
    it("refuses, with every reason at once, pending creates of another env's namespace or cluster-scoped name", () => {
        const leaks = [
            pendingCreate(
                kubeObject(
                    urnOf("mlops:platform:Platform$mlops:monitoring:Dashboards$kubernetes:core/v1:ConfigMap", "leak"),
                    "kubernetes:core/v1:ConfigMap",
                    URN.dashboards,
                    "v1",
                    "ConfigMap",
                    { name: "dashboard-platform-k8s-prod", namespace: "monitoring-prod" },
                ),
            ),
            pendingCreate(
                kubeObject(
                    urnOf("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "role"),
                    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
                    URN.stack,
                    "rbac.authorization.k8s.io/v1",
                    "ClusterRole",
                    { name: "local-path-provisioner-prod" },
                ),
            ),
            pendingCreate(
                kubeObject(urnOf("kubernetes:core/v1:Namespace", "ns"), "kubernetes:core/v1:Namespace", URN.stack, "v1", "Namespace", { name: "devtools" }),
            ),
            pendingCreate(
                kubeObject(urnOf("kubernetes:core/v1:Secret", "nons"), "kubernetes:core/v1:Secret", URN.stack, "v1", "Secret", { name: "workload-app-dev" }),
            ),
        ];
        expect(() => devPending([...DEFAULT_PENDING, ...leaks])).toThrow(
            [
                "refusing kubernetes:core/v1:ConfigMap leak: namespace monitoring-prod is not env dev's (<component>-dev)",
                'refusing kubernetes:rbac.authorization.k8s.io/v1:ClusterRole role: cluster-scoped ClusterRole local-path-provisioner-prod is not env dev\'s (its name does not carry "dev" as in the naming module)',
                'refusing kubernetes:core/v1:Namespace ns: cluster-scoped Namespace devtools is not env dev\'s (its name does not carry "dev" as in the naming module)',
                "refusing kubernetes:core/v1:Secret nons: no metadata.namespace: the object would be in the provider's default namespace, which is no env's",
            ].join("\n"),
        );
        // The real export is dev's own objects, which prod's env refuses.
        expect(() => devPending(undefined, "prod")).toThrow(
            "refusing kubernetes:helm.sh/v3:Release nfs-dev: namespace storage-dev is not env prod's (<component>-prod)",
        );
    });

    it("adopts an object in the shared kube-system only by a name that carries the env", () => {
        const role = (name: string, id: string) =>
            pendingCreate(
                kubeObject(
                    urnOf("kubernetes:rbac.authorization.k8s.io/v1:Role", id),
                    "kubernetes:rbac.authorization.k8s.io/v1:Role",
                    URN.stack,
                    "rbac.authorization.k8s.io/v1",
                    "Role",
                    { name, namespace: "kube-system" },
                ),
            );
        const own = devPending([role("monitoring-dev-operator-kubelet", "kube-system/monitoring-dev-operator-kubelet")]);
        expect(existenceChecks(own, CONTEXT).map((c) => commandLine(c.argv))).toEqual([
            `${K} role.v1.rbac.authorization.k8s.io monitoring-dev-operator-kubelet -n kube-system -o name --ignore-not-found`,
        ]);
        expect(() => devPending([role("monitoring-prod-operator-kubelet", "kube-system/monitoring-prod-operator-kubelet")])).toThrow(
            'refusing kubernetes:rbac.authorization.k8s.io/v1:Role kube-system/monitoring-prod-operator-kubelet: Role monitoring-prod-operator-kubelet in the shared kube-system is not env dev\'s (its name does not carry "dev" as in the naming module)',
        );
    });

    it("refuses an export of another stack, and objects it cannot place for certain", () => {
        expect(() => classifyPending({ stack: "prod", project: PROJECT, env: "prod", exportText: realExport(), source: "s.json" })).toThrow(
            `s.json is not the state of stack prod of project mlops-platform: it holds ${URN.stack}`,
        );
        const recordedToo = pendingCreate({
            ...kubeObject(URN.monitoringNs, "kubernetes:core/v1:Namespace", URN.namespaces, "v1", "Namespace", { name: "monitoring-dev" }),
        });
        const otherId = pendingCreate({ ...(DEFAULT_PENDING[1] as any).resource, id: "monitoring-dev/something-else" });
        const unknownProvider = pendingCreate({ ...(DEFAULT_PENDING[4] as any).resource, provider: `${URN.k8sProvider}::another-id` });
        expect(() => devPending([recordedToo])).toThrow(
            "refusing kubernetes:core/v1:Namespace monitoring-dev: it is also recorded in the state (id monitoring-dev): an interrupted replacement, which this command does not settle; run `pulumi refresh --stack dev` in a terminal and answer for it",
        );
        expect(() => devPending([otherId])).toThrow(
            "refusing kubernetes:core/v1:ConfigMap dashboards-dev-platform-k8s-dev: its recorded id monitoring-dev/something-else is not the object its inputs name (monitoring-dev/dashboard-platform-k8s-dev)",
        );
        expect(() => devPending([unknownProvider])).toThrow(
            `refusing kubernetes:apps/v1:Deployment mlflow-dev-deployment: its provider ${URN.k8sProvider}::another-id is not in the state, so the refresh could not read it`,
        );
    });
});

describe("asking the cluster", () => {
    const checks = existenceChecks(devPending(), CONTEXT);

    it("reads the context and whether a secret kubeconfig is kept from the stack file", () => {
        expect(clusterSettings(ROOT, PROJECT, "dev")).toEqual({ context: CONTEXT, secretKubeconfig: false });
        const dir = mkdtempSync(path.join(tmpdir(), "recover-cluster-"));
        writeFileSync(
            path.join(dir, "Pulumi.qa.yaml"),
            "config:\n  mlops-platform:cluster:\n    context: qa\n  mlops-platform:kubeconfig:\n    secure: v1:abc\n",
        );
        expect(clusterSettings(dir, PROJECT, "qa")).toEqual({ context: "qa", secretKubeconfig: true });
        writeFileSync(path.join(dir, "Pulumi.none.yaml"), "config: {}\n");
        expect(() => clusterSettings(dir, PROJECT, "none")).toThrow(`${path.join(dir, "Pulumi.none.yaml")} has no mlops-platform:cluster.context`);
    });

    it("takes kubectl's -o name output as found, nothing as missing, and passes the kubeconfig file", () => {
        const { run, calls } = fakeRunner((argv) => ({ stdout: argv.includes("mlflow-dev") ? "" : "kind/name\n" }));
        const found = findObjects(run, checks, "/tmp/k/kubeconfig");
        expect(found.get(URN.deployment)).toEqual([]);
        expect(found.get(URN.release)).toEqual(["kind/name"]);
        expect(calls[0]).toEqual([
            "kubectl",
            "--kubeconfig",
            "/tmp/k/kubeconfig",
            "--context",
            CONTEXT,
            "get",
            "secret",
            "-n",
            "storage-dev",
            "-l",
            "owner=helm,name=nfs-dev",
            "-o",
            "name",
        ]);
    });

    it("stops at the first check that cannot answer, naming the command to run by hand", () => {
        const missing = fakeRunner(() => ({ status: null, error: { code: "ENOENT", message: "spawnSync kubectl ENOENT" } }));
        expect(() => findObjects(missing.run, checks)).toThrow(
            new RecoverError(
                "kubectl is not on PATH, so which pending objects exist in the cluster cannot be checked; nothing was changed. " +
                    `Install kubectl, or run the checks by hand where the cluster is reachable, starting with: ${K} secret -n storage-dev -l owner=helm,name=nfs-dev -o name`,
            ),
        );
        const down = fakeRunner(() => ({
            status: 1,
            stderr: "E1206 memcache.go:265] couldn't get current server API group list\nThe connection to the server 127.0.0.1:6443 was refused\n",
        }));
        expect(() => findObjects(down.run, checks)).toThrow(
            `\`${K} secret -n storage-dev -l owner=helm,name=nfs-dev -o name\` failed (exit code 1: E1206 memcache.go:265] couldn't get current server API group list / ` +
                "The connection to the server 127.0.0.1:6443 was refused): cannot tell whether the object exists, so nothing was changed. " +
                "Check that the cluster is reachable with that context, and run the command by hand.",
        );
        expect(down.calls).toHaveLength(1);
    });

    it("puts a secret kubeconfig in a private file for the checks only, and never into a message", () => {
        const secret = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: s3cr3t}}]\n";
        const { run, calls } = fakeRunner(() => ({ stdout: `${secret}\n` }));
        let seen: string | undefined;
        withStackKubeconfig(run, "dev", { context: CONTEXT, secretKubeconfig: true }, (file) => {
            seen = file;
            expect(statSync(file!).mode & 0o777).toBe(0o600);
        });
        expect(calls).toEqual([["pulumi", "config", "get", "kubeconfig", "--stack", "dev"]]);
        expect(existsSync(seen!)).toBe(false);
        expect(withStackKubeconfig(run, "dev", { context: CONTEXT, secretKubeconfig: false }, (file) => file)).toBeUndefined();
        // Removed when the checks fail too; the failure names the command, not the value.
        expect(() =>
            withStackKubeconfig(run, "dev", { context: CONTEXT, secretKubeconfig: true }, (file) => {
                seen = file;
                throw new RecoverError("down");
            }),
        ).toThrow("down");
        expect(existsSync(seen!)).toBe(false);
        const refused = fakeRunner(() => ({ status: 255, stderr: "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE" }));
        expect(() => withStackKubeconfig(refused.run, "dev", { context: CONTEXT, secretKubeconfig: true }, () => 0)).toThrow(
            "`pulumi config get kubeconfig --stack dev` failed (exit code 255: error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE); nothing was changed",
        );
    });
});

describe("running the commands", () => {
    it("never attaches a terminal and stops at the first failure", () => {
        const { run, calls } = fakeRunner((argv) => ({ status: argv[1] === "refresh" ? 255 : 0 }));
        const log: string[] = [];
        expect(() =>
            runCommands(run, [["pulumi", "cancel", "--stack", "dev", "--yes", "--non-interactive"], ["pulumi", "refresh", "--stack", "dev"], ["x"]], (l) =>
                log.push(l),
            ),
        ).toThrow("`pulumi refresh --stack dev` failed (exit code 255); 1 command(s) before it were applied");
        expect(calls).toHaveLength(2);
        expect(log).toEqual(["$ pulumi cancel --stack dev --yes --non-interactive", "$ pulumi refresh --stack dev"]);
    });
});

describe("stack settings", () => {
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
