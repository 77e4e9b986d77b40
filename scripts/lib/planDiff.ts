/**
 * Compares two offline plans (out/<stack>/ of the base branch and of the pull request) and renders
 * what a reviewer needs: resources added, removed and changed (with the changed input paths), Helm
 * chart version changes and changed chart values by key path.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { isPlanTempDir } from "./planOutput";

export interface PlanSnapshot {
    readonly resources: { urn: string; type: string; name: string; protect: boolean; retainOnDelete: boolean; inputs: unknown }[];
    readonly releases: { name: string; chart: string; version: string; valuesFile: string }[];
    /** Values by release name. */
    readonly values: Record<string, unknown>;
    readonly outputs: Record<string, unknown>;
}

export interface Change {
    readonly path: string;
    readonly before: unknown;
    readonly after: unknown;
}

export interface PlanDiff {
    readonly added: string[];
    readonly removed: string[];
    readonly changed: { resource: string; changes: Change[] }[];
    readonly charts: { release: string; before?: string; after?: string }[];
    readonly values: { release: string; changes: Change[] }[];
    readonly outputs: Change[];
}

export const EMPTY_PLAN: PlanSnapshot = { resources: [], releases: [], values: {}, outputs: {} };

/** Reads out/<stack>/ as written by `npm run plan`; a missing directory is an empty plan (a new stack). */
export function readPlanDir(dir: string): PlanSnapshot {
    if (!existsSync(path.join(dir, "resources.json"))) return EMPTY_PLAN;
    const json = (file: string) => JSON.parse(readFileSync(path.join(dir, file), "utf8"));
    const releases = json("releases.json") as PlanSnapshot["releases"];
    const values = Object.fromEntries(releases.map((r) => [r.name, yaml.load(readFileSync(path.join(dir, r.valuesFile), "utf8")) ?? {}]));
    return { resources: json("resources.json"), releases, values, outputs: json("outputs.json") };
}

/** Stack directories (those holding a resources.json) below an out/ root. */
export function stacksIn(root: string): string[] {
    if (!existsSync(root)) return [];
    return readdirSync(root, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !isPlanTempDir(e.name) && existsSync(path.join(root, e.name, "resources.json")))
        .map((e) => e.name)
        .sort();
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const join = (base: string, key: string | number) => (typeof key === "number" ? `${base}[${key}]` : base ? `${base}.${key}` : key);

/** Leaf-level differences between two JSON values, by key path. */
export function diffValues(before: unknown, after: unknown, at = ""): Change[] {
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => diffValues(before[k], after[k], join(at, k)));
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        return Array.from({ length: Math.max(before.length, after.length) }, (_, i) => diffValues(before[i], after[i], join(at, i))).flat();
    }
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: at || "(root)", before, after }];
}

const label = (r: PlanSnapshot["resources"][number]) => `${r.type} ${r.name}`;

/** Chart values are compared per release (below), not a second time as the release's inputs. */
function comparable(r: PlanSnapshot["resources"][number]) {
    const inputs = isObject(r.inputs) && r.type.startsWith("kubernetes:helm.sh/") ? { ...r.inputs, values: undefined } : r.inputs;
    return { inputs, protect: r.protect, retainOnDelete: r.retainOnDelete };
}

export function diffPlans(base: PlanSnapshot, head: PlanSnapshot): PlanDiff {
    const before = new Map(base.resources.map((r) => [r.urn, r]));
    const after = new Map(head.resources.map((r) => [r.urn, r]));
    const changed: PlanDiff["changed"] = [];
    for (const [urn, r] of after) {
        const old = before.get(urn);
        if (!old) continue;
        const changes = diffValues(comparable(old), comparable(r));
        if (changes.length) changed.push({ resource: label(r), changes });
    }
    const versions = (p: PlanSnapshot) => new Map(p.releases.map((r) => [r.name, `${r.chart}@${r.version}`]));
    const [vBefore, vAfter] = [versions(base), versions(head)];
    const releaseNames = [...new Set([...vBefore.keys(), ...vAfter.keys()])].sort();
    return {
        added: head.resources.filter((r) => !before.has(r.urn)).map(label),
        removed: base.resources.filter((r) => !after.has(r.urn)).map(label),
        changed,
        charts: releaseNames.filter((n) => vBefore.get(n) !== vAfter.get(n)).map((n) => ({ release: n, before: vBefore.get(n), after: vAfter.get(n) })),
        // Values of an added or removed release are the release itself; only releases in both are compared.
        values: releaseNames
            .filter((n) => vBefore.has(n) && vAfter.has(n))
            .map((n) => ({ release: n, changes: diffValues(base.values[n], head.values[n]) }))
            .filter((v) => v.changes.length > 0),
        outputs: diffValues(base.outputs, head.outputs),
    };
}

export function isEmptyDiff(d: PlanDiff): boolean {
    return !d.added.length && !d.removed.length && !d.changed.length && !d.charts.length && !d.values.length && !d.outputs.length;
}

/** A value as inline code, shortened so one changed value cannot swamp the comment. */
export function show(v: unknown, max = 80): string {
    if (v === undefined) return "_(unset)_";
    const text = JSON.stringify(v);
    const short = text.length > max ? `${text.slice(0, max - 1)}…` : text;
    return `\`${short.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}

const changeRows = (changes: Change[], limit: number) => {
    const rows = changes.slice(0, limit).map((c) => `| \`${c.path}\` | ${show(c.before)} | ${show(c.after)} |`);
    if (changes.length > limit) rows.push(`| … ${changes.length - limit} more | | |`);
    return ["| key | base | this PR |", "|---|---|---|", ...rows];
};

/** Markdown for one stack: a summary line, then only the sections that have something in them. */
export function renderDiff(stack: string, d: PlanDiff, limit = 40): string {
    const lines = [`### Offline plan \`${stack}\``, ""];
    if (isEmptyDiff(d)) return [...lines, "No change.", ""].join("\n");
    lines.push(
        `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed resources; ` +
            `${d.charts.length} chart version changes; values changed in ${d.values.length} releases.`,
        "",
    );
    const list = (title: string, items: string[]) => (items.length ? [`**${title}**`, "", ...items.map((i) => `- \`${i}\``), ""] : []);
    lines.push(...list("Added", d.added), ...list("Removed", d.removed));
    if (d.charts.length) {
        lines.push("**Chart versions**", "", ...d.charts.map((c) => `- ${c.release}: ${c.before ?? "_(new)_"} → ${c.after ?? "_(removed)_"}`), "");
    }
    for (const v of d.values)
        lines.push(
            `<details><summary>values of <code>${v.release}</code>: ${v.changes.length} keys</summary>`,
            "",
            ...changeRows(v.changes, limit),
            "",
            "</details>",
            "",
        );
    for (const c of d.changed) {
        lines.push(
            `<details><summary><code>${c.resource}</code>: ${c.changes.length} inputs</summary>`,
            "",
            ...changeRows(c.changes, limit),
            "",
            "</details>",
            "",
        );
    }
    if (d.outputs.length) lines.push("**Stack outputs**", "", ...changeRows(d.outputs, limit), "");
    return lines.join("\n");
}
