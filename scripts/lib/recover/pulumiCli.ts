/**
 * The only places recovery runs the Pulumi CLI. Neither can be exercised here (no CLI, no
 * backend), so they do nothing but run the command and report how it ended; everything they
 * feed on or produce is built and tested elsewhere.
 */
import { spawnSync } from "node:child_process";
import { RecoverError, UsageError } from "./errors";
import { commandLine } from "./plan";

const EXPORT_TIMEOUT_MS = 120_000;

/** `pulumi stack export --stack <stack>`: secrets stay encrypted (no --show-secrets), as `pulumi stack import` wants them. */
export function exportStack(stack: string, pulumi = "pulumi"): string {
    const argv = ["stack", "export", "--stack", stack];
    const shown = commandLine(["pulumi", ...argv]);
    const run = spawnSync(pulumi, argv, { encoding: "utf8", timeout: EXPORT_TIMEOUT_MS, maxBuffer: 1 << 30 });
    const err = run.error as NodeJS.ErrnoException | undefined;
    if (err?.code === "ENOENT") {
        throw new UsageError(
            `the Pulumi CLI (${pulumi}) is not on PATH; run \`${shown} > ${stack.split("/").pop()}-state.json\` where it is and pass --state with that file`,
        );
    }
    if (err) throw new RecoverError(`\`${shown}\` failed: ${err.message}`);
    if (run.status !== 0) {
        const hint = run.stderr.includes("failed to load checkpoint")
            ? "\nThe file backend's checkpoint is broken: see above, and re-run with --repair-backend."
            : "";
        throw new RecoverError(`\`${shown}\` exited with ${run.status}: ${run.stderr.trim()}${hint}`);
    }
    return run.stdout;
}

/** Runs the commands in order with the terminal attached (Pulumi asks for confirmation there); stops at the first failure. */
export function runCommands(commands: readonly string[][], log: (line: string) => void): void {
    for (const [i, argv] of commands.entries()) {
        log(`$ ${commandLine(argv)}`);
        const run = spawnSync(argv[0]!, argv.slice(1), { stdio: "inherit" });
        if (run.error || run.status !== 0) {
            const how = run.error ? run.error.message : `exit code ${run.status}`;
            throw new RecoverError(`\`${commandLine(argv)}\` failed (${how}); ${i} command(s) before it were applied`);
        }
    }
}
