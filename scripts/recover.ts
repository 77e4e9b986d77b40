/**
 * npm run recover -- <stack> [options]   (see USAGE in scripts/lib/recover/args.ts, docs/operations.md "An interrupted up")
 *
 * After a killed `pulumi up`: repairs a broken local file backend, checks the stack's locks, asks
 * the cluster which pending creates exist, and prints (or, with --apply, runs) the `pulumi refresh`
 * that clears every pending operation and the `pulumi import --file` that adopts the objects the
 * cluster has. Never needs a terminal.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { USAGE, parseArgs } from "./lib/recover/args";
import { StackLock, describeLock, fileBackendRoot, inspectBackend, inspectLocks, renderInspection, repairBackend } from "./lib/recover/backend";
import { clusterSettings, findObjects, withStackKubeconfig } from "./lib/recover/cluster";
import { RecoverError, UsageError } from "./lib/recover/errors";
import {
    RecoveryPlan,
    cancelCommand,
    classifyPending,
    existenceChecks,
    recoveryCommands,
    importCommand,
    importFile,
    renderPlan,
    renderPlanJson,
    resolvePlan,
    stackSettings,
    upCommand,
    verifyRecovered,
} from "./lib/recover/plan";
import { commandLine, exportStack, runCommands, spawnRunner } from "./lib/recover/pulumiCli";
import { StackFileError, projectName } from "./lib/stackFile";

export const ROOT = path.resolve(__dirname, "..");
export const EXIT_REFUSED = 1;
export const EXIT_CANNOT_RUN = 2;

/** Every lock that is not a stale one of this machine stops recovery before anything changes. */
function refuseLocks(locks: readonly StackLock[], stack: string): void {
    const cancel = `\`${commandLine(cancelCommand(stack))}\``;
    const reasons = locks.flatMap((l) => {
        if (l.state === "live") return [`stack ${stack} is locked by a running process, ${describeLock(l)}: wait for that pulumi command to end`];
        if (l.state === "foreign")
            return [
                `stack ${stack} is locked from another machine, ${describeLock(l)}: whether that run is still going cannot be seen from here; ` +
                    `once it has ended, ${cancel} removes the lock`,
            ];
        if (l.state === "unreadable")
            return [`stack ${stack} has a lock that cannot be read, ${describeLock(l)}: if no pulumi command is running on the stack, ${cancel} removes it`];
        return [];
    });
    if (reasons.length) throw new RecoverError(`${reasons.join("\n")}\nNothing was changed.`);
}

function renderLocks(locks: readonly StackLock[], stack: string): string {
    if (!locks.length) return "Locks: none\n";
    return `${locks
        .map((l) => `Stale lock ${describeLock(l)}: that process no longer runs; \`${commandLine(cancelCommand(stack))}\` removes it ` + "(--apply runs it)")
        .join("\n")}\n`;
}

function main(): number {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
        console.log(USAGE);
        return 0;
    }
    const run = spawnRunner(ROOT);
    const stack = args.stack!;
    // URNs and stack files use the bare name; Pulumi commands get the name as the user gave it.
    const short = stack.split("/").pop()!;
    const project = projectName(ROOT);
    const { env, protect } = stackSettings(ROOT, project, short);
    // With --json, stdout carries only the plan document.
    const info = (text: string) => (args.json ? process.stderr : process.stdout).write(text);

    // The backend and its locks first: with a broken checkpoint every pulumi command below would fail,
    // and a lock held by a running command means the state is still being written.
    const backend = fileBackendRoot(args.backendDir, process.env);
    let staleLocks: StackLock[] = [];
    if (backend.root) {
        const inspection = inspectBackend(backend.root, project, short);
        const locks = inspectLocks(backend.root, project, short);
        info(renderInspection(inspection));
        refuseLocks(locks, stack);
        staleLocks = locks.filter((l) => l.state === "stale");
        info(renderLocks(staleLocks, stack));
        if (inspection.fatal) throw new RecoverError(`stack ${stack} cannot be recovered from this backend`);
        if (inspection.actions.length) {
            if (!args.repairBackend) throw new RecoverError(`the file backend of stack ${stack} is broken; re-run with --repair-backend to repair it`);
            info(
                `${repairBackend(inspection)
                    .map((line) => `  ${line}\n`)
                    .join("")}`,
            );
        }
    } else {
        info(`Backend and lock checks skipped: ${backend.why}\n`);
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
        exportText = exportStack(run, stack);
        source = `the output of ${source}`;
    }
    const pending = classifyPending({ stack: short, project, env, exportText, source });
    const cluster = pending.objects.length ? clusterSettings(ROOT, project, short) : undefined;
    const found = cluster
        ? withStackKubeconfig(run, stack, cluster, (kubeconfig) => findObjects(run, existenceChecks(pending, cluster.context), kubeconfig))
        : new Map<string, string[]>();
    const plan: RecoveryPlan = resolvePlan(pending, cluster?.context ?? "", found);
    if (!plan.steps.length && !staleLocks.length) {
        info(`Stack ${stack} has no pending operations: nothing to recover.\n`);
        return 0;
    }
    // The import document holds names, IDs and URNs only (no secret); out/ is not tracked.
    const file = importFile(plan, pending);
    let importArgv: string[] | undefined;
    if (file) {
        const dir = path.join(ROOT, "out", "recover", short);
        mkdirSync(dir, { recursive: true });
        const target = path.join(dir, "import.json");
        writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
        importArgv = importCommand(stack, path.relative(process.cwd(), target) || target, protect);
    }
    const commands = plan.steps.length ? recoveryCommands(plan, stack, staleLocks.length > 0, importArgv) : [cancelCommand(stack)];
    if (cluster?.secretKubeconfig) info(`The cluster was asked with the stack's secret kubeconfig (\`pulumi config get kubeconfig --stack ${stack}\`).\n`);
    const extra = { locks: staleLocks, ...(cluster && { context: cluster.context }) };
    process.stdout.write(args.json ? renderPlanJson(plan, commands, stack, extra) : renderPlan(plan, commands, stack));

    if (args.apply) {
        runCommands(run, commands, (line) => process.stderr.write(`${line}\n`));
        if (plan.steps.length) {
            // The refresh said it succeeded; the state must say so too before anyone runs `up`.
            const problems = verifyRecovered(plan, exportStack(run, stack), `the output of pulumi stack export --stack ${stack}`);
            if (problems.length) {
                throw new RecoverError(
                    `the refresh and the import ran, but the state is not recovered:\n${problems.map((p) => `  ${p}`).join("\n")}\n` +
                        `Do not run \`pulumi up\` yet: it would fail with \`already exists\` on such objects. See docs/operations.md "An interrupted up".`,
                );
            }
        }
        info(`Recovered. Review and deploy: ${commandLine(upCommand(stack))}\n`);
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
