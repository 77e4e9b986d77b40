/**
 * What a real Pulumi engine showed for the project's stacks (test/fixtures/engine/, written by
 * test/engine/capture.sh with the realrun harness; test/engine/README.md): the resources a stack
 * policy received in a first preview and in a preview of the deployed stack, the outputs and each
 * resource's options in the state. Secret values are "[secret]", machine paths "<local path>".
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { ViewResource } from "../../scripts/lib/engineView";
import { ROOT } from "./harness";

export const ENGINE_FIXTURES = path.join(ROOT, "test", "fixtures", "engine");

export type EnginePhase = "first" | "deployed";

/** A resource as @pulumi/policy handed it to a stack policy under the engine: the view's fields but `custom`, which the policy API does not show. */
export type EngineResource = Omit<ViewResource, "custom">;

export interface EnginePreview {
    readonly stack: string;
    readonly phase: EnginePhase;
    readonly resources: readonly EngineResource[];
}

/** A resource of `pulumi stack export`, reduced to what it is and its options. */
export interface EngineStateResource {
    readonly urn: string;
    readonly type: string;
    readonly custom?: boolean;
    readonly protect?: boolean;
    readonly retainOnDelete?: boolean;
    readonly external?: boolean;
    readonly parent?: string;
    readonly provider?: string;
}

export interface EngineDeployed {
    readonly stack: string;
    readonly outputs: Record<string, unknown>;
    readonly resources: readonly EngineStateResource[];
}

export interface EngineManifest {
    readonly capturedFrom: string;
    readonly pulumiCli: string;
    readonly kubernetesProvider: string;
    readonly randomProvider: string;
    readonly kubeApiserver: string;
}

/** The stacks the harness deploys, in its order. */
export const ENGINE_STACKS = ["cluster", "dev", "prod"] as const;
export type EngineStack = (typeof ENGINE_STACKS)[number];

const read = <T>(file: string): T => {
    const f = path.join(ENGINE_FIXTURES, file);
    if (!existsSync(f)) throw new Error(`no engine fixture ${f}: regenerate with test/engine/capture.sh (test/engine/README.md)`);
    return JSON.parse(readFileSync(f, "utf8")) as T;
};

export const enginePreview = (stack: EngineStack, phase: EnginePhase) => read<EnginePreview>(`${stack}-${phase}.json`);
export const engineDeployed = (stack: EngineStack) => read<EngineDeployed>(`${stack}-deployed-state.json`);
export const engineManifest = () => read<EngineManifest>("manifest.json");

/** The fixture's resources as the tests' policy runner takes them (custom: managed by a provider). */
export function asView(resources: readonly EngineResource[]): ViewResource[] {
    return resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        custom: r.provider !== undefined || r.type.startsWith("pulumi:providers:"),
        parent: r.parent,
        provider: r.provider,
        protect: r.protect,
        props: r.props,
        dependencies: r.dependencies,
    }));
}
