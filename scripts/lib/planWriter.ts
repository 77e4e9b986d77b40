/**
 * Turns a mock-runtime run into the offline plan files under out/<stack>/. Secret values are
 * replaced by a marker before anything is written, and every written file is checked for the
 * stack's placeholder values as a last line of defence before the output is put in place.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { ChartSource, splitChartLocation } from "../../components/chartSources";
import { HELM_CHART, HELM_RELEASE } from "../../components/resourceTypes";
import { MOCK_BCRYPT_HASH, MOCK_RANDOM_RESULT, ProgramRun, ResourceRecord, isSecretValue } from "./mockRuntime";
import { OutGuard, PlaceholderLeakError, checkOutDir, defaultGuard, replaceDir, writeMarker } from "./planOutput";

export const SECRET_MARKER = "[secret]";

export interface ReleaseEntry {
    stack: string;
    name: string;
    namespace: string;
    /** Chart name (for an OCI chart, the last segment of the reference Helm gets). */
    chart: string;
    /** HTTP(S) repository URL, or OCI repository `oci://host/path` (Helm gets `<repo>/<chart>`). */
    repo: string;
    version: string;
    /** `pin`: the chart's pin in components/versions.ts; `override`: the stack's `charts` setting. */
    source: ChartSource["source"];
    /** Relative to out/<stack>/. */
    valuesFile: string;
    /** `helm.v3.Release` (real Helm) or `helm.v4.Chart` (rendered into Pulumi resources). */
    resource: string;
    patches: unknown[];
}

export interface Plan {
    /** The stack the plan is of, recorded in the output's marker. */
    stack: string;
    resources: {
        urn: string;
        type: string;
        name: string;
        parent?: string;
        provider?: string;
        custom: boolean;
        protect: boolean;
        retainOnDelete: boolean;
        inputs: unknown;
    }[];
    /**
     * Objects the program reads and never changes (the kube-system Namespace of the cluster check, an
     * env's Prometheus CRD of the CRD version check),
     * kept apart from `resources`, which is what a deployment applies; `object` is what the mocks
     * answered, not the live cluster.
     */
    reads: { urn: string; type: string; name: string; provider?: string; object: unknown }[];
    releases: ReleaseEntry[];
    /** Values each release receives, by release name. */
    values: Record<string, unknown>;
    outputs: Record<string, unknown>;
    /**
     * Generated files (Alertmanager config, rule files, dashboards) by path under out/<stack>/,
     * collected from the `artifacts` output components register.
     */
    artifacts: Record<string, string>;
}

/** Deep copy with secret values replaced by the marker. */
export function redact(value: unknown): unknown {
    if (isSecretValue(value)) return SECRET_MARKER;
    if (value === MOCK_RANDOM_RESULT || value === MOCK_BCRYPT_HASH) return SECRET_MARKER;
    if (Array.isArray(value)) return value.map(redact);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
    }
    return value;
}

/** Whether a release's source is its pin or an override: its component registers the resolved source. */
function sourceOf(rec: ResourceRecord, run: ProgramRun): ChartSource["source"] {
    const outputs = rec.parent ? run.componentOutputs.get(rec.parent) : undefined;
    const source = (outputs?.chartSource as Partial<ChartSource> | undefined)?.source;
    if (source !== "pin" && source !== "override") throw new Error(`${rec.type} ${rec.name}: its component registers no chartSource output`);
    return source;
}

function patchesFor(rec: ResourceRecord, run: ProgramRun): unknown[] {
    // A rendered chart's patches are registered as the `patches` output of its parent component.
    const outputs = rec.parent ? run.componentOutputs.get(rec.parent) : undefined;
    return Array.isArray(outputs?.patches) ? (outputs.patches as unknown[]) : [];
}

/** Artifacts of every component; a secret one (which no component should register) becomes the marker. */
function artifactsOf(run: ProgramRun): Record<string, string> {
    const out: Record<string, string> = {};
    for (const outputs of run.componentOutputs.values()) {
        const artifacts = redact(outputs.artifacts);
        if (typeof artifacts !== "object" || artifacts === null) continue;
        for (const [file, content] of Object.entries(artifacts)) {
            if (path.isAbsolute(file) || file.split(/[\\/]/).includes("..")) throw new Error(`artifact path ${file} leaves the plan directory`);
            out[file] = typeof content === "string" ? content : SECRET_MARKER;
        }
    }
    return out;
}

export function buildPlan(run: ProgramRun): Plan {
    const releases: ReleaseEntry[] = [];
    const values: Record<string, unknown> = {};
    for (const rec of run.resources) {
        if (rec.type !== HELM_RELEASE && rec.type !== HELM_CHART) continue;
        const inputs = redact(rec.inputs) as Record<string, unknown>;
        const name = String(inputs.name);
        values[name] = inputs.values ?? {};
        const location = splitChartLocation(String(inputs.chart), (inputs.repositoryOpts as Record<string, string> | undefined)?.repo);
        releases.push({
            stack: run.stack.stack,
            name,
            namespace: String(inputs.namespace),
            chart: location.chart,
            repo: String(location.repo),
            version: String(inputs.version),
            source: sourceOf(rec, run),
            valuesFile: `values/${name}.yaml`,
            resource: rec.type === HELM_RELEASE ? "helm.v3.Release" : "helm.v4.Chart",
            patches: patchesFor(rec, run),
        });
    }
    return {
        stack: run.stack.stack,
        resources: run.resources
            .filter((r) => !r.read)
            .map((r) => ({
                urn: r.urn,
                type: r.type,
                name: r.name,
                parent: r.parent,
                provider: r.provider,
                custom: r.custom,
                protect: r.protect,
                retainOnDelete: r.retainOnDelete,
                inputs: redact(r.inputs),
            })),
        reads: run.resources.filter((r) => r.read).map((r) => ({ urn: r.urn, type: r.type, name: r.name, provider: r.provider, object: redact(r.inputs) })),
        releases,
        values,
        outputs: redact(run.outputs) as Record<string, unknown>,
        artifacts: artifactsOf(run),
    };
}

/**
 * Writes the plan into `dir`, replacing a previous plan output there as a whole, and returns the
 * written files (paths under `dir`). `dir` must be new, empty or a previous plan output (see
 * planOutput.ts); the files are written and checked in a temporary sibling first, so a failure
 * (a leaked placeholder, a write error) leaves `dir` as it was.
 */
export function writePlan(plan: Plan, dir: string, placeholders: readonly string[], guard: OutGuard = defaultGuard()): string[] {
    const target = checkOutDir(dir, guard);
    let relative: string[] = [];
    replaceDir(target, (tmp) => {
        writeFiles(plan, tmp);
        const written = listFiles(tmp);
        relative = written.map((f) => path.relative(tmp, f));
        const leaks = placeholders
            .filter((p) => p.length > 0)
            .flatMap((p) => written.filter((f) => readFileSync(f, "utf8").includes(p)))
            .map((f) => path.relative(tmp, f));
        if (leaks.length) {
            throw new PlaceholderLeakError(`a secret placeholder reached the plan files (${[...new Set(leaks)].join(", ")}); nothing was written to ${target}`);
        }
        // Last, so that a directory holding the marker always holds a complete plan.
        writeMarker(tmp, plan.stack);
    });
    return relative.map((f) => path.join(target, f));
}

function writeFiles(plan: Plan, dir: string): void {
    mkdirSync(path.join(dir, "values"), { recursive: true });
    const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
    writeFileSync(path.join(dir, "resources.json"), json(plan.resources));
    writeFileSync(path.join(dir, "releases.json"), json(plan.releases));
    writeFileSync(path.join(dir, "outputs.json"), json(plan.outputs));
    for (const rel of plan.releases) {
        writeFileSync(path.join(dir, rel.valuesFile), yaml.dump(plan.values[rel.name], { lineWidth: -1, noRefs: true }));
    }
    for (const [file, content] of Object.entries(plan.artifacts)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), content);
    }
}

function listFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
