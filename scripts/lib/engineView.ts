/**
 * What the Pulumi engine holds for a stack, built from a mock-runtime run: the resource list a
 * stack policy receives in `pulumi preview --policy-pack` (../shared/engine/README.md lists how it
 * differs from what the mocks record, and each difference once hid a defect):
 * - the root `pulumi:pulumi:Stack` is a resource, and every other top-level resource is its child;
 * - a custom resource registered without an explicit provider gets the engine's default provider of
 *   its package (`pulumi:providers:<pkg>::default_<version>`), which the program cannot protect;
 *   a remote component (helm.v4.Chart) brings `pulumi:providers:pulumi::default` along;
 * - component resources keep no inputs (a helm.v4.Chart neither: its chart and version are only on
 *   the objects it renders, in their `helm.sh/chart` label);
 * - in a first preview (`run.preview`), inputs computed from other resources are the unknown marker,
 *   and so is every output its provider has yet to compute (a Release's `status` and
 *   `resourceNames`, a random value): a stack policy receives inputs merged with outputs. A
 *   Kubernetes object's preview is the API server's dry run of it, without `status`; its server
 *   defaults are not modelled here (test/fixtures/engine holds the engine's own);
 * - a read (`.get`) is the object it found, unprotected (the engine records a read as `external` and
 *   never protected; the policy API shows neither flag, only `protect: false`).
 * A helm.v4.Chart's objects are rendered by the provider, not the program: `renderers` stands in for
 * that, per chart, and the chart's own transforms are applied to what it returns, as the engine does.
 */
import * as pulumi from "@pulumi/pulumi";
import { splitChartLocation } from "../../components/chartSources";
import { HELM_CHART, PROVIDER_PREFIX, SECRET, STACK, kubernetesType, providerType } from "../../components/resourceTypes";
import { computedOutputPaths, isKubernetesObject } from "../../policy/computedOutputs";
import { ProgramRun, ResourceRecord, UNKNOWN, isSecretValue, secretValue } from "./mockRuntime";

export interface ViewResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    /** URN of the provider resource that manages it (custom resources only). */
    readonly provider?: string;
    readonly protect: boolean;
    /** What the engine keeps: a custom resource's inputs (unknown markers included), nothing for a component. */
    readonly props: Record<string, unknown>;
    readonly dependencies: readonly string[];
}

/** A Kubernetes object as a chart renders it. */
export interface RenderedObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> } & Record<string, unknown>;
    readonly [field: string]: unknown;
}

export interface ChartRenderRequest {
    /** Release name, chart name and version, namespace and values: the helm.v4.Chart's arguments. */
    readonly release: string;
    readonly chart: string;
    readonly version: string;
    readonly namespace: string;
    readonly values: Record<string, unknown>;
    /** False in a first preview on a cluster without the CRDs the chart's custom resources need. */
    readonly crdsInstalled: boolean;
}

export type ChartRenderer = (request: ChartRenderRequest) => RenderedObject[];

export interface ViewOptions {
    /** Renderers by chart name; a helm.v4.Chart of a chart without one is an error, not silently empty. */
    readonly renderers: Readonly<Record<string, ChartRenderer>>;
    /** Whether the prometheus-operator CRDs exist yet (false: a first preview on a fresh cluster). */
    readonly crdsInstalled: boolean;
}

const providerUrnOf = (ref: string | undefined) => (ref ? ref.slice(0, ref.lastIndexOf("::")) : undefined);

function packageVersion(pkg: string): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`@pulumi/${pkg}/package.json`) as { version: string }).version.replace(/^v/, "");
}

/** The URN of a child, as the engine forms it: the parent's type chain, then the child's type. */
function childUrn(parentUrn: string, type: string, name: string): string {
    const [prefix, stack, project, parentType] = parentUrn.split("::");
    return [prefix, stack, project, `${parentType}$${type}`, name].join("::");
}

/** Runs the chart's transforms over one rendered object, each on the previous one's result, as the engine does. */
async function applyTransforms(
    rec: ResourceRecord,
    type: string,
    name: string,
    props: Record<string, unknown>,
): Promise<{ props: Record<string, unknown>; opts: pulumi.CustomResourceOptions }> {
    let opts: pulumi.CustomResourceOptions = {};
    for (const transform of rec.transforms) {
        const result = await transform({ type, name, custom: true, props, opts } as pulumi.ResourceTransformArgs);
        if (result) ({ props, opts } = result as { props: Record<string, unknown>; opts: pulumi.CustomResourceOptions });
    }
    return { props, opts };
}

async function renderedChildren(rec: ResourceRecord, provider: string | undefined, options: ViewOptions): Promise<ViewResource[]> {
    const inputs = rec.inputs as { name?: string; chart?: string; version?: string; namespace?: string; values?: Record<string, unknown> };
    // An OCI chart is given as `oci://host/path/<chart>`; its renderer is the chart's.
    const chart = splitChartLocation(String(inputs.chart ?? ""), undefined).chart;
    const renderer = options.renderers[chart];
    if (!renderer) throw new Error(`engineView: no renderer for chart ${inputs.chart ?? "<none>"} of ${rec.urn}`);
    const objects = renderer({
        release: String(inputs.name ?? rec.name),
        chart,
        version: String(inputs.version),
        namespace: String(inputs.namespace),
        values: inputs.values ?? {},
        crdsInstalled: options.crdsInstalled,
    });
    const children: ViewResource[] = [];
    for (const obj of objects) {
        const type = kubernetesType(obj.apiVersion, obj.kind);
        // The provider names a rendered object `<release>:<namespace>/<name>`, or without the namespace.
        const ns = obj.metadata.namespace;
        const name = `${inputs.name}:${ns ? `${ns}/` : ""}${obj.metadata.name}`;
        const { props, opts } = await applyTransforms(rec, type, name, JSON.parse(JSON.stringify(obj)) as Record<string, unknown>);
        children.push({
            urn: childUrn(rec.urn, type, name),
            type,
            name,
            custom: true,
            parent: rec.urn,
            provider,
            protect: typeof opts.protect === "boolean" ? opts.protect : rec.protect,
            props,
            dependencies: [],
        });
    }
    return children;
}

/** The engine's resource list for the stack of `run` (a first preview if `run.preview`, else deployed). */
export async function engineView(run: ProgramRun, options: ViewOptions): Promise<ViewResource[]> {
    const { project, stack } = run.stack;
    const stackUrn = `urn:pulumi:${stack}::${project}::${STACK}::${project}-${stack}`;
    const defaultProviders = new Map<string, ViewResource>();
    const defaultProvider = (pkg: string, name: string): string => {
        const urn = `urn:pulumi:${stack}::${project}::${providerType(pkg)}::${name}`;
        if (!defaultProviders.has(urn)) {
            defaultProviders.set(urn, { urn, type: providerType(pkg), name, custom: true, protect: false, props: {}, dependencies: [] });
        }
        return urn;
    };
    // The Stack's outputs are known after an up; in a first preview the engine sends none.
    const view: ViewResource[] = [
        {
            urn: stackUrn,
            type: STACK,
            name: `${project}-${stack}`,
            custom: false,
            protect: false,
            props: run.preview ? {} : run.outputs,
            dependencies: [],
        },
    ];
    for (const rec of run.resources) {
        const isProvider = rec.type.startsWith(PROVIDER_PREFIX);
        let provider = providerUrnOf(rec.provider);
        if (rec.custom && !isProvider && !provider) {
            const pkg = rec.type.split(":")[0]!;
            provider = defaultProvider(pkg, `default_${packageVersion(pkg).replace(/\./g, "_")}`);
        }
        view.push({
            urn: rec.urn,
            type: rec.type,
            name: rec.name,
            custom: rec.custom,
            parent: rec.parent ?? stackUrn,
            provider: rec.custom ? provider : undefined,
            protect: rec.read ? false : rec.protect,
            props: rec.custom ? withProviderOutputs(rec, run.preview, providerChecked(rec.type, rec.inputs)) : {},
            dependencies: rec.dependencies,
        });
        if (rec.type === HELM_CHART) {
            defaultProvider("pulumi", "default");
            // The chart's objects are managed by the Kubernetes provider the chart was given (the stack's explicit one).
            view.push(...(await renderedChildren(rec, providerUrnOf(rec.provider), options)));
        }
    }
    return [view[0]!, ...defaultProviders.values(), ...view.slice(1)];
}

/**
 * What a stack policy receives of a custom resource: its inputs, merged with the outputs its
 * provider computes (policy/computedOutputs.ts). In a first preview those are unknown, except a
 * Kubernetes object's, whose preview is a dry run that the provider returns without `status`; once
 * deployed they have values the program never reads, which the mocks do not make up.
 */
function withProviderOutputs(rec: ResourceRecord, preview: boolean, props: Record<string, unknown>): Record<string, unknown> {
    if (!preview || rec.read || rec.type.startsWith(PROVIDER_PREFIX) || isKubernetesObject(rec.type)) return props;
    const computed = computedOutputPaths(rec.type).filter((p) => !p.includes("."));
    return { ...props, ...Object.fromEntries(computed.map((p) => [p, UNKNOWN])) };
}

const plain = (v: unknown) => (isSecretValue(v) ? v.value : v);

/**
 * The inputs as the provider's Check returns them: for a Secret, `stringData` merged into base64
 * `data`, unless a value in them is unknown: then the provider leaves the inputs as they are (a
 * first preview of a Secret of generated values shows `stringData` unknown, test/fixtures/engine).
 */
export function providerChecked(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
    if (type !== SECRET || inputs.stringData === undefined) return inputs;
    const { stringData, data, ...rest } = inputs;
    const [given, encoded] = [plain(stringData), plain(data)];
    if (unknownPaths(given, UNKNOWN).length || unknownPaths(encoded, UNKNOWN).length) return inputs;
    const base64 = (v: unknown) => {
        const s = plain(v);
        return typeof s === "string" && s !== UNKNOWN ? Buffer.from(s).toString("base64") : s;
    };
    const merged =
        given === UNKNOWN || encoded === UNKNOWN
            ? UNKNOWN
            : {
                  ...(encoded as Record<string, unknown> | undefined),
                  ...Object.fromEntries(Object.entries((given ?? {}) as Record<string, unknown>).map(([k, v]) => [k, base64(v)])),
              };
    return { ...rest, data: isSecretValue(stringData) || isSecretValue(data) ? secretValue(merged) : merged };
}

/** Every path inside `value` that holds the engine's unknown marker (a secret's path is its own). */
export function unknownPaths(value: unknown, marker: string, path = ""): string[] {
    if (value === marker) return [path || "<root>"];
    if (isSecretValue(value)) return unknownPaths(value.value, marker, path);
    if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, marker, `${path}[${i}]`));
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, marker, path ? `${path}.${k}` : k));
    }
    return [];
}

/**
 * Every unknown in a view that the program decides, as `<Kind> <name> <path>`: unknowns in what the
 * provider computes (policy/computedOutputs.ts) are left out, as the policy pack leaves them out.
 */
export function programUnknowns(view: readonly ViewResource[], markers: Iterable<string> = [UNKNOWN]): string[] {
    const computed = (type: string, p: string) => computedOutputPaths(type).some((c) => p === c || p.startsWith(`${c}.`) || p.startsWith(`${c}[`));
    return view.flatMap((r) =>
        [...markers]
            .flatMap((m) => unknownPaths(r.props, m))
            .filter((p) => !computed(r.type, p))
            .map((p) => `${r.type.split(":").pop()} ${r.name} ${p}`),
    );
}
