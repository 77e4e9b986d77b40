/**
 * The policy pack and the program against what a real Pulumi engine showed (test/fixtures/engine,
 * captured by test/engine/capture.sh with the realrun harness): the resources a stack policy
 * received in a first preview of a new stack and in a preview of the deployed stack, the outputs
 * and the state. The real pack runs over them through @pulumi/policy's own analyzer, next to the
 * model of the engine the other tests use (scripts/lib/engineView.ts); when the program changes
 * what the engine sees, the fixtures are stale and the first test here says so.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { UNKNOWN_MARKERS } from "../policy/pack";
import { CONFIG_MAP, HELM_CHART, HELM_RELEASE, PVC, STACK } from "../components/resourceTypes";
import { ViewResource, programUnknowns } from "../scripts/lib/engineView";
import { ProgramRun, runProgram } from "../scripts/lib/mockRuntime";
import { loadStack } from "../scripts/lib/stackFile";
import { ENGINE_STACKS, EnginePhase, EngineResource, EngineStack, asView, engineDeployed, engineManifest, enginePreview } from "./support/engineFixtures";
import { ROOT, generatedSecretUnknowns, loadIndex } from "./support/harness";
import { analyzeStack } from "./support/policyEngine";

const PHASES: readonly EnginePhase[] = ["first", "deployed"];
const envOf = (stack: EngineStack) => (stack === "cluster" ? undefined : stack);
/** What the harness leaves out of every env: the Airflow release (its chart cannot be served there). */
const harnessOmits = (stack: EngineStack) => (stack === "cluster" ? [] : [`${HELM_RELEASE}::airflow-${stack}-release`]);

/** URNs of what the program registers itself: not the root Stack, the default providers or what a helm.v4.Chart renders. */
function programUrns(resources: readonly { urn: string; type: string; parent?: string }[]): string[] {
    const charts = new Set(resources.filter((r) => r.type === HELM_CHART).map((r) => r.urn));
    return resources
        .filter((r) => r.type !== STACK && !/::pulumi:providers:[a-z]+::default(_[0-9_]+)?$/.test(r.urn) && !(r.parent && charts.has(r.parent)))
        .map((r) => r.urn)
        .sort();
}

const runs = new Map<EngineStack, ProgramRun>();
beforeAll(async () => {
    for (const stack of ENGINE_STACKS) runs.set(stack, await runProgram(loadStack(ROOT, stack, { placeholderSecrets: true }), loadIndex, { preview: true }));
});

it("were captured with the toolchain the harness pins", () => {
    expect(engineManifest()).toMatchObject({ kubernetesProvider: "4.34.2", randomProvider: "4.21.2", kubeApiserver: "v1.34.4" });
    expect(engineManifest().pulumiCli).toMatch(/^v3\.274\./);
});

describe.each(ENGINE_STACKS)("stack %s", (stack) => {
    it("the fixtures are current: the engine saw exactly the resources the program registers today", () => {
        // A read (the kube-system and CRD checks) is no resource of the stack's: the engine hands it to no stack policy.
        const program = programUrns(
            runs
                .get(stack)!
                .resources.filter((r) => !r.read)
                .map((r) => ({ urn: r.urn, type: r.type, parent: r.parent })),
        );
        const omitted = harnessOmits(stack);
        const expected = program.filter((u) => !omitted.some((o) => u.endsWith(o)));
        for (const phase of PHASES) {
            expect(programUrns(enginePreview(stack, phase).resources), `${stack}-${phase}.json is stale: re-run test/engine/capture.sh`).toEqual(expected);
        }
        expect(programUrns(engineDeployed(stack).resources.filter((r) => !r.external))).toEqual(expected);
    });

    it.each(PHASES)("%s: the policy pack passes through the analyzer, every policy run and none reporting", async (phase) => {
        expect(await analyzeStack(asView(enginePreview(stack, phase).resources))).toEqual([]);
    });

    it("a first preview: every unknown is an output the provider computes or secret material the program generates", () => {
        const env = envOf(stack);
        const generated = new Set(env ? generatedSecretUnknowns(env) : []);
        const undecided = programUnknowns(asView(enginePreview(stack, "first").resources), UNKNOWN_MARKERS).filter((line) => !generated.has(line));
        expect(undecided).toEqual([]);
    });

    it("the state protects exactly what the offline plan protects, and retains exactly what it retains", async () => {
        const omitted = harnessOmits(stack);
        const plan: [string, boolean, boolean][] = [];
        for (const r of runs.get(stack)!.resources) {
            if (r.read || r.type.startsWith("pulumi:providers:") || omitted.some((o) => r.urn.endsWith(o))) continue;
            // The engine runs a resource's own `transforms` on the resource itself as well as on its children; the mocks do not.
            let opts: pulumi.CustomResourceOptions = { protect: r.protect, retainOnDelete: r.retainOnDelete ?? false };
            for (const transform of r.transforms) {
                const result = await transform({ type: r.type, name: r.name, custom: r.custom, props: r.inputs, opts } as pulumi.ResourceTransformArgs);
                if (result) opts = result.opts as pulumi.CustomResourceOptions;
            }
            plan.push([r.urn, opts.protect ?? false, opts.retainOnDelete ?? false]);
        }
        const charts = new Set(
            engineDeployed(stack)
                .resources.filter((r) => r.type === HELM_CHART)
                .map((r) => r.urn),
        );
        const state = engineDeployed(stack)
            .resources.filter((r) => r.type !== STACK && !r.type.startsWith("pulumi:providers:") && !r.external && !(r.parent && charts.has(r.parent)))
            .map((r) => [r.urn, r.protect ?? false, r.retainOnDelete ?? false]);
        expect(state.sort()).toEqual(plan.sort());
    });

    it("the outputs are the offline plan's, value for value", () => {
        const outputs = engineDeployed(stack).outputs;
        expect(outputs).toEqual(JSON.parse(JSON.stringify(runs.get(stack)!.outputs)));
    });
});

describe.each(["dev", "prod"] as const)("the gate on %s still fails a broken input", (stack) => {
    const other = stack === "dev" ? "prod" : "dev";
    const broken = (phase: EnginePhase, change: (r: EngineResource) => EngineResource | undefined): ViewResource[] =>
        asView(enginePreview(stack, phase).resources.map((r) => change(structuredClone(r)) ?? r));
    const mandatory = async (view: ViewResource[]) =>
        (await analyzeStack(view)).filter((d) => d.level === "mandatory").map((d) => [d.policy, d.urn.split("::").pop()]);

    describe.each(PHASES)("on the %s preview", (phase) => {
        it("a ConfigMap that names the other env's Loki", async () => {
            const view = broken(phase, (r) => {
                if (r.type !== CONFIG_MAP || (r.props.metadata as { namespace?: string })?.namespace !== `monitoring-${stack}`) return undefined;
                return { ...r, props: { ...r.props, data: { url: `http://loki-${other}.observability-${other}.svc.cluster.local:3100` } } };
            });
            const found = await mandatory(view);
            expect(found.length).toBeGreaterThan(0);
            expect(new Set(found.map(([policy]) => policy))).toEqual(new Set(["no-cross-env-reference"]));
        });

        it("a Helm release without an exact chart version", async () => {
            const view = broken(phase, (r) =>
                r.type === HELM_RELEASE && r.name === `loki-${stack}` ? { ...r, props: { ...r.props, version: "^18" } } : undefined,
            );
            expect(await mandatory(view)).toEqual([["chart-version-pinned", `loki-${stack}`]]);
        });
    });

    if (stack === "prod") {
        it.each(PHASES)("%s: an unprotected volume claim of prod", async (phase) => {
            const view = broken(phase, (r) => (r.type === PVC && r.name === "fastapi-prod-logs" ? { ...r, protect: false } : undefined));
            const found = await mandatory(view);
            expect(found).toContainEqual(["protected-env-volumes-retained", "fastapi-prod-logs"]);
        });
    }
});
