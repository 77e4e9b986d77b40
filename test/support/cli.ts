/**
 * The project's commands as child processes, run the way `npm run <script>` runs them (tsx), so
 * that exit codes, stdout and stderr are asserted as a user sees them.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "./harness";

const TSX_CLI = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

export interface CliRun {
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
}

/** Runs `tsx <script> ...args`; `script` is relative to `cwd` (default: the project root). */
export function runCli(script: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
    const started = Date.now();
    const env = { ...process.env, ...opts.env };
    return new Promise((resolve) => {
        execFile(process.execPath, [TSX_CLI, script, ...args], { cwd: opts.cwd ?? ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr, ms: Date.now() - started });
        });
    });
}
