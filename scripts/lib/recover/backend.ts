/**
 * The local file backend (`pulumi login --local`, `file://`) after a kill. Pulumi keeps a stack's
 * checkpoint in `.pulumi/stacks/<project>/<stack>.json` (`.json.gz` / `.json.zst` when state
 * compression is on), the previous checkpoint beside it as `<file>.bak`, and a metadata sidecar
 * `<file>.attrs` that its blob storage reads on every read of the file. A kill while the sidecar is
 * written leaves it empty, and from then on every command on the stack, `pulumi cancel` included,
 * fails with `failed to load checkpoint: EOF`. A missing sidecar is fine (Pulumi writes a new one).
 *
 * Nothing is deleted: every broken file is moved or copied into the stack's backup directory
 * first, and the last good checkpoint (`.bak`) is copied, never moved.
 */
import { constants, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { RecoverError } from "./errors";

export const CHECKPOINT_EXTENSIONS = [".json", ".json.gz", ".json.zst"] as const;

export interface BackendRoot {
    /** The directory that holds `.pulumi`; undefined when the backend is not a file backend. */
    readonly root?: string;
    readonly why: string;
}

/** The file backend's root: --backend-dir, else PULUMI_BACKEND_URL's file:// path, else the home directory (`pulumi login --local`). */
export function fileBackendRoot(flag: string | undefined, env: NodeJS.ProcessEnv, home = os.homedir()): BackendRoot {
    if (flag) return { root: path.resolve(flag), why: "--backend-dir" };
    const url = env.PULUMI_BACKEND_URL;
    if (!url) return { root: home, why: "PULUMI_BACKEND_URL is not set, so the local backend of `pulumi login --local`" };
    if (!url.startsWith("file://")) return { why: `PULUMI_BACKEND_URL is ${url.split("://")[0]}://, not a file backend` };
    // Pulumi expands a leading ~ and ignores query parameters such as ?no_tmp_dir=true.
    const p = url.slice("file://".length).split("?")[0]!;
    const expanded = p === "~" ? home : p.startsWith("~/") ? path.join(home, p.slice(2)) : p;
    return { root: path.resolve(expanded), why: "PULUMI_BACKEND_URL" };
}

export interface Action {
    readonly kind: "move" | "copy" | "restore";
    readonly from: string;
    readonly to: string;
}

export interface BackendInspection {
    readonly root: string;
    /** Checkpoint files of the stack that exist (any compression variant). */
    readonly checkpoints: string[];
    /** `<file>: <what is wrong>`, one per broken file. */
    readonly problems: string[];
    /** The repair, in order; empty when nothing is broken. */
    readonly actions: Action[];
    /** Set when the stack is broken and nothing good is left to restore it from. */
    readonly fatal?: string;
    readonly notes: string[];
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** "missing", "ok", or what is wrong with a checkpoint file. */
function checkpointState(file: string): string {
    if (!existsSync(file)) return "missing";
    const bytes = readFileSync(file);
    if (bytes.length === 0) return "empty";
    try {
        // Pulumi detects compression by content, not by the file name, and so does this.
        const text = bytes.subarray(0, 2).equals(GZIP_MAGIC)
            ? zlib.gunzipSync(bytes)
            : bytes.subarray(0, 4).equals(ZSTD_MAGIC)
              ? zlib.zstdDecompressSync(bytes)
              : bytes;
        const doc: unknown = JSON.parse(text.toString("utf8"));
        return typeof doc === "object" && doc !== null && !Array.isArray(doc) ? "ok" : "not a checkpoint object";
    } catch (err) {
        return `unreadable (${(err as Error).message})`;
    }
}

/** "missing", "ok", or what is wrong with a metadata sidecar. */
function attrsState(file: string): string {
    if (!existsSync(file)) return "missing";
    const text = readFileSync(file, "utf8");
    if (text.trim() === "") return "empty";
    try {
        JSON.parse(text);
        return "ok";
    } catch (err) {
        return `not JSON (${(err as Error).message})`;
    }
}

interface Layout {
    readonly stackBase: string;
    readonly backupDir: string;
    readonly historyDir: string;
    readonly lockDir: string;
}

/** Project-scoped layout (meta.yaml version 1, every current CLI) first, then the legacy one. */
function layouts(root: string, project: string, stack: string): Layout[] {
    const p = (...parts: string[]) => path.join(root, ".pulumi", ...parts);
    return [
        {
            stackBase: p("stacks", project, stack),
            backupDir: p("backups", project, stack),
            historyDir: p("history", project, stack),
            lockDir: p("locks", "organization", project, stack),
        },
        { stackBase: p("stacks", stack), backupDir: p("backups", stack), historyDir: p("history", stack), lockDir: p("locks", stack) },
    ];
}

const stamp = (now: Date): string => now.toISOString().replace(/[:.]/g, "-");

export function inspectBackend(root: string, project: string, stack: string, now = new Date()): BackendInspection {
    const rel = (f: string) => path.relative(root, f);
    const layout = layouts(root, project, stack).find((l) =>
        CHECKPOINT_EXTENSIONS.some((ext) => existsSync(l.stackBase + ext) || existsSync(`${l.stackBase}${ext}.bak`)),
    );
    if (!layout)
        return { root, checkpoints: [], problems: [], actions: [], notes: [`no checkpoint of stack ${stack} under ${path.join(root, ".pulumi", "stacks")}`] };

    const saveTo = (f: string) => path.join(layout.backupDir, `recover-${stamp(now)}`, path.basename(f));
    const checkpoints: string[] = [];
    const problems: string[] = [];
    const actions: Action[] = [];
    const notes: string[] = [];
    let fatal: string | undefined;
    const moveAside = (f: string) => {
        if (!actions.some((a) => a.from === f)) actions.push({ kind: "move", from: f, to: saveTo(f) });
    };

    for (const ext of CHECKPOINT_EXTENSIONS) {
        const main = layout.stackBase + ext;
        const bak = `${main}.bak`;
        const mainState = checkpointState(main);
        const bakState = checkpointState(bak);
        if (mainState === "missing" && bakState === "missing") continue;
        if (mainState === "missing") {
            // `pulumi stack rm` leaves exactly this behind, so a lone .bak is not damage to repair.
            notes.push(`${rel(bak)} exists without ${rel(main)}: the stack was removed or never saved; not restored`);
            continue;
        }
        checkpoints.push(main);
        if (mainState !== "ok") {
            problems.push(`${rel(main)}: ${mainState}`);
            if (bakState !== "ok") {
                fatal =
                    `${rel(main)} is ${mainState} and ${rel(bak)} is ${bakState}: no good checkpoint to restore from. ` +
                    `Earlier ones may be in ${rel(layout.backupDir)} or ${rel(layout.historyDir)}.`;
                continue;
            }
            actions.push({ kind: "copy", from: main, to: saveTo(main) });
            // The sidecar describes the broken content; Pulumi writes a new one with the next save.
            if (existsSync(`${main}.attrs`)) moveAside(`${main}.attrs`);
            actions.push({ kind: "restore", from: bak, to: main });
            notes.push(
                `${rel(main)} is restored from ${rel(bak)}, the checkpoint before the last save: objects the last recorded step created ` +
                    "are not in it, and the next `pulumi up` fails on them with `already exists`; import those too",
            );
        }
        for (const attrs of [`${main}.attrs`, `${bak}.attrs`]) {
            const state = attrsState(attrs);
            if (state === "missing" || state === "ok") continue;
            problems.push(
                `${rel(attrs)}: ${state}; Pulumi reads it with every read of the file, so every command fails with \`failed to load checkpoint: EOF\``,
            );
            moveAside(attrs);
        }
    }
    return fatal ? { root, checkpoints, problems, actions: [], fatal, notes } : { root, checkpoints, problems, actions, notes };
}

/** Carries the repair out; returns one line per file changed. Refuses when there is nothing good to restore. */
export function repairBackend(inspection: BackendInspection): string[] {
    if (inspection.fatal) throw new RecoverError(inspection.fatal);
    const rel = (f: string) => path.relative(inspection.root, f);
    return inspection.actions.map((a) => {
        mkdirSync(path.dirname(a.to), { recursive: true });
        if (a.kind === "move") {
            if (existsSync(a.to)) throw new RecoverError(`${rel(a.to)} already exists; not overwriting a backup`);
            renameSync(a.from, a.to);
            return `moved ${rel(a.from)} to ${rel(a.to)}`;
        }
        if (a.kind === "copy") {
            copyFileSync(a.from, a.to, constants.COPYFILE_EXCL);
            return `copied ${rel(a.from)} to ${rel(a.to)}`;
        }
        // Copy to a temporary name and rename over the broken file, so a kill now cannot leave a half-written checkpoint.
        const tmp = `${a.to}.recover-tmp`;
        copyFileSync(a.from, tmp);
        renameSync(tmp, a.to);
        return `restored ${rel(a.to)} from ${rel(a.from)}`;
    });
}

export function renderInspection(i: BackendInspection, repaired?: readonly string[]): string {
    const rel = (f: string) => path.relative(i.root, f);
    const lines = [`File backend ${i.root}: ${i.checkpoints.length ? i.checkpoints.map(rel).join(", ") : "no checkpoint"}`];
    lines.push(...i.problems.map((p) => `  broken: ${p}`));
    if (i.fatal) lines.push(`  cannot repair: ${i.fatal}`);
    else if (repaired) lines.push(...repaired.map((r) => `  ${r}`));
    else
        lines.push(
            ...i.actions.map((a) =>
                a.kind === "restore" ? `  would restore ${rel(a.to)} from ${rel(a.from)}` : `  would ${a.kind} ${rel(a.from)} to ${rel(a.to)}`,
            ),
        );
    lines.push(...i.notes.map((n) => `  note: ${n}`));
    return `${lines.join("\n")}\n`;
}

/**
 * A lock file of the stack, as Pulumi's file backend writes it when a command starts
 * (`.pulumi/locks/organization/<project>/<stack>/<id>.json`, or `.pulumi/locks/<stack>/` in the
 * legacy layout) and removes when it ends: `{"pid", "username", "hostname", "timestamp"}`
 * (pkg/backend/diy/lock.go). A killed command leaves it behind.
 */
export interface StackLock {
    /** Relative to the backend root. */
    readonly file: string;
    readonly pid?: number;
    readonly username?: string;
    readonly hostname?: string;
    readonly timestamp?: string;
    /**
     * stale: taken on this machine by a process that no longer runs; live: its process still runs;
     * foreign: taken on another machine, whose processes cannot be seen from here; unreadable: not a lock document.
     */
    readonly state: "stale" | "live" | "foreign" | "unreadable";
}

export interface LockProbe {
    readonly hostname: string;
    readonly isRunning: (pid: number) => boolean;
}

/** Whether a process with this pid exists on this machine (signal 0 checks without signalling). */
export function processRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        // EPERM: it exists, it is just not ours.
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

export const localProbe = (): LockProbe => ({ hostname: os.hostname(), isRunning: processRunning });

export function inspectLocks(root: string, project: string, stack: string, probe: LockProbe = localProbe()): StackLock[] {
    const locks: StackLock[] = [];
    for (const { lockDir } of layouts(root, project, stack)) {
        if (!existsSync(lockDir)) continue;
        for (const name of readdirSync(lockDir).sort()) {
            if (!name.endsWith(".json")) continue;
            const file = path.relative(root, path.join(lockDir, name));
            let doc: Record<string, unknown>;
            try {
                doc = JSON.parse(readFileSync(path.join(lockDir, name), "utf8")) as Record<string, unknown>;
            } catch {
                locks.push({ file, state: "unreadable" });
                continue;
            }
            const str = (v: unknown) => (typeof v === "string" ? v : undefined);
            const pid = typeof doc?.pid === "number" && Number.isInteger(doc.pid) && doc.pid > 0 ? doc.pid : undefined;
            const hostname = str(doc?.hostname);
            const info = { file, pid, hostname, username: str(doc?.username), timestamp: str(doc?.timestamp) };
            if (pid === undefined || hostname === undefined) locks.push({ ...info, state: "unreadable" });
            else if (hostname !== probe.hostname) locks.push({ ...info, state: "foreign" });
            else locks.push({ ...info, state: probe.isRunning(pid) ? "live" : "stale" });
        }
    }
    return locks;
}

/** `user@host (pid N) at T`, as Pulumi itself describes a lock. */
export function describeLock(l: StackLock): string {
    if (l.state === "unreadable") return `${l.file} (not a readable lock document)`;
    return `${l.file}: created by ${l.username ?? "?"}@${l.hostname} (pid ${l.pid}) at ${l.timestamp ?? "?"}`;
}
