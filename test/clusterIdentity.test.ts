/**
 * A stack names its cluster: the Kubernetes provider gets exactly the stack's context (and its
 * secret kubeconfig), `kubernetes:*` stack config is refused, and every run reads the live
 * kube-system Namespace and stops, before anything else is registered, when its UID is not the
 * one the stack pins. The mocks answer that read with the stack's pin unless a test says otherwise.
 */
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigError } from "../components/config/reader";
import { HELM_RELEASE, KUBERNETES_PROVIDER, NAMESPACE } from "../components/resourceTypes";
import { ProgramFailure, ProgramRun, isSecretValue, kubeSystemNamespace, liveKey, runProgram } from "../scripts/lib/mockRuntime";
import { SECRET_MARKER } from "../scripts/lib/planWriter";
import { LoadedStack, loadStack } from "../scripts/lib/stackFile";
import { MINIMAL_CONFIG, ROOT, loadIndex, runLoaded, runStack, stackFromConfig } from "./support/harness";

const PROD_PIN = "00000000-0000-0000-0000-000000000000";
const OTHER_CLUSTER = "9d0c6b1e-2f4a-4e8b-a7c3-61f05e2d8b94";
/** The cluster a run reads when the context reaches another one than the stack pins. */
const otherCluster = { [liveKey(NAMESPACE, "kube-system")]: kubeSystemNamespace(OTHER_CLUSTER) };
const PIN = "5b3c1f0e-7a2d-4c9b-8e61-0f4d2a9c7b13";
const UID_COMMAND = "kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'";

/** A kubeconfig document defining `contexts`. */
const kubeconfig = (...contexts: string[]) =>
    yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "lab", cluster: { server: "https://10.0.0.2:6443" } }],
        users: [{ name: "admin", user: { token: "kubeconfig-test-token-4d1f" } }],
        contexts: contexts.map((name) => ({ name, context: { cluster: "lab", user: "admin" } })),
    });

async function failureOf(run: Promise<unknown>): Promise<ProgramFailure> {
    const failure = await run.then(
        () => undefined,
        (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ProgramFailure);
    return failure as ProgramFailure;
}

/** The config error of a stack the program refuses before it registers anything. */
async function configError(loaded: LoadedStack): Promise<ConfigError> {
    const { cause, resources } = await failureOf(runLoaded(loaded));
    expect(resources).toEqual([]);
    expect((cause as Error).name).toBe("ConfigError");
    return cause as ConfigError;
}

// The provider falls back to KUBECONFIG when the stack holds no kubeconfig: keep it out of the runs.
const kubeconfigEnv = process.env.KUBECONFIG;
beforeAll(() => void delete process.env.KUBECONFIG);
afterAll(() => {
    if (kubeconfigEnv !== undefined) process.env.KUBECONFIG = kubeconfigEnv;
});

describe("the provider is given exactly the stack's cluster", () => {
    it.each([
        ["dev", false],
        ["prod", true],
    ] as const)("%s: its context only, a top-level provider (protected: %s) aliased to its URN under the Platform", async (env, protect) => {
        const { run } = await runStack(env);
        const provider = run.resources.find((r) => r.type === KUBERNETES_PROVIDER)!;
        expect(provider).toMatchObject({
            name: `k8s-${env}`,
            inputs: { context: "kubernetes-admin@kubernetes" },
            parent: undefined,
            protect,
            aliases: [`urn:pulumi:${env}::mlops-platform::mlops:platform:Platform$${KUBERNETES_PROVIDER}::k8s-${env}`],
        });
        expect(Object.keys(provider.inputs)).toEqual(["context"]);
        // Every Kubernetes object of the env, the cluster check's read included, goes through it.
        const k8sObjects = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        expect(new Set(k8sObjects.map((r) => r.provider))).toEqual(new Set([`${provider.urn}::k8s-${env}-id`]));
    });

    it("hands the secret kubeconfig over as a secret and never writes it into the plan", async () => {
        const doc = kubeconfig("other@elsewhere", "lab-admin@lab");
        const { run, plan } = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, kubeconfig: doc }, ["kubeconfig"]));
        const inputs = run.resources.find((r) => r.type === KUBERNETES_PROVIDER)!.inputs as Record<string, unknown>;
        expect(Object.keys(inputs).sort()).toEqual(["context", "kubeconfig"]);
        expect(inputs.context).toBe("lab-admin@lab");
        expect(isSecretValue(inputs.kubeconfig) && inputs.kubeconfig.value).toBe(doc);
        expect(plan.resources.find((r) => r.type === KUBERNETES_PROVIDER)!.inputs).toEqual({ context: "lab-admin@lab", kubeconfig: SECRET_MARKER });
        expect(JSON.stringify(plan)).not.toContain("kubeconfig-test-token-4d1f");
    });

    it("takes a kubeconfig written as JSON as the document it is", async () => {
        const doc = JSON.stringify(yaml.load(kubeconfig("lab-admin@lab")));
        const { run } = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, kubeconfig: doc }, ["kubeconfig"]));
        const inputs = run.resources.find((r) => r.type === KUBERNETES_PROVIDER)!.inputs as Record<string, any>;
        expect(inputs.kubeconfig.value).toBe(doc);
    });
});

describe("the cluster's identity", () => {
    it("a pinned stack on its own cluster: the read passes, nothing is said", async () => {
        const { run } = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, cluster: { context: "lab-admin@lab", kubeSystemUid: PIN } }));
        expect(run.resources.filter((r) => r.read).map((r) => [r.type, r.name, (r.inputs as any).metadata])).toEqual([
            [
                NAMESPACE,
                "kube-system-dev",
                {
                    name: "kube-system",
                    uid: PIN,
                    // The cluster stack's mark, with the CRDs' version the env checks (test/crds.test.ts): no CRD is read.
                    annotations: { "platform.mlops/cluster-stack": "cluster", "platform.mlops/prometheus-operator-crds": "0.93.1" },
                },
            ],
        ]);
        expect(run.warnings).toEqual([]);
        expect(run.outputs.env).toBe("dev");
    });

    const mismatch = (context: string, env: string, live: string, pin: string) =>
        `cluster identity mismatch: context "${context}" reaches a cluster whose kube-system Namespace has UID ${live}, ` +
        `but stack ${env} pins mlops-platform:cluster.kubeSystemUid ${pin}; stopped before any change. ` +
        `Point mlops-platform:cluster.context (or the secret mlops-platform:kubeconfig) at the stack's own cluster, ` +
        `and change the pin only if this cluster really replaces it (${UID_COMMAND}).`;

    it.each([
        ["an up", false],
        ["a first preview", true],
    ])("on another cluster, %s stops with the mismatch before registering anything but the provider and the read", async (_label, preview) => {
        const loaded = loadStack(ROOT, "prod", { placeholderSecrets: true });
        const { cause, resources } = await failureOf(runProgram(loaded, loadIndex, { preview, live: otherCluster }));
        expect((cause as Error).name).toBe("ClusterIdentityError");
        // A RunError: Pulumi's Node.js runtime prints only its message, never a stack trace.
        expect(pulumi.RunError.isInstance(cause)).toBe(true);
        expect((cause as Error).message).toBe(mismatch("kubernetes-admin@kubernetes", "prod", OTHER_CLUSTER, PROD_PIN));
        expect(resources.map((r) => [r.type, r.name, r.read])).toEqual([
            [KUBERNETES_PROVIDER, "k8s-prod", false],
            [NAMESPACE, "kube-system-prod", true],
        ]);
    });

    it("a protected stack without a pin is a config error", async () => {
        const error = await configError(
            stackFromConfig({
                ...MINIMAL_CONFIG,
                protect: true,
                storage: { nfs: { ...MINIMAL_CONFIG.storage.nfs, reclaimPolicy: "Retain" } },
                workloads: { ...MINIMAL_CONFIG.workloads, airflow: { ...MINIMAL_CONFIG.workloads.airflow, airflowVersion: "3.0.2" } },
            }),
        );
        expect(error.message.split("\n").slice(1)).toEqual([
            `  - mlops-platform:cluster.kubeSystemUid: expected the UID of the cluster's kube-system Namespace (${UID_COMMAND}) on a protected stack, got nothing (key not set)`,
        ]);
    });

    it("an unprotected stack without a pin runs, with a warning that names the UID to pin", async () => {
        const { run } = await runLoaded(stackFromConfig(MINIMAL_CONFIG), { live: otherCluster });
        expect(run.warnings).toEqual([
            `mlops-platform:cluster.kubeSystemUid is not set: stack dev applies to whatever cluster context "lab-admin@lab" reaches ` +
                `(now one whose kube-system Namespace has UID ${OTHER_CLUSTER}); pin it to stop any other cluster (${UID_COMMAND})`,
        ]);
        expect(run.resources.filter((r) => r.type === HELM_RELEASE)).toHaveLength(4);
    });
});

describe("cluster config the program would not read is refused", () => {
    const rejects = async (config: Record<string, unknown>, secretKeys: string[], lines: string[]) => {
        const error = await configError(stackFromConfig(config, secretKeys));
        expect(error.message.split("\n").slice(1)).toEqual(lines.map((l) => `  - ${l}`));
    };

    it("kubernetes:* stack config, each key with what to set instead, and random:* too", () =>
        rejects(
            {
                ...MINIMAL_CONFIG,
                "kubernetes:context": "lab-admin@lab",
                "kubernetes:kubeconfig": "~/.kube/config",
                "kubernetes:namespace": "default",
                "kubernetes:enableServerSideApply": "true",
                "random:foo": "bar",
                "pulumi:disable-default-providers": '["*"]',
            },
            [],
            [
                "kubernetes:context: not read by this program (its provider is explicit); set mlops-platform:cluster.context instead",
                "kubernetes:enableServerSideApply: not read by this program (its provider is explicit); remove it",
                "kubernetes:kubeconfig: not read by this program (its provider is explicit); set the secret mlops-platform:kubeconfig instead (pulumi config set --secret kubeconfig < <file>)",
                "kubernetes:namespace: not read by this program (its provider is explicit); every object the program creates names its env's namespace; remove it",
                "random:foo: not read by this program (its provider is explicit); remove it",
            ],
        ));

    it("kubernetes:context in a stack file", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "cluster-"));
        copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const doc = yaml.load(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        doc.config["kubernetes:context"] = "kubernetes-admin@kubernetes";
        writeFileSync(path.join(dir, "Pulumi.dev.yaml"), yaml.dump(doc));
        const error = await configError(loadStack(dir, "dev", { placeholderSecrets: true }));
        expect(error.message).toBe(
            "invalid stack config (1 problem):\n  - kubernetes:context: not read by this program (its provider is explicit); set mlops-platform:cluster.context instead",
        );
    });

    it.each([
        [
            "no cluster context",
            { cluster: undefined },
            [],
            [
                "mlops-platform:cluster.context: expected the kubeconfig context of the stack's cluster (kubectl config get-contexts -o name), got nothing (key not set)",
            ],
        ],
        [
            "a pin that is no UID",
            { cluster: { context: "lab-admin@lab", kubeSystemUid: "kube-system" } },
            [],
            [`mlops-platform:cluster.kubeSystemUid: expected the UID of the cluster's kube-system Namespace (${UID_COMMAND}), got "kube-system"`],
        ],
        [
            "a mistyped cluster key",
            { cluster: { contxt: "lab" } },
            [],
            [
                "mlops-platform:cluster.context: expected the kubeconfig context of the stack's cluster (kubectl config get-contexts -o name), got nothing (key not set)",
                'mlops-platform:cluster.contxt: expected one of the known keys (context, kubeSystemUid), got unknown key "contxt"',
            ],
        ],
        [
            "a kubeconfig in plaintext",
            { kubeconfig: kubeconfig("lab-admin@lab") },
            [],
            ["mlops-platform:kubeconfig: expected a secret value (pulumi config set --secret kubeconfig), got a plaintext value (not shown)"],
        ],
        [
            "a kubeconfig path instead of the document",
            { kubeconfig: "/home/ops/.kube/config" },
            ["kubeconfig"],
            ["mlops-platform:kubeconfig: expected a kubeconfig document (YAML or JSON with clusters, contexts and users), got a value (not shown: secret)"],
        ],
        [
            "a kubeconfig without the stack's context",
            { kubeconfig: kubeconfig("other@elsewhere") },
            ["kubeconfig"],
            [
                'mlops-platform:kubeconfig: expected a kubeconfig that defines the context "lab-admin@lab" named by cluster.context, got a value (not shown: secret)',
            ],
        ],
    ])("%s", (_label, change, secretKeys, lines) => rejects({ ...MINIMAL_CONFIG, ...change }, secretKeys, lines));
});

describe("the offline plan of a stack holding its kubeconfig", () => {
    let run: ProgramRun;
    let placeholders: string[];
    beforeAll(async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "cluster-"));
        copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const doc = yaml.load(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        doc.config["mlops-platform:kubeconfig"] = { secure: "v1:Qm9ndXNJdjEy:ZW5jcnlwdGVkLWt1YmVjb25maWc=" };
        writeFileSync(path.join(dir, "Pulumi.dev.yaml"), yaml.dump(doc));
        const loaded = loadStack(dir, "dev", { placeholderSecrets: true });
        placeholders = loaded.placeholders;
        ({ run } = await runLoaded(loaded));
    });

    it("stands in a kubeconfig that defines the stack's context, and keeps it secret", () => {
        const kc = (run.resources.find((r) => r.type === KUBERNETES_PROVIDER)!.inputs as Record<string, any>).kubeconfig;
        expect(isSecretValue(kc)).toBe(true);
        const doc = yaml.load(kc.value) as { contexts: { name: string }[]; "current-context": string };
        expect([doc.contexts.map((c) => c.name), doc["current-context"]]).toEqual([["kubernetes-admin@kubernetes"], "kubernetes-admin@kubernetes"]);
        expect(placeholders.some((p) => kc.value.includes(p))).toBe(true);
    });
});
