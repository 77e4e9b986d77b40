/**
 * The recovery plan for a stack left with pending operations by a killed `pulumi up`, carried out
 * by Pulumi itself: one `pulumi refresh --clear-pending-creates` drops every pending create (and,
 * as any refresh does, pending updates and deletes), then one `pulumi import --file` adopts each
 * object the cluster has, under the parent and provider the killed run gave it and with the inputs
 * it sent, and a last refresh reads those objects back; the next `up` creates the rest. The refresh's own `--import-pending-creates` is not used: under Pulumi 3.274
 * the refresh accepts it and records nothing (the realrun harness showed it), so the objects would
 * be left in neither the state nor the pending list. Nothing here runs a program: the checks of
 * the cluster and the commands are built here and run elsewhere.
 */
import { RecoverError } from "./errors";
import { readStackFile } from "./stackFile";
import { PendingOperation, StateResource, parseExportedState } from "./exportedState";
import { KubeObject, Refusal, kubeObjectOf, urnName } from "./identity";
import { existenceCommand } from "./cluster";
import { commandLine } from "./pulumiCli";

/** A pending create of a Kubernetes object or Helm release, to be looked up in the cluster. */
export interface PendingObject {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly object: KubeObject;
    readonly parent?: string;
    /** The provider's URN (the state's reference without its `::<id>`). */
    readonly provider?: string;
    /** What the killed run sent for it, as the export has it (secrets encrypted). */
    readonly inputs: Record<string, unknown>;
}

export interface PendingState {
    readonly stack: string;
    readonly env: string;
    readonly objects: PendingObject[];
    /** Pending creates that have no object in the cluster: random values, providers and components. */
    readonly unbacked: Array<{ readonly urn: string; readonly type: string; readonly name: string }>;
    /** Pending operations other than creates. */
    readonly others: Array<{ readonly urn: string; readonly type: string; readonly name: string; readonly opType: string }>;
    readonly recorded: readonly StateResource[];
    readonly pending: readonly PendingOperation[];
}

export type Step =
    | {
          readonly action: "import";
          readonly urn: string;
          readonly type: string;
          readonly name: string;
          /** The provider's import ID. */
          readonly id: string;
          readonly parent?: string;
          readonly provider?: string;
          /** The inputs the killed run sent for it (secrets encrypted as in the export). */
          readonly inputs: Record<string, unknown>;
          /** The read-only command that found it, and what it printed. */
          readonly check: string;
          readonly found: string[];
      }
    | { readonly action: "clear"; readonly urn: string; readonly type: string; readonly name: string; readonly note: string; readonly check?: string }
    | { readonly action: "refresh"; readonly urn: string; readonly type: string; readonly name: string; readonly note: string };

export interface RecoveryPlan {
    readonly stack: string;
    readonly env: string;
    readonly steps: Step[];
    readonly notes: string[];
}

export interface PlanInput {
    /** Stack name as it appears in URNs (`dev`, not `organization/mlops-platform/dev`). */
    readonly stack: string;
    readonly project: string;
    readonly env: string;
    readonly exportText: string;
    /** Where the export came from, for messages. */
    readonly source: string;
}

/** A provider reference is `<provider urn>::<provider id>`. */
function splitProviderRef(ref: string): { urn: string; id: string } {
    const at = ref.lastIndexOf("::");
    return { urn: ref.slice(0, at), id: ref.slice(at + 2) };
}

/**
 * Sorts the export's pending operations, refusing (with every reason at once) anything that is
 * not the stack's env's or cannot be placed for certain.
 */
export function classifyPending(input: PlanInput): PendingState {
    const { stack, project, env } = input;
    const state = parseExportedState(input.exportText, input.source);
    const recorded = new Map(state.resources.map((r) => [r.urn, r]));
    const prefix = `urn:pulumi:${stack}::${project}::`;
    const refusals: Refusal[] = [];
    const objects: PendingObject[] = [];
    const unbacked: PendingState["unbacked"] = [];
    const others: PendingState["others"] = [];

    // Another stack's export would point every command at the wrong stack's objects: refuse it as a whole.
    const foreign = [...state.resources, ...state.pending.map((p) => p.resource)].find((r) => !r.urn.startsWith(prefix));
    if (foreign) throw new RecoverError(`${input.source} is not the state of stack ${stack} of project ${project}: it holds ${foreign.urn}`);
    // A pending component is imported again (as a component) when an object under it is imported.
    const pendingComponents = new Set(state.pending.filter((p) => p.type === "creating" && p.resource.custom === false).map((p) => p.resource.urn));
    for (const op of state.pending) {
        const r = op.resource;
        const name = urnName(r.urn);
        if (op.type !== "creating") {
            others.push({ urn: r.urn, type: r.type, name, opType: op.type });
            continue;
        }
        const inState = recorded.get(r.urn);
        if (inState) {
            refusals.push(
                new Refusal(
                    r,
                    `it is also recorded in the state (id ${inState.id}): an interrupted replacement, which this command does not settle; ` +
                        `run \`pulumi refresh --stack ${stack}\` in a terminal and answer for it`,
                ),
            );
            continue;
        }
        // A component (custom: false) holds nothing in the cluster: like a random value or a
        // provider, it is cleared and registered again by the next up.
        if (r.custom === false || r.type.startsWith("random:") || r.type.startsWith("pulumi:providers:")) {
            unbacked.push({ urn: r.urn, type: r.type, name });
            continue;
        }
        const object = kubeObjectOf(r, env);
        if (object instanceof Refusal) {
            refusals.push(object);
            continue;
        }
        if (r.parent && !recorded.has(r.parent) && !pendingComponents.has(r.parent)) {
            refusals.push(new Refusal(r, `its parent ${r.parent} is neither in the state nor a pending component`));
            continue;
        }
        const provider = r.provider ? splitProviderRef(r.provider) : undefined;
        if (provider && recorded.get(provider.urn)?.id !== provider.id) {
            refusals.push(new Refusal(r, `its provider ${r.provider} is not in the state, so the refresh could not read it`));
            continue;
        }
        objects.push({ urn: r.urn, type: r.type, name, object, parent: r.parent, provider: provider?.urn, inputs: r.inputs ?? {} });
    }
    if (refusals.length) throw new RecoverError(refusals.map(String).join("\n"));
    return { stack, env, objects, unbacked, others, recorded: state.resources, pending: state.pending };
}

/** The cluster checks the plan needs, keyed by URN. */
export const existenceChecks = (state: PendingState, context: string): Array<{ key: string; argv: string[] }> =>
    state.objects.map((o) => ({ key: o.urn, argv: existenceCommand(o.object, context) }));

const dependsOn = (r: StateResource, urn: string): boolean =>
    (r.dependencies ?? []).includes(urn) || Object.values(r.propertyDependencies ?? {}).some((deps) => deps.includes(urn));

/**
 * Why a pending random value is cleared, naming what may already hold the old value: the killed
 * run may have written it into a Secret before it recorded the random resource itself.
 */
function randomNote(urn: string, state: PendingState, imported: ReadonlySet<string>): string {
    const holders = [
        ...state.pending
            .filter((p) => imported.has(p.resource.urn) && dependsOn(p.resource, urn))
            .map((p) => `${p.resource.type} ${urnName(p.resource.urn)} (imported here)`),
        ...state.recorded.filter((d) => dependsOn(d, urn)).map((d) => `${d.type} ${urnName(d.urn)} (in the state)`),
    ];
    const base = "cleared: a random value cannot be read back from anywhere, so the next `pulumi up` creates it again with a new value.";
    if (!holders.length) return base;
    const they = holders.length > 1;
    return (
        `${base} ${holders.join(", ")} may hold the old value; the next up updates ${they ? "them" : "it"} to the new one ` +
        `(a pod that read the old value at start keeps it until it restarts).`
    );
}

/** The plan, given what the cluster checks found (URN to the names kubectl printed; empty: missing). */
export function resolvePlan(state: PendingState, context: string, found: ReadonlyMap<string, readonly string[]>): RecoveryPlan {
    const steps: Step[] = [];
    for (const o of state.objects) {
        const names = found.get(o.urn);
        if (names === undefined) throw new Error(`no cluster check for ${o.urn}`);
        const check = commandLine(existenceCommand(o.object, context));
        steps.push(
            names.length
                ? {
                      action: "import",
                      urn: o.urn,
                      type: o.type,
                      name: o.name,
                      id: o.object.id,
                      parent: o.parent,
                      provider: o.provider,
                      inputs: o.inputs,
                      check,
                      found: [...names],
                  }
                : {
                      action: "clear",
                      urn: o.urn,
                      type: o.type,
                      name: o.name,
                      check,
                      note: `not in the cluster (${o.object.id}): cleared; the next \`pulumi up\` creates it`,
                  },
        );
    }
    const imported = new Set(steps.filter((s) => s.action === "import").map((s) => s.urn));
    // Components an imported object sits under (directly or not) are imported with it, as components.
    const parents = new Map(state.pending.map((p) => [p.resource.urn, p.resource.parent]));
    const holding = new Set<string>();
    for (const s of steps) {
        for (let p = s.action === "import" ? s.parent : undefined; p && parents.has(p); p = parents.get(p)) holding.add(p);
    }
    for (const u of state.unbacked) {
        const note = u.type.startsWith("random:")
            ? randomNote(u.urn, state, imported)
            : u.type.startsWith("pulumi:providers:")
              ? "cleared: a provider has no object in the cluster; the next `pulumi up` registers it again"
              : holding.has(u.urn)
                ? "cleared, then imported again as a component with the objects under it, so that they keep their URNs"
                : "cleared: a component has no object in the cluster; the next `pulumi up` registers it again";
        steps.push({ action: "clear", ...u, note });
    }
    for (const o of state.others) {
        steps.push({
            action: "refresh",
            urn: o.urn,
            type: o.type,
            name: o.name,
            note: `interrupted while ${o.opType}: the refresh drops this pending operation (any \`pulumi refresh\` does) and reads the object's live state`,
        });
    }
    const notes: string[] = [];
    if (imported.size) notes.push("An import adopts the object as the cluster has it now; the next `pulumi up` brings it to what the program declares.");
    return { stack: state.stack, env: state.env, steps, notes };
}

/** The command that removes the stack's locks; Pulumi's own advice for a lock left by a killed run. */
export const cancelCommand = (stack: string): string[] => ["pulumi", "cancel", "--stack", stack, "--yes", "--non-interactive"];

/** The refresh that drops every pending operation of the plan; `stack` as the user named it. */
export function refreshCommand(plan: RecoveryPlan, stack: string): string[] {
    const creates = plan.steps.some((s) => s.action !== "refresh") ? ["--clear-pending-creates"] : [];
    return ["pulumi", "refresh", "--stack", stack, "--yes", "--non-interactive", "--skip-preview", ...creates];
}

/** One entry of a `pulumi import --file` document; parent and provider are names of the nameTable or of other entries. */
export interface ImportEntry {
    readonly type: string;
    readonly name: string;
    readonly logicalName: string;
    readonly id?: string;
    readonly component?: true;
    readonly parent?: string;
    readonly provider?: string;
    readonly inputs?: Record<string, unknown>;
    readonly outputs?: Record<string, unknown>;
}

export interface ImportFile {
    readonly nameTable: Record<string, string>;
    readonly resources: ImportEntry[];
}

const logicalName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/**
 * The `pulumi import --file` document that adopts every object the plan imports, with exactly the
 * URN the program registers: under its parent (a recorded resource, or a pending component imported
 * here as a component first) and its provider. Undefined when nothing is imported.
 */
export function importFile(plan: RecoveryPlan, state: PendingState): ImportFile | undefined {
    const imports = plan.steps.filter((s): s is Extract<Step, { action: "import" }> => s.action === "import");
    if (!imports.length) return undefined;
    const recorded = new Set(state.recorded.map((r) => r.urn));
    const pendingComponents = new Map(state.pending.filter((p) => p.resource.custom === false).map((p) => [p.resource.urn, p.resource]));
    const nameTable: Record<string, string> = {};
    const entries = new Map<string, ImportEntry>();
    const keyOf = (urn: string): string => {
        if (recorded.has(urn)) {
            nameTable[urn] = urn;
            return urn;
        }
        const component = pendingComponents.get(urn)!;
        if (!entries.has(urn)) {
            const parent = component.parent ? keyOf(component.parent) : undefined;
            entries.set(urn, { type: component.type, name: `r${entries.size}`, logicalName: logicalName(urn), component: true, ...(parent && { parent }) });
        }
        return entries.get(urn)!.name;
    };
    for (const s of imports) {
        const parent = s.parent ? keyOf(s.parent) : undefined;
        const provider = s.provider ? keyOf(s.provider) : undefined;
        // The inputs the killed run sent, as inputs and as outputs: the import then reads nothing, and the
        // state holds exactly what the program declares (an import that reads the object takes every live
        // field as an input, and the next up replaces a Service over its clusterIP); the refresh after it
        // reads the live object into the outputs.
        entries.set(s.urn, {
            type: s.type,
            name: `r${entries.size}`,
            logicalName: logicalName(s.urn),
            id: s.id,
            ...(parent && { parent }),
            ...(provider && { provider }),
            inputs: s.inputs,
            outputs: s.inputs,
        });
    }
    return { nameTable, resources: [...entries.values()] };
}

/** Where the import document goes, and the command that runs it (`protect` as the stack's program sets it). */
export function importCommand(stack: string, file: string, protect: boolean): string[] {
    return [
        "pulumi",
        "import",
        "--stack",
        stack,
        "--file",
        file,
        "--yes",
        "--non-interactive",
        "--skip-preview",
        "--generate-code=false",
        `--protect=${protect}`,
    ];
}

/** The refresh after the import: it reads each adopted object from the cluster into its outputs. */
export const readBackCommand = (stack: string): string[] => ["pulumi", "refresh", "--stack", stack, "--yes", "--non-interactive", "--skip-preview"];

/** The commands `--apply` runs, in order: the stale lock's removal first when there is one, the refresh, the import and its read-back. */
export function recoveryCommands(plan: RecoveryPlan, stack: string, staleLock: boolean, importArgv?: string[]): string[][] {
    return [...(staleLock ? [cancelCommand(stack)] : []), refreshCommand(plan, stack), ...(importArgv ? [importArgv, readBackCommand(stack)] : [])];
}

export const upCommand = (stack: string): string[] => ["pulumi", "up", "--stack", stack];

export function renderPlan(plan: RecoveryPlan, commands: readonly string[][], stack: string): string {
    const lines = [`Recovery of stack ${stack} (env ${plan.env}): ${plan.steps.length} pending operation(s)`];
    for (const s of plan.steps) {
        lines.push(`  ${s.action.padEnd(7)} ${s.type} ${s.name}`);
        if (s.action === "import") lines.push(`      found ${s.found.join(", ")} (${s.check}): imported as ${s.id}`);
        else if (s.action === "clear" && s.check) lines.push(`      ${s.note} (${s.check} found nothing)`);
        else lines.push(`      ${s.note}`);
    }
    if (plan.notes.length) lines.push("Notes:", ...plan.notes.map((n) => `  - ${n}`));
    lines.push("Commands (--apply runs them):", ...commands.map((c) => `  ${commandLine(c)}`), "Then review and deploy:", `  ${commandLine(upCommand(stack))}`);
    return `${lines.join("\n")}\n`;
}

export function renderPlanJson(plan: RecoveryPlan, commands: readonly string[][], stack: string, extra: Record<string, unknown> = {}): string {
    const report = { stack, env: plan.env, ...extra, steps: plan.steps, notes: plan.notes, commands, then: upCommand(stack) };
    return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * What the state must look like after the refresh and the import: no pending operation left, and
 * every import recorded. Returns one line per problem (empty: recovered).
 */
export function verifyRecovered(plan: RecoveryPlan, exportText: string, source: string): string[] {
    const state = parseExportedState(exportText, source);
    const recorded = new Set(state.resources.map((r) => r.urn));
    return [
        ...state.pending.map((p) => `still pending: ${p.resource.type} ${urnName(p.resource.urn)} (${p.type})`),
        ...plan.steps
            .filter((s) => s.action === "import" && !recorded.has(s.urn))
            .map((s) => `not recorded by the import: ${s.type} ${s.name} (${(s as { id: string }).id}), which exists in the cluster`),
    ];
}

/** The env and protect setting of a stack, from its Pulumi.<stack>.yaml. */
export function stackSettings(root: string, project: string, stack: string): { env: string; protect: boolean } {
    const { file, doc } = readStackFile(root, stack);
    // A stack is its env: a stack file may leave the env key out, and where it keeps it, it says the stack's name.
    const env = doc.config?.[`${project}:env`] ?? stack;
    if (typeof env !== "string" || !/^[a-z][a-z0-9]*$/.test(env)) throw new RecoverError(`${file} has no ${project}:env`);
    if (env !== stack) throw new RecoverError(`${file}: ${project}:env is "${env}", not the stack name "${stack}" (a stack is its env)`);
    return { env, protect: doc.config?.[`${project}:protect`] === true };
}
