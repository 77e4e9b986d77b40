/**
 * npm run plan -- <stack | path/to/Pulumi.<stack>.yaml> [--secret key=value ...] [--placeholder-secrets] [--out DIR]   (see USAGE)
 *
 * Evaluates the program for one stack in Pulumi's mock runtime with the real Pulumi.<stack>.yaml
 * (or a stack file elsewhere, such as a new env's before it is added) and writes
 * out/<stack>/{resources,releases,outputs}.json plus values/<release>.yaml. The mocks have no
 * cluster: the plan cannot check the live kube-system UID a stack pins (a preview does).
 */
import * as path from "node:path";
import { ConfigError } from "../components/config/reader";
import { formatBytes, formatMillicores } from "../components/config/quantities";
import { requestTotals, workloadInventory } from "../components/sizing";
import { loadProgramFresh } from "./lib/loadProgram";
import { USAGE, UsageError, parseArgs } from "./lib/planArgs";
import { OutDirError, PlaceholderLeakError, checkOutDir } from "./lib/planOutput";
import type { Plan } from "./lib/planWriter";
import { StackFileError, UnknownStackError, loadStack, loadStackFile, parseLoadedStack } from "./lib/stackFile";

export const ROOT = path.resolve(__dirname, "..");

export const EXIT_PLAN_FAILED = 1;
export const EXIT_CANNOT_RUN = 2;

/** One line per resource, indented under its parent component. */
function printTree(plan: Plan): void {
    const children = new Map<string | undefined, Plan["resources"]>();
    const urns = new Set(plan.resources.map((r) => r.urn));
    for (const r of plan.resources) {
        const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const walk = (parent: string | undefined, depth: number): void => {
        for (const r of children.get(parent) ?? []) {
            console.log(`${"  ".repeat(depth + 1)}${r.type.split(":").pop()} ${r.name}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 0);
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2), process.env, ROOT);
    if (args.help) {
        console.log(USAGE);
        return;
    }
    const started = Date.now();
    // Before the program runs: a refused --out should not cost a whole evaluation.
    checkOutDir(args.out);
    // A path to a stack file plans that file (a stack of this project kept elsewhere, like a fixture).
    const stack = args.stack.endsWith(".yaml") ? loadStackFile(ROOT, path.resolve(args.stack), args) : loadStack(ROOT, args.stack, args);
    // Pulumi's runtime takes seconds to load: only once the arguments, --out and the stack file are
    // known to be good, so that --help and their mistakes answer at once.
    const { ProgramFailure, runProgram } = await import("./lib/mockRuntime");
    const { buildPlan, writePlan } = await import("./lib/planWriter");
    const run = await runProgram(stack, loadProgramFresh(ROOT)).catch((failure: unknown) => {
        throw failure instanceof ProgramFailure ? failure.cause : failure;
    });
    const plan = buildPlan(run);
    const files = writePlan(plan, args.out, stack.placeholders);

    const parsed = parseLoadedStack(stack);
    const what = parsed.role === "env" ? `env ${parsed.config.env}` : "the cluster stack";
    console.log(`Plan for stack ${stack.stack} (${what}): ${plan.resources.length} resources, ${plan.releases.length} Helm releases`);
    printTree(plan);
    const uid = parsed.config.cluster.kubeSystemUid;
    console.log(
        `  cluster: context ${parsed.config.cluster.context}, kube-system UID ${uid ? `pinned to ${uid}` : "not pinned"}` +
            ` (the offline plan has no cluster: it cannot check the live UID; pulumi preview does)`,
    );
    for (const warning of run.warnings) console.log(`  warning: ${warning}`);
    for (const rel of plan.releases) {
        const patches = rel.patches.length ? `, ${rel.patches.length} post-render patch(es)` : "";
        const source = rel.source === "override" ? `, from ${rel.repo} (stack charts setting)` : "";
        console.log(`  release ${rel.name} -> ${rel.namespace}: ${rel.chart}@${rel.version} (${rel.resource}${patches}${source})`);
    }
    // The cluster stack runs no pod.
    if (parsed.role === "env") {
        const totals = requestTotals(workloadInventory(parsed.config));
        console.log(
            `Requests: ${formatMillicores(totals.fixed.cpuMillis)} CPU, ${formatBytes(totals.fixed.memoryBytes)} memory ` +
                `+ per node (DaemonSets) ${formatMillicores(totals.perNode.cpuMillis)} CPU, ${formatBytes(totals.perNode.memoryBytes)} memory`,
        );
    }
    console.log(`Wrote ${files.length} files to ${path.relative(process.cwd(), args.out) || "."} in ${Date.now() - started} ms`);
}

main().catch((err: unknown) => {
    if (err instanceof UsageError || err instanceof OutDirError || err instanceof UnknownStackError) {
        console.error(err.message);
        process.exit(EXIT_CANNOT_RUN);
    }
    // The program is loaded into a fresh module graph, so its ConfigError is another class object.
    const expected =
        err instanceof ConfigError ||
        (err instanceof Error && err.name === "ConfigError") ||
        err instanceof StackFileError ||
        err instanceof PlaceholderLeakError;
    // Expected failures are one line; anything else is a bug whose stack trace is wanted.
    console.error(expected ? (err as Error).message : err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(EXIT_PLAN_FAILED);
});
