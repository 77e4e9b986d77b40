/**
 * Where the offline plan may write, and how it replaces a previous output without ever deleting
 * what it did not write. The plan owns a directory only if the directory is new, empty, or holds
 * the marker file a previous plan wrote; everything else (the project, $HOME, a directory with
 * someone's files) is refused before the program even runs. The new output is written into a
 * temporary sibling and renamed into place only when complete and checked, so a failed plan leaves
 * the previous output as it was.
 */
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { NamedError } from "./errors";

/** Written into every plan output; its presence is what allows a later plan to replace the directory. */
export const PLAN_MARKER = ".mlops-plan";
/** Version of the plan files' layout, recorded in the marker for tools that read old outputs. */
export const PLAN_FORMAT_VERSION = 1;

/** Files that make a directory a project (or a repository): never a plan output. */
const PROJECT_FILES = ["package.json", ".git", "Pulumi.yaml"];

/** The output directory cannot be used; the message is one line and names the directory. */
export class OutDirError extends NamedError {}

/** A placeholder value reached a plan file: nothing was written. */
export class PlaceholderLeakError extends NamedError {}

export interface OutGuard {
    /** The project the plan belongs to: neither it nor any directory above it is ever an output. */
    readonly projectRoot: string;
    /** The user's home directory, refused like the project root. */
    readonly home: string;
}

export const defaultGuard = (): OutGuard => ({ projectRoot: path.resolve(__dirname, "..", ".."), home: homedir() });

export interface PlanMarker {
    readonly generator: string;
    readonly stack: string;
    readonly formatVersion: number;
}

export const markerFor = (stack: string): PlanMarker => ({
    generator: "mlops-platform offline plan (npm run plan)",
    stack,
    formatVersion: PLAN_FORMAT_VERSION,
});

/** The marker of a previous plan output in `dir`, or why `dir` has none. */
function readMarker(dir: string): PlanMarker | string {
    const file = path.join(dir, PLAN_MARKER);
    if (!existsSync(file)) return `no ${PLAN_MARKER} marker`;
    try {
        const m = JSON.parse(readFileSync(file, "utf8")) as Partial<PlanMarker>;
        if (typeof m.stack === "string" && typeof m.formatVersion === "number") return m as PlanMarker;
    } catch {
        // reported below: a file of that name that is not ours does not make the directory ours
    }
    return `its ${PLAN_MARKER} is not a plan marker`;
}

/**
 * Real path of `p`, also when it does not exist yet: symbolic links are resolved so that a link to
 * the project is recognised as the project.
 */
function realTarget(p: string): string {
    const abs = path.resolve(p);
    if (existsSync(abs)) return realpathSync(abs);
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realTarget(parent), path.basename(abs));
}

const realOrSelf = (p: string) => (existsSync(p) ? realpathSync(p) : path.resolve(p));

/** `a` is `b` or a directory above it. */
const isSameOrAbove = (a: string, b: string) => a === b || b.startsWith(a.endsWith(path.sep) ? a : a + path.sep);

/**
 * The real path the plan may write for `--out dir`, or an OutDirError saying why not. Checked
 * before the program runs (fail fast) and again right before anything is written.
 */
export function checkOutDir(dir: string, guard: OutGuard = defaultGuard()): string {
    const target = realTarget(dir);
    const refuse = (why: string) => new OutDirError(`--out ${dir}: refusing to write the plan into ${target}: ${why}`);
    const root = realOrSelf(guard.projectRoot);
    const home = realOrSelf(guard.home);
    if (target === path.parse(target).root) throw refuse("it is the filesystem root");
    if (target === root) throw refuse("it is the project root");
    if (target === home) throw refuse("it is your home directory");
    if (isSameOrAbove(target, root)) throw refuse("it contains the project");
    if (isSameOrAbove(target, home)) throw refuse("it contains your home directory");
    if (!existsSync(target)) {
        // A dangling link: renaming the output onto it would fail after the whole plan ran.
        if (lstatSync(target, { throwIfNoEntry: false })) throw refuse("it is a symbolic link to nothing");
        return target;
    }
    if (!lstatSync(target).isDirectory()) throw refuse("it exists and is not a directory");
    const projectFile = PROJECT_FILES.find((f) => existsSync(path.join(target, f)));
    if (projectFile) throw refuse(`it is a project directory (it has ${projectFile})`);
    const entries = readdirSync(target);
    if (entries.length === 0) return target;
    const marker = readMarker(target);
    if (typeof marker === "string") {
        const n = entries.length;
        throw refuse(`it exists and is not a plan output (${marker}, ${n} ${n === 1 ? "entry" : "entries"}); remove it yourself or give another --out`);
    }
    return target;
}

/**
 * `mkdir -p` one level at a time: Node's `{ recursive: true }` never returns where mkdir answers
 * ENOENT below an existing parent (seen under /proc), and a plan must fail, not hang.
 */
function mkdirParents(dir: string): void {
    if (existsSync(dir)) return;
    mkdirParents(path.dirname(dir));
    mkdirSync(dir);
}

const tempName = (base: string, kind: "new" | "old") => `.${base}.plan-${kind}-${randomBytes(6).toString("hex")}`;

/**
 * A temporary sibling replaceDir uses, left behind only if the process was killed while writing:
 * never a stack's output, even when it holds one's files.
 */
export const isPlanTempDir = (name: string): boolean => /^\..+\.plan-(new|old)-[0-9a-f]{12}$/.test(name);

/**
 * Fills a new temporary sibling of `target` with `fill` and renames it into place. `fill` throwing
 * leaves `target` as it was; the temporary directory never outlives the call.
 */
export function replaceDir(target: string, fill: (tmp: string) => void): void {
    const parent = path.dirname(target);
    const base = path.basename(target);
    // A sibling, so the final rename stays on one filesystem and is atomic. mkdir rather than
    // mkdtemp: the output gets the user's usual permissions, not mkdtemp's 0700.
    const tmp = path.join(parent, tempName(base, "new"));
    try {
        mkdirParents(parent);
        mkdirSync(tmp);
    } catch (err) {
        throw new OutDirError(`cannot write the plan next to ${target}: ${(err as Error).message}`);
    }
    let old: string | undefined;
    try {
        fill(tmp);
        if (existsSync(target)) {
            // rename(2) cannot replace a non-empty directory: move the previous output aside first.
            old = path.join(parent, tempName(base, "old"));
            renameSync(target, old);
        }
        renameSync(tmp, target);
    } catch (err) {
        if (old !== undefined && !existsSync(target)) renameSync(old, target);
        rmSync(tmp, { recursive: true, force: true });
        throw err;
    }
    if (old !== undefined) rmSync(old, { recursive: true, force: true });
}

export function writeMarker(dir: string, stack: string): void {
    writeFileSync(path.join(dir, PLAN_MARKER), `${JSON.stringify(markerFor(stack))}\n`);
}
