/**
 * The recovery plan for a stack left with pending operations by a killed `pulumi up`: every pending
 * create of a Kubernetes object or Helm release is adopted with `pulumi import` (the killed run may
 * have created it, and the next up would fail with "already exists"), random values are dropped to
 * be generated again, and the pending operations are removed from the state before the import.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { PROVIDER_PREFIX, STACK } from "../../../components/resourceTypes";
import { RecoverError } from "./errors";
import { PendingOperation, StateResource, parseExportedState, withoutPendingOperations } from "./exportedState";
import { Refusal, kubeObjectOf, urnName } from "./identity";

/** One entry of `pulumi import --file`: parent and provider are keys of the file's nameTable. */
export interface ImportEntry {
    readonly type: string;
    readonly name: string;
    readonly id: string;
    readonly parent?: string;
    readonly provider?: string;
}

export interface ImportFile {
    readonly nameTable: Record<string, string>;
    readonly resources: ImportEntry[];
}

export type Step =
    | {
          readonly action: "import";
          readonly urn: string;
          readonly type: string;
          readonly name: string;
          readonly id: string;
          readonly parent?: string;
          /** The provider's URN (the state's reference without its `::<id>`). */
          readonly provider?: string;
          readonly check: string;
      }
    | { readonly action: "drop"; readonly urn: string; readonly type: string; readonly name: string; readonly note: string }
    | { readonly action: "clear"; readonly urn: string; readonly type: string; readonly name: string; readonly note: string };

export interface RecoveryPlan {
    readonly stack: string;
    readonly env: string;
    readonly steps: Step[];
    readonly notes: string[];
    readonly importFile: ImportFile;
    /** The exported state without pending_operations, otherwise byte-equal. */
    readonly cleanedState: string;
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

const qualifiedType = (urn: string): string => urn.split("::")[2] ?? "";

/**
 * The URN `pulumi import` gives a resource with this parent, type and name. It must be the URN the
 * program registers, or the next up would see the import as a different resource.
 */
function importedUrn(stack: string, project: string, parent: string | undefined, type: string, name: string): string {
    const parentType = parent ? qualifiedType(parent) : STACK;
    const qualified = parentType === STACK ? type : `${parentType}$${type}`;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** A provider reference is `<provider urn>::<provider id>`. */
function splitProviderRef(ref: string): { urn: string; id: string } {
    const at = ref.lastIndexOf("::");
    return { urn: ref.slice(0, at), id: ref.slice(at + 2) };
}

const dependsOn = (r: StateResource, urn: string): boolean =>
    (r.dependencies ?? []).includes(urn) || Object.values(r.propertyDependencies ?? {}).some((deps) => deps.includes(urn));

/**
 * Why a pending random value is dropped, naming what may already hold the old value: the killed run
 * may have written it into a Secret before it recorded the random resource itself.
 */
function randomNote(urn: string, recorded: readonly StateResource[], pending: readonly PendingOperation[], imported: ReadonlySet<string>): string {
    const holders = [
        ...pending
            .filter((p) => imported.has(p.resource.urn) && dependsOn(p.resource, urn))
            .map((p) => `${p.resource.type} ${urnName(p.resource.urn)} (imported here)`),
        ...recorded.filter((d) => dependsOn(d, urn)).map((d) => `${d.type} ${urnName(d.urn)} (in the state)`),
    ];
    const base = "dropped, not imported: a random value cannot be read back from anywhere, so the next `pulumi up` creates it again with a new value.";
    if (!holders.length) return base;
    const they = holders.length > 1;
    return (
        `${base} ${holders.join(", ")} may hold the old value; the next up updates ${they ? "them" : "it"} to the new one ` +
        `(a pod that read the old value at start keeps it until it restarts).`
    );
}

function clearNote(op: PendingOperation): string {
    return `interrupted while ${op.type}: the pending operation is removed and the resource stays as last recorded; \`pulumi refresh\` reads its live state`;
}

export function buildRecoveryPlan(input: PlanInput): RecoveryPlan {
    const { stack, project, env } = input;
    const state = parseExportedState(input.exportText, input.source);
    const recorded = new Map(state.resources.map((r) => [r.urn, r]));
    const prefix = `urn:pulumi:${stack}::${project}::`;
    const refusals: Refusal[] = [];
    const steps: Step[] = [];

    // Another stack's export would make every import land in the wrong stack: refuse it as a whole.
    const foreign = [...state.resources, ...state.pending.map((p) => p.resource)].find((r) => !r.urn.startsWith(prefix));
    if (foreign) throw new RecoverError(`${input.source} is not the state of stack ${stack} of project ${project}: it holds ${foreign.urn}`);
    for (const op of state.pending) {
        const r = op.resource;
        const name = urnName(r.urn);
        if (op.type !== "creating") {
            steps.push({ action: "clear", urn: r.urn, type: r.type, name, note: clearNote(op) });
            continue;
        }
        const inState = recorded.get(r.urn);
        if (inState) {
            refusals.push(
                new Refusal(
                    r,
                    `it is also recorded in the state (id ${inState.id}): an interrupted replacement, which an import cannot settle; run \`pulumi refresh\``,
                ),
            );
            continue;
        }
        if (r.type.startsWith("random:")) {
            // The note is written once every import is known, so it can name the holders of the old value.
            steps.push({ action: "drop", urn: r.urn, type: r.type, name, note: "" });
            continue;
        }
        if (r.type.startsWith(PROVIDER_PREFIX)) {
            steps.push({
                action: "drop",
                urn: r.urn,
                type: r.type,
                name,
                note: "dropped: a provider has no object in the cluster; the next `pulumi up` registers it again",
            });
            continue;
        }
        const object = kubeObjectOf(r, env);
        if (object instanceof Refusal) {
            refusals.push(object);
            continue;
        }
        if (r.parent && !recorded.has(r.parent)) {
            refusals.push(new Refusal(r, `its parent ${r.parent} is not in the state`));
            continue;
        }
        const provider = r.provider ? splitProviderRef(r.provider) : undefined;
        if (provider && recorded.get(provider.urn)?.id !== provider.id) {
            refusals.push(new Refusal(r, `its provider ${r.provider} is not in the state; let \`pulumi up\` register it first`));
            continue;
        }
        const expected = importedUrn(stack, project, r.parent, r.type, name);
        if (expected !== r.urn) {
            refusals.push(new Refusal(r, `an import would record it as ${expected}`));
            continue;
        }
        steps.push({ action: "import", urn: r.urn, type: r.type, name, id: object.id, parent: r.parent, provider: provider?.urn, check: object.check });
    }
    if (refusals.length) throw new RecoverError(refusals.map(String).join("\n"));

    const imported = new Set(steps.filter((s) => s.action === "import").map((s) => s.urn));
    const filled = steps.map((s) =>
        s.action === "drop" && s.type.startsWith("random:") ? { ...s, note: randomNote(s.urn, state.resources, state.pending, imported) } : s,
    );
    const notes: string[] = [];
    if (imported.size) {
        notes.push(
            "An object the killed run never got to create is not in the cluster, and `pulumi import` then fails for the whole file: " +
                "check each with its `exists?` command and delete the missing ones from the import file; the next `pulumi up` creates them.",
        );
    }
    if (filled.some((s) => s.action === "clear")) notes.push("Operations other than creates were interrupted: run `pulumi refresh` before `pulumi up`.");
    return {
        stack,
        env,
        steps: filled,
        notes,
        importFile: importFileOf(filled),
        cleanedState: withoutPendingOperations(input.exportText),
    };
}

/** The `pulumi import --file` document for the plan's imports. */
function importFileOf(steps: readonly Step[]): ImportFile {
    const nameTable: Record<string, string> = {};
    const resources: ImportEntry[] = [];
    for (const s of steps) {
        if (s.action !== "import") continue;
        // URNs as nameTable keys: they cannot collide with a resource name, which Pulumi would then
        // take for the parent (a component and its release are often both named `nfs-dev`).
        if (s.parent) nameTable[s.parent] = s.parent;
        if (s.provider) nameTable[s.provider] = s.provider;
        resources.push({ type: s.type, name: s.name, id: s.id, ...(s.parent && { parent: s.parent }), ...(s.provider && { provider: s.provider }) });
    }
    return { nameTable, resources };
}

export interface RecoveryFiles {
    readonly state: string;
    readonly import: string;
}

export const recoveryFiles = (outDir: string): RecoveryFiles => ({ state: path.join(outDir, "state.json"), import: path.join(outDir, "import.json") });

/** `pulumi import --file` reads this; written the way Pulumi writes its own import files (4-space JSON). */
export const renderImportFile = (file: ImportFile): string => `${JSON.stringify(file, null, 4)}\n`;

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The Pulumi commands that carry the plan out, in order; `stack` as the user named it. */
export function recoveryCommands(plan: RecoveryPlan, stack: string, protect: boolean, files: RecoveryFiles): string[][] {
    const s = ["--stack", stack];
    const commands = [["pulumi", "stack", "import", ...s, "--file", files.state]];
    // No code generation: the program already declares every resource. --protect as the stack sets it,
    // so the import does not leave dev objects protected (or prod objects unprotected) until the next up.
    if (plan.importFile.resources.length) commands.push(["pulumi", "import", ...s, "--file", files.import, "--generate-code=false", `--protect=${protect}`]);
    if (plan.steps.some((st) => st.action === "clear")) commands.push(["pulumi", "refresh", ...s]);
    return commands;
}

export const commandLine = (argv: readonly string[]): string => argv.map(shellQuote).join(" ");

export function renderPlan(plan: RecoveryPlan, commands: readonly string[][], stack: string, files?: RecoveryFiles): string {
    const lines = [`Recovery of stack ${stack} (env ${plan.env}): ${plan.steps.length} pending operation(s)`];
    for (const s of plan.steps) {
        if (s.action === "import") {
            lines.push(`  import ${s.type} ${s.name} ${s.id}`);
            if (s.parent) lines.push(`      --parent   ${s.parent}`);
            if (s.provider) lines.push(`      --provider ${s.provider}`);
            lines.push(`      exists?    ${s.check}`);
        } else {
            lines.push(`  ${s.action.padEnd(6)} ${s.type} ${s.name}`, `      ${s.note}`);
        }
    }
    if (plan.notes.length) lines.push("Notes:", ...plan.notes.map((n) => `  - ${n}`));
    if (files) {
        lines.push(`Wrote ${files.state} (the export without pending_operations)`);
        if (plan.importFile.resources.length) lines.push(`Wrote ${files.import}`);
    }
    lines.push("Then run:", ...commands.map((c) => `  ${commandLine(c)}`), `  ${commandLine(["pulumi", "up", "--stack", stack])}`);
    return `${lines.join("\n")}\n`;
}

export function renderPlanJson(plan: RecoveryPlan, commands: readonly string[][], stack: string, files?: RecoveryFiles): string {
    // The cleaned state is a file of its own (and may be large); the JSON report says where it is.
    const report = {
        stack,
        env: plan.env,
        steps: plan.steps,
        notes: plan.notes,
        importFile: plan.importFile,
        files,
        commands: [...commands, ["pulumi", "up", "--stack", stack]],
    };
    return `${JSON.stringify(report, null, 2)}\n`;
}

/** The env and protect setting of a stack, from its Pulumi.<stack>.yaml. */
export function stackSettings(root: string, project: string, stack: string): { env: string; protect: boolean } {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    let doc: { config?: Record<string, unknown> };
    try {
        doc = (yaml.load(readFileSync(file, "utf8")) ?? {}) as typeof doc;
    } catch (err) {
        throw new RecoverError(`cannot read ${file}: ${(err as Error).message}`);
    }
    // A stack is its env: a stack file may leave the env key out, and where it keeps it, it says the stack's name.
    const env = doc.config?.[`${project}:env`] ?? stack;
    if (typeof env !== "string" || !/^[a-z][a-z0-9]*$/.test(env)) throw new RecoverError(`${file} has no ${project}:env`);
    if (env !== stack) throw new RecoverError(`${file}: ${project}:env is "${env}", not the stack name "${stack}" (a stack is its env)`);
    return { env, protect: doc.config?.[`${project}:protect`] === true };
}
