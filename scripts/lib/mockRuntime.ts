/**
 * Evaluates the Pulumi program in Pulumi's mock runtime: no CLI, no cluster, no network. Every
 * registered resource is recorded with its type, name, parent, provider and inputs (secrets keep
 * their secret wrapper, so writers can redact them). Used by `npm run plan`, the tests and the bench.
 *
 * Two modes. The default resolves every output, as after an `up` (the offline plan shows the values
 * a deployment would apply). `preview: true` behaves as the engine does in a first preview of a new
 * stack (../shared/engine/README.md): the run is a dry run, and every output a provider computes
 * (a Helm release's status, a generated password) stays unknown, so inputs built from one carry the
 * engine's unknown marker. engineView.ts turns either run into what the engine hands to policies.
 */
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_STACK_ANNOTATION, CRDS_OPERATOR_VERSION_ANNOTATION, OPERATOR_VERSION_ANNOTATION } from "../../components/cluster/operatorCrds";
import { CRD, HELM_RELEASE, NAMESPACE, RANDOM_BYTES, RANDOM_PASSWORD, STACK } from "../../components/resourceTypes";
import { prometheusOperator } from "../../components/versions";
import { LoadedStack } from "./stackFile";

export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The engine's marker of a value unknown during preview (the same string in its JSON and its RPCs). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface ResourceRecord {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    readonly provider?: string;
    readonly custom: boolean;
    /** Resource options a reviewer cares about for data safety. */
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    /** Inputs as the provider would receive them; secret values stay wrapped, unknowns are `UNKNOWN`. */
    readonly inputs: Record<string, unknown>;
    /** URNs of the resources it waits for (`dependsOn` and the outputs it was given). */
    readonly dependencies: readonly string[];
    /** Transforms registered on it; a helm.v4.Chart applies them to the objects it renders. */
    readonly transforms: readonly pulumi.ResourceTransform[];
    /**
     * A read of an existing object (`.get`), which the engine records as external and never
     * protects; its `inputs` are then the object as read, which is what the engine hands policies.
     */
    readonly read: boolean;
    /** The URNs it was known by before (its aliases), which the engine moves to its URN. */
    readonly aliases: readonly string[];
}

/** A step the engine itself fails (a read of a missing object): the engine reports it, not the program. */
export class EngineError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "EngineError";
    }
}

/** The program failed; `resources` says what had been registered before it did. */
export class ProgramFailure extends Error {
    constructor(
        readonly cause: unknown,
        readonly resources: readonly ResourceRecord[],
    ) {
        super(cause instanceof Error ? cause.message : String(cause));
        this.name = "ProgramFailure";
    }
}

export interface ProgramRun {
    readonly stack: LoadedStack;
    /** Whether this was an engine-like first preview (dry run, computed outputs unknown). */
    readonly preview: boolean;
    readonly resources: ResourceRecord[];
    /** Outputs registered by component resources, by URN. */
    readonly componentOutputs: Map<string, Record<string, unknown>>;
    /** The stack outputs (module exports), resolved; secret values stay wrapped. */
    readonly outputs: Record<string, unknown>;
    /** What the program logged with pulumi.log.warn, in order. */
    readonly warnings: string[];
}

/** `value` wrapped the way the engine marks a secret on the wire. */
export function secretValue(value: unknown): { value: unknown } {
    return { [SIG_KEY]: SECRET_SIG, value } as { value: unknown };
}

export function isSecretValue(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Value the mocks give every generated password; treated as a secret by the plan writer too. */
export const MOCK_RANDOM_RESULT = "mock-random-result-0f3c9a";
/** Value the mocks give every generated password's `bcryptHash` (the provider computes one at create). */
export const MOCK_BCRYPT_HASH = "$2a$10$mockmockmockmockmockmuQ0f3c9aMockBcryptHashOfTheResult";

/**
 * UID of the kube-system Namespace a run reads when the stack pins none: the mocks have no cluster,
 * so the offline plan can never check the live UID (a preview does).
 */
export const MOCK_KUBE_SYSTEM_UID = "offline-no-cluster";

/** The UID the stack file pins (`cluster.kubeSystemUid`), if any. */
export function pinnedKubeSystemUid(stack: LoadedStack): string | undefined {
    try {
        const uid: unknown = JSON.parse(stack.config[`${stack.project}:cluster`] ?? "{}")?.kubeSystemUid;
        return typeof uid === "string" ? uid : undefined;
    } catch {
        // Malformed cluster config is reported by the schema itself.
        return undefined;
    }
}

/** The key of an object in `RunOptions.live`: its type and ID (`<namespace>/<name>`, or the name). */
export const liveKey = (type: string, id: string) => `${type}::${id}`;

/** A prometheus-operator CRD as the cluster stack's chart installs it, at `operatorVersion`. */
export function operatorCrd(name: string, operatorVersion: string | undefined): Record<string, unknown> {
    const annotations = operatorVersion === undefined ? {} : { [OPERATOR_VERSION_ANNOTATION]: operatorVersion };
    return { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name, annotations } };
}

/**
 * The kube-system Namespace of a cluster whose UID is `uid`, marked by cluster stack `clusterStack`
 * (null: no cluster stack ran) as having applied the CRDs of `crdsOperatorVersion` (null: not said).
 */
export function kubeSystemNamespace(
    uid: string,
    clusterStack: string | null = "cluster",
    crdsOperatorVersion: string | null = prometheusOperator.version,
): Record<string, unknown> {
    const version = crdsOperatorVersion === null ? {} : { [CRDS_OPERATOR_VERSION_ANNOTATION]: crdsOperatorVersion };
    const annotations = clusterStack === null ? {} : { annotations: { [CLUSTER_STACK_ANNOTATION]: clusterStack, ...version } };
    return { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system", uid, ...annotations } };
}

/** The cluster the mocks read from: the objects `live` gives, in front of the default ones. */
type LiveObjects = Readonly<Record<string, Record<string, unknown> | null>>;

/** What the mocks' cluster holds unless a run says otherwise: the stack's own cluster, after `pulumi up -s cluster`. */
function defaultLive(stack: LoadedStack): LiveObjects {
    return { [liveKey(NAMESPACE, "kube-system")]: kubeSystemNamespace(pinnedKubeSystemUid(stack) ?? MOCK_KUBE_SYSTEM_UID) };
}

/**
 * What a read finds: the object `live` names, or by default an object that exists (a
 * prometheus-operator CRD at the version kube-prometheus-stack's pin runs, as after
 * `pulumi up -s cluster`; anything else with its name). An object `live` maps to null is not in
 * the cluster, and the read fails with the engine's message (its ReadStep: "resource '<id>' does
 * not exist"), not with anything the program could say.
 */
function readState(type: string, id: string, inputs: Record<string, unknown>, live: LiveObjects): Record<string, unknown> {
    const key = liveKey(type, id);
    if (key in live) {
        const state = live[key];
        if (state === null) throw new EngineError(`resource '${id}' does not exist`);
        return state!;
    }
    if (type === CRD && id.endsWith(".monitoring.coreos.com")) return operatorCrd(id, prometheusOperator.version);
    return mockState(type, id, inputs);
}

/**
 * What a provider answers in a first preview: its inputs, and nothing it would compute. A missing
 * output resolves as unknown in a dry run. Reads (`.get`) run against the cluster in a preview too.
 */
function previewState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    if (type.startsWith("random:") || type === HELM_RELEASE) return inputs;
    const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
    return type.startsWith("kubernetes:") ? { ...inputs, metadata: { name, ...metadata } } : inputs;
}

/** `name` is the object name: the ID for reads (`Namespace.get`), the logical name otherwise. */
function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case RANDOM_PASSWORD:
            return { ...inputs, result: MOCK_RANDOM_RESULT, bcryptHash: MOCK_BCRYPT_HASH };
        case RANDOM_BYTES: {
            // Bytes whose base64 form has both `+` and `/`, so URL-safe re-encoding is exercised.
            const bytes = Buffer.alloc(Number(inputs.length ?? 32), 0xfb);
            return { ...inputs, base64: bytes.toString("base64"), hex: bytes.toString("hex") };
        }
        case HELM_RELEASE:
            return { ...inputs, status: { name: inputs.name, namespace: inputs.namespace, status: "deployed" } };
        default: {
            // Kubernetes objects get their name back, as the API server would answer.
            const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
            return type.startsWith("kubernetes:") ? { ...inputs, metadata: { name, ...metadata } } : inputs;
        }
    }
}

type AliasSpec = { name?: string; type?: string; stack?: string; project?: string; parenturn?: string; noparent?: boolean };
type Req = {
    getType(): string;
    getName(): string;
    getParent(): string;
    getAliasesList?(): { toObject(): { urn?: string; spec?: AliasSpec } }[];
    getObject?(): { toJavaScript(): Record<string, unknown> } | undefined;
    getProperties?(): { toJavaScript(): Record<string, unknown> } | undefined;
    getDependenciesList?(): string[];
    getProtect?(): boolean | undefined;
    getRetainondelete?(): boolean | undefined;
};
type Callback = (err: unknown, resp: { getUrn(): string } | undefined) => void;
type OutputsReq = { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined };

/** The URN each alias of a registration names, as the engine forms it: a child's type follows its parent's. */
/**
 * A resource's URN as the engine forms it: its type qualified by its parent's whole qualified type
 * (`mlops:platform:Platform$mlops:ingress:IngressAuth$kubernetes:core/v1:Secret`), except under the
 * root Stack. Pulumi's mock monitor keeps only the parent's last type, which is not what the engine
 * records (test/fixtures/engine).
 */
export function engineUrn(stack: Pick<LoadedStack, "project" | "stack">, parent: string | undefined, type: string, name: string): string {
    const parentType = parent ? parent.split("::")[2] : undefined;
    const qualified = parentType && parentType !== STACK ? `${parentType}$${type}` : type;
    return `urn:pulumi:${stack.stack}::${stack.project}::${qualified}::${name}`;
}

function aliasUrns(req: Req, stack: LoadedStack): string[] {
    return (req.getAliasesList?.() ?? []).map((alias) => {
        const { urn, spec = {} } = alias.toObject();
        if (urn) return urn;
        const parent = spec.noparent ? "" : spec.parenturn || req.getParent();
        return engineUrn(
            { stack: spec.stack || stack.stack, project: spec.project || stack.project },
            parent,
            spec.type || req.getType(),
            spec.name || req.getName(),
        );
    });
}

/** Resolves an Output (or plain value) the way a stack export is resolved; `UNKNOWN` in a preview if it is. */
async function settle(value: unknown): Promise<unknown> {
    if (!pulumi.Output.isInstance(value)) return value;
    // Output.isKnown is a promise the SDK keeps off its public typings; an unknown never applies.
    if (!(await (value as unknown as { isKnown: Promise<boolean> }).isKnown)) return UNKNOWN;
    return new Promise((resolve) => {
        value.apply((v: unknown) => {
            resolve(v);
            return v;
        });
    });
}

/** Drops what the wire form cannot carry (`undefined`), keeping secret wrappers and unknown markers. */
function wireValue(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(wireValue);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, wireValue(v)]),
        );
    }
    return value;
}

export interface RunOptions {
    /** Behave as the engine does in a first preview of a new stack (see the module comment). */
    readonly preview?: boolean;
    /**
     * The cluster that reads (`.get`) see, by `liveKey(type, id)`: an object's state, or null for an
     * object the cluster does not have. Unlisted reads find their object (see `readState`): the
     * kube-system Namespace with the UID the stack pins (another UID simulates another cluster), the
     * prometheus-operator CRDs at the version kube-prometheus-stack's pin runs.
     */
    readonly live?: LiveObjects;
}

/**
 * What Pulumi's Node.js runtime runs of a loaded entry module (cmd/run/run.js): a module whose only
 * export is `default` stands for that export, and an exported function is called and awaited; its
 * result (or the module's exports) are the stack outputs.
 */
async function programResult(loaded: unknown): Promise<Record<string, unknown>> {
    let program = loaded;
    const exports = loaded as Record<string, unknown>;
    if (typeof loaded === "object" && loaded !== null && Object.keys(exports).every((k) => k === "default" || k === "__esModule") && "default" in exports) {
        program = exports.default;
    }
    const result: unknown = await (typeof program === "function" ? (program as () => unknown)() : program);
    return typeof result === "object" && result !== null ? (result as Record<string, unknown>) : {};
}

export async function runProgram(stack: LoadedStack, loadProgram: () => Promise<unknown>, options: RunOptions = {}): Promise<ProgramRun> {
    const preview = options.preview === true;
    const live: LiveObjects = { ...defaultLive(stack), ...options.live };
    const reads = new Map<string, Record<string, unknown>>();
    const resources: ResourceRecord[] = [];
    const pending = new Map<string, Omit<ResourceRecord, "urn" | "parent" | "protect" | "retainOnDelete" | "dependencies" | "read" | "aliases">>();
    const engineErrors: EngineError[] = [];
    const componentOutputs = new Map<string, Record<string, unknown>>();

    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                pending.set(`${args.type}::${args.name}`, {
                    type: args.type,
                    name: args.name,
                    provider: args.provider || undefined,
                    custom: args.custom ?? true,
                    inputs: args.inputs,
                    transforms: (args as { transforms?: pulumi.ResourceTransform[] }).transforms ?? [],
                });
                if (args.id) {
                    let state: Record<string, unknown>;
                    try {
                        state = readState(args.type, args.id, args.inputs, live);
                    } catch (err) {
                        if (err instanceof EngineError) engineErrors.push(err);
                        throw err;
                    }
                    reads.set(`${args.type}::${args.name}`, state);
                    return { id: args.id, state };
                }
                const state = preview ? previewState(args.type, args.name, args.inputs) : mockState(args.type, args.name, args.inputs);
                // In a preview the engine has no ID for a resource it has yet to create.
                return { id: preview ? undefined : `${args.name}-id`, state };
            },
            call(args) {
                return args.inputs;
            },
        },
        stack.project,
        stack.stack,
        preview,
    );

    // The mock API does not expose parents; the monitor's requests carry them.
    const monitor = pulumi.runtime.getMonitor() as unknown as Record<string, (req: Req, cb: Callback) => void> & {
        registerResourceOutputs: (req: OutputsReq, cb: (err: unknown, resp: unknown) => void) => void;
        newUrn: (parent: string, type: string, name: string) => string;
    };
    monitor.newUrn = (parent, type, name) => engineUrn(stack, parent, type, name);
    for (const method of ["registerResource", "readResource"]) {
        const original = monitor[method].bind(monitor);
        monitor[method] = (req: Req, cb: Callback) =>
            original(req, (err, resp) => {
                const key = `${req.getType()}::${req.getName()}`;
                const rec = pending.get(key);
                if (!err && resp && rec) {
                    pending.delete(key);
                    // In a preview the inputs are taken off the wire: there an unknown is the engine's marker,
                    // where the mocks' decoded inputs would have dropped it.
                    const wire = (req.getObject ?? req.getProperties)?.call(req)?.toJavaScript();
                    const read = method === "readResource";
                    resources.push({
                        ...rec,
                        inputs: read ? (reads.get(key) ?? {}) : preview && wire ? (wireValue(wire) as Record<string, unknown>) : rec.inputs,
                        read,
                        aliases: aliasUrns(req, stack),
                        dependencies: req.getDependenciesList?.() ?? [],
                        urn: resp.getUrn(),
                        parent: req.getParent() || undefined,
                        protect: req.getProtect?.() ?? false,
                        retainOnDelete: req.getRetainondelete?.() ?? false,
                    });
                }
                cb(err, resp);
            });
    }
    const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, cb) => {
        componentOutputs.set(req.getUrn(), req.getOutputs()?.toJavaScript() ?? {});
        originalOutputs(req, cb);
    };

    pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
    const outputs: Record<string, unknown> = {};
    // Pulumi's Node.js language host fails the program on any unhandled rejection (cmd/run/run.js):
    // an error raised in an apply, or a dependsOn that rejects, surfaces only there. Listening also
    // keeps the test runner from reporting it as its own (vitest steps back while another listener exists).
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => void unhandled.push(err);
    const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    process.on("unhandledRejection", onUnhandled);
    // The mocks have no engine to log to: pulumi.log.warn falls back to console.warn with this prefix.
    const warnings: string[] = [];
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => {
        const line = args.map(String).join(" ");
        if (line.startsWith("warning: [runtime] ")) warnings.push(line.slice("warning: [runtime] ".length));
        else consoleWarn(...args);
    };
    try {
        const exports = await programResult(await loadProgram());
        for (const [key, value] of Object.entries(exports)) {
            if (key === "default" || key === "__esModule") continue;
            const resolved = await settle(value);
            // Output.isSecret is a promise the SDK keeps off its public typings.
            const secret = pulumi.Output.isInstance(value) && (await (value as unknown as { isSecret: Promise<boolean> }).isSecret);
            outputs[key] = secret ? { [SIG_KEY]: SECRET_SIG, value: resolved } : resolved;
        }
        if (waitForRPCs) await waitForRPCs();
        // Node reports a rejection as unhandled once the microtasks after it have run.
        await new Promise((resolve) => setImmediate(resolve));
        // A failed step ends the deployment with the engine's message; the program's own errors come after it.
        if (engineErrors.length) throw engineErrors[0];
        if (unhandled.length) throw unhandled[0];
    } catch (err) {
        // The engine reports a failed step itself, whatever the program made of the rejection it saw.
        throw new ProgramFailure(engineErrors[0] ?? err, resources);
    } finally {
        // A failed run's other rejections (the outputs of a failed read) surface after it: they are its
        // own, and must not be counted against the next run.
        if (waitForRPCs) await waitForRPCs().catch(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
        process.off("unhandledRejection", onUnhandled);
        console.warn = consoleWarn;
    }
    return { stack, preview, resources, componentOutputs, outputs, warnings };
}
