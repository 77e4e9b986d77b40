/**
 * The project's commands as child processes, run the way `npm run <script>` runs them (tsx), so
 * that exit codes, stdout and stderr are asserted as a user sees them.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./harness";
import { PROCESS_TEST_TIMEOUT } from "./timeouts";

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
        execFile(process.execPath, [TSX_CLI, script, ...args], { cwd: opts.cwd ?? ROOT, env, timeout: PROCESS_TEST_TIMEOUT }, (err, stdout, stderr) => {
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr, ms: Date.now() - started });
        });
    });
}

/** What `npm run plan` needs of the project: the program, the scripts and the project files. */
const PROJECT_ENTRIES = ["index.ts", "components", "scripts", "Pulumi.yaml", "package.json", "tsconfig.json"];

/**
 * A copy of the project in a fresh temporary directory (real path), with the given stack files
 * (name to content) and the project's node_modules linked in. Plan tests that aim --out at the
 * project itself or that need broken stack files run here: if the command ever regressed, it could
 * only damage this copy, never the checkout the tests run from.
 */
export function sandboxProject(stackFiles: Record<string, string>): string {
    const dir = path.join(realpathSync(mkdtempSync(path.join(os.tmpdir(), "plan-sandbox-"))), "project");
    for (const entry of PROJECT_ENTRIES) cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    for (const [name, content] of Object.entries(stackFiles)) writeFileSync(path.join(dir, name), content);
    return dir;
}
