/**
 * npm run recover -- <stack> [options]   (see USAGE in scripts/lib/recover/args.ts, docs/operations.md "An interrupted up")
 *
 * After a killed `pulumi up`: repairs a broken local file backend, then turns the stack's pending
 * creates into a `pulumi import --file` document and writes the state without pending operations,
 * and prints (or, with --apply, runs) the Pulumi commands that load both.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { USAGE, parseArgs } from "./lib/recover/args";
import { fileBackendRoot, inspectBackend, renderInspection, repairBackend } from "./lib/recover/backend";
import { RecoverError, UsageError } from "./lib/recover/errors";
import { buildRecoveryPlan, recoveryCommands, recoveryFiles, renderImportFile, renderPlan, renderPlanJson, stackSettings } from "./lib/recover/plan";
import { exportStack, runCommands } from "./lib/recover/pulumiCli";
import { StackFileError, projectName } from "./lib/stackFile";

export const ROOT = path.resolve(__dirname, "..");
export const EXIT_REFUSED = 1;
export const EXIT_CANNOT_RUN = 2;

function main(): number {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
        console.log(USAGE);
        return 0;
    }
    const stack = args.stack!;
    // URNs and stack files use the bare name; Pulumi commands get the name as the user gave it.
    const short = stack.split("/").pop()!;
    const project = projectName(ROOT);
    const { env, protect } = stackSettings(ROOT, project, short);
    // With --json, stdout carries only the plan document.
    const info = (text: string) => (args.json ? process.stderr : process.stdout).write(text);

    // The backend first: with a broken checkpoint every pulumi command below would fail.
    const backend = fileBackendRoot(args.backendDir, process.env);
    if (backend.root) {
        const inspection = inspectBackend(backend.root, project, short);
        const repaired = args.repairBackend && !inspection.fatal ? repairBackend(inspection) : undefined;
        info(renderInspection(inspection, repaired));
        if (inspection.fatal) throw new RecoverError(`stack ${stack} cannot be recovered from this backend`);
        if (inspection.actions.length && !repaired)
            throw new RecoverError(`the file backend of stack ${stack} is broken; re-run with --repair-backend to repair it`);
    } else {
        info(`Backend check skipped: ${backend.why}\n`);
    }

    let exportText: string;
    let source = args.stateFile ?? `pulumi stack export --stack ${stack}`;
    if (args.stateFile) {
        try {
            exportText = readFileSync(args.stateFile, "utf8");
        } catch (err) {
            throw new UsageError(`cannot read --state ${args.stateFile}: ${(err as Error).message}`);
        }
    } else {
        exportText = exportStack(stack);
        source = `the output of ${source}`;
    }
    const plan = buildRecoveryPlan({ stack: short, project, env, exportText, source });
    if (!plan.steps.length) {
        info(`Stack ${stack} has no pending operations: nothing to recover.\n`);
        return 0;
    }

    // Relative to where npm runs the script (the project root), as the printed commands are run there too.
    const absOut = path.resolve(args.out ?? path.join(ROOT, "out", "recover", short));
    const relOut = path.relative(process.cwd(), absOut) || ".";
    const outDir = relOut.startsWith("..") ? absOut : relOut;
    const files = recoveryFiles(outDir);
    mkdirSync(outDir, { recursive: true });
    // The state holds the stack's encrypted secrets and its plain config: readable by the owner only.
    writeFileSync(files.state, plan.cleanedState, { mode: 0o600 });
    writeFileSync(files.import, renderImportFile(plan.importFile), { mode: 0o600 });
    const commands = recoveryCommands(plan, stack, protect, files);
    process.stdout.write(args.json ? renderPlanJson(plan, commands, stack, files) : renderPlan(plan, commands, stack, files));

    if (args.apply) {
        runCommands(commands, (line) => process.stderr.write(`${line}\n`));
        info(`Recovered. Review and deploy: pulumi up --stack ${stack}\n`);
    }
    return 0;
}

try {
    process.exitCode = main();
} catch (err) {
    // Users get the message, never a stack trace, for every failure the command expects.
    if (err instanceof RecoverError) {
        console.error(err.message);
        process.exitCode = EXIT_REFUSED;
    } else if (err instanceof UsageError || err instanceof StackFileError) {
        console.error(err.message);
        process.exitCode = EXIT_CANNOT_RUN;
    } else {
        console.error(`recover failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        process.exitCode = EXIT_CANNOT_RUN;
    }
}
