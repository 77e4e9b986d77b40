/**
 * Runs the real program (index.ts) in Pulumi's mock runtime from tests, the same way
 * `npm run plan` does, and hands back the recorded resources and the plan built from them.
 */
import * as path from "node:path";
import { beforeAll, vi } from "vitest";
import { ProgramRun, runProgram } from "../../scripts/lib/mockRuntime";
import { Plan, buildPlan } from "../../scripts/lib/planWriter";
import { LoadedStack, StackOptions, loadStack } from "../../scripts/lib/stackFile";

export const ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT = "mlops-platform";

const loadIndex = async () => {
    // index.ts reads config when it is evaluated: every run needs a fresh module graph.
    vi.resetModules();
    return (await import("../../index")) as Record<string, unknown>;
};

export interface StackRun {
    readonly run: ProgramRun;
    readonly plan: Plan;
}

export async function runStack(stack: string, opts: StackOptions = {}): Promise<StackRun> {
    return runLoaded(loadStack(ROOT, stack, opts));
}

export async function runLoaded(loaded: LoadedStack): Promise<StackRun> {
    const run = await runProgram(loaded, loadIndex);
    return { run, plan: buildPlan(run) };
}

/** Runs the real dev and prod stack files once for a test file (fills `runs` in beforeAll). */
export function useBothStacks(): Record<"dev" | "prod", StackRun> {
    const runs = {} as Record<"dev" | "prod", StackRun>;
    beforeAll(async () => {
        runs.dev = await runStack("dev");
        runs.prod = await runStack("prod");
    });
    return runs;
}

/** A stack built from a config object (keys without project prefix; objects become JSON). */
export function stackFromConfig(config: Record<string, unknown>, secretKeys: string[] = []): LoadedStack {
    const entries = Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]);
    return {
        project: PROJECT,
        stack: "test",
        config: Object.fromEntries(entries),
        secretKeys: secretKeys.map((k) => `${PROJECT}:${k}`),
        placeholders: [],
    };
}

/** Minimal valid config: everything else takes the program's defaults. */
export const MINIMAL_CONFIG = {
    env: "dev",
    domain: "mlops.example.com",
    storage: { nfs: { server: "10.0.0.5", path: "/srv/nfs/mlops" } },
};

export function valuesOf(plan: Plan, release: string): Record<string, any> {
    const v = plan.values[release];
    if (!v) throw new Error(`no release ${release} in plan (have ${Object.keys(plan.values).join(", ")})`);
    return v as Record<string, any>;
}

export function resourcesOfType(plan: Plan, type: string) {
    return plan.resources.filter((r) => r.type === type);
}

/** Every string anywhere inside a value. */
export function allStrings(value: unknown, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
    else if (typeof value === "object" && value !== null) {
        for (const [k, v] of Object.entries(value)) {
            out.push(k);
            allStrings(v, out);
        }
    }
    return out;
}
