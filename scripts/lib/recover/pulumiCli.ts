/**
 * The only places recovery runs other programs (`pulumi`, `kubectl`). Every one goes through a
 * `Runner`, so tests put a fake in its place. Nothing here ever needs a terminal: stdin is never
 * the user's, and every Pulumi command that could ask gets `--yes --non-interactive`.
 */
import { spawnSync } from "node:child_process";
import { RecoverError, UsageError } from "./errors";

export interface RunResult {
    /** Exit code; null when the program did not start or was killed. */
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** Set when the program could not be started (`ENOENT`: not on PATH) or timed out (`ETIMEDOUT`). */
    readonly error?: { readonly code?: string; readonly message: string };
}

export interface RunOptions {
    /** Capture stdout and stderr (the default); otherwise both go to this process's stderr as the program writes them. */
    readonly capture?: boolean;
    readonly timeoutMs?: number;
}

/** Runs argv[0] with the rest as arguments and waits for it. */
export type Runner = (argv: readonly string[], options?: RunOptions) => RunResult;

/** The real runner: stdin is closed, so no program ever sees a terminal there or waits on it. */
export const spawnRunner =
    (cwd: string): Runner =>
    (argv, options = {}) => {
        const capture = options.capture ?? true;
        const run = spawnSync(argv[0]!, argv.slice(1), {
            cwd,
            encoding: "utf8",
            timeout: options.timeoutMs,
            maxBuffer: 1 << 30,
            // Not captured: the program's output goes to stderr, so that with --json stdout carries only the plan.
            stdio: capture ? ["ignore", "pipe", "pipe"] : ["ignore", 2, 2],
        });
        const err = run.error as NodeJS.ErrnoException | undefined;
        return {
            status: run.status,
            stdout: run.stdout ?? "",
            stderr: run.stderr ?? "",
            ...(err && { error: { code: err.code, message: err.message } }),
        };
    };

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The command as a user would type it into a POSIX shell. */
export const commandLine = (argv: readonly string[]): string => argv.map(shellQuote).join(" ");

const EXPORT_TIMEOUT_MS = 120_000;

/** `pulumi stack export --stack <stack>`: secrets stay encrypted (no --show-secrets). */
export function exportStack(run: Runner, stack: string): string {
    const argv = ["pulumi", "stack", "export", "--stack", stack];
    const result = run(argv, { timeoutMs: EXPORT_TIMEOUT_MS });
    if (result.error?.code === "ENOENT") {
        throw new UsageError(
            `the Pulumi CLI (pulumi) is not on PATH; run \`${commandLine(argv)} > ${stack.split("/").pop()}-state.json\` where it is and pass --state with that file`,
        );
    }
    if (result.error) throw new RecoverError(`\`${commandLine(argv)}\` failed: ${result.error.message}`);
    if (result.status !== 0) {
        const hint = result.stderr.includes("failed to load checkpoint")
            ? "\nThe file backend's checkpoint is broken: see above, and re-run with --repair-backend."
            : "";
        throw new RecoverError(`\`${commandLine(argv)}\` exited with ${result.status}: ${firstLines(result.stderr)}${hint}`);
    }
    return result.stdout;
}

/**
 * `pulumi config get <key> --stack <stack>`: the decrypted value of secret config. The value is
 * returned, never printed, and left out of every error message.
 */
export function configSecret(run: Runner, stack: string, key: string): string {
    const argv = ["pulumi", "config", "get", key, "--stack", stack];
    const result = run(argv, { timeoutMs: EXPORT_TIMEOUT_MS });
    if (result.error?.code === "ENOENT") throw new UsageError(`the Pulumi CLI (pulumi) is not on PATH; it is needed for \`${commandLine(argv)}\``);
    if (result.error || result.status !== 0) {
        const why = result.error ? result.error.message : `exit code ${result.status}: ${firstLines(result.stderr)}`;
        throw new RecoverError(`\`${commandLine(argv)}\` failed (${why}); nothing was changed`);
    }
    return result.stdout.replace(/\n$/, "");
}

/** The first lines of a program's error output, for a one-line message. */
export function firstLines(text: string, max = 3): string {
    const lines = text
        .trim()
        .split("\n")
        .filter((l) => l.trim() !== "");
    return lines.length > max ? `${lines.slice(0, max).join(" / ")} / ...` : lines.join(" / ");
}

/** Runs the commands in order, their output going to stderr as it comes; stops at the first failure. */
export function runCommands(run: Runner, commands: readonly (readonly string[])[], log: (line: string) => void): void {
    for (const [i, argv] of commands.entries()) {
        log(`$ ${commandLine(argv)}`);
        const result = run(argv, { capture: false });
        if (result.error || result.status !== 0) {
            const how = result.error ? result.error.message : `exit code ${result.status}`;
            throw new RecoverError(`\`${commandLine(argv)}\` failed (${how}); ${i} command(s) before it were applied`);
        }
    }
}
