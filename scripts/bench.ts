/**
 * npm run bench -- [<stack> ...]   (see USAGE; docs/development.md "Benchmark")
 *
 * Measures how long the program takes to evaluate in Pulumi's mock runtime, per stack, next to an
 * empty program in the same runtime, so the difference is the cost of the program itself rather
 * than of the mocks; then how long Pulumi's language host takes to load it (ts-node as Pulumi
 * registers it) with type-checking and in the transpile-only mode tsconfig.json selects. Nothing is
 * asserted: the numbers are for reading, not for gating.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { NamedError } from "./lib/errors";
import { loadProgramFresh } from "./lib/loadProgram";
import { LoadedStack, StackFileError, UnknownStackError, loadStack } from "./lib/stackFile";
import { formatTable } from "./lib/table";

const ROOT = path.resolve(__dirname, "..");
const WARMUP = 1;
const RUNS = 5;
const MIB = 1024 * 1024;
const DEFAULT_STACKS = ["dev", "prod"];
export const EXIT_FAILED = 1;
export const EXIT_CANNOT_RUN = 2;

const USAGE = `usage: npm run bench -- [<stack> ...]

Times the program per stack (default: ${DEFAULT_STACKS.join(" ")}) in Pulumi's mock runtime, the median of
${RUNS} runs next to an empty program in the same runtime, with heap use and peak RSS; then how long
Pulumi's language host takes to load each stack, type-checked and transpile-only. Nothing is asserted.
  -h, --help   print this help
Exit codes: 0 measured, 1 a stack's program failed, 2 the command could not run (arguments, unknown stack).`;

/** A mistake on the command line: one line, exit code 2. */
class UsageError extends NamedError {
    constructor(message: string) {
        super(`${message} (npm run bench -- --help lists the options)`);
    }
}

function parseArgs(argv: readonly string[]): { stacks: string[]; help: boolean } {
    const stacks: string[] = [];
    let help = false;
    for (const a of argv) {
        if (a === "--help" || a === "-h") help = true;
        else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
        else stacks.push(a);
    }
    return { stacks: stacks.length ? stacks : DEFAULT_STACKS, help };
}

/** Pulumi's runtime takes seconds to load: only once the arguments are known to be good. */
let mock: typeof import("./lib/mockRuntime") | undefined;

/** The baseline goes through require like index.ts does, so module loading is part of both numbers. */
function loadEmptyProgramFresh(): () => Promise<Record<string, unknown>> {
    const file = path.join(__dirname, "lib", "emptyProgram.ts");
    return async () => {
        delete require.cache[require.resolve(file)];
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh CommonJS load is the point
        return require(file) as Record<string, unknown>;
    };
}

/** Median of the timed runs in ms; the warm-up runs pay for first-time module compilation and JIT. */
async function medianMs(stack: LoadedStack, load: () => () => Promise<Record<string, unknown>>): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
        const start = process.hrtime.bigint();
        await mock!.runProgram(stack, load());
        const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
        if (i >= WARMUP) times.push(elapsed);
    }
    times.sort((a, b) => a - b);
    const mid = Math.floor(times.length / 2);
    return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
        console.log(USAGE);
        return;
    }
    const { stacks } = args;
    // Every stack file first: a wrong name should not cost the runs of the stacks before it.
    for (const name of stacks) loadStack(ROOT, name, { placeholderSecrets: true });
    mock = await import("./lib/mockRuntime");
    const header = ["stack", "runs", "median(ms)", "empty(ms)", "overhead(ms)", "heapUsed(MiB)"];
    const rows: string[][] = [];
    for (const name of stacks) {
        // Loaded once outside the timing: YAML parsing is not program evaluation, and both the
        // program and the baseline then run against identical config.
        const stack = loadStack(ROOT, name, { placeholderSecrets: true });
        const program = await medianMs(stack, () => loadProgramFresh(ROOT));
        const empty = await medianMs(stack, loadEmptyProgramFresh);
        const heap = process.memoryUsage().heapUsed / MIB;
        rows.push([name, String(RUNS), program.toFixed(1), empty.toFixed(1), (program - empty).toFixed(1), heap.toFixed(1)]);
    }
    console.log(formatTable(header, rows));
    for (const name of stacks) {
        const file = path.join(mkdtempSync(path.join(tmpdir(), "bench-load-")), `${name}.json`);
        writeFileSync(file, JSON.stringify(loadStack(ROOT, name, { placeholderSecrets: true })));
        const load = (transpileOnly: boolean, transpiler: "swc" | "typescript" = "swc") => {
            const start = process.hrtime.bigint();
            execFileSync(process.execPath, [path.join(ROOT, "test", "support", "loadLikePulumi.cjs"), file], {
                env: { ...process.env, PULUMI_NODEJS_TRANSPILE_ONLY: String(transpileOnly), LOAD_TRANSPILER: transpiler },
            });
            return Number(process.hrtime.bigint() - start) / 1e6;
        };
        console.log(
            `language host load ${name}: type-checked ${load(false).toFixed(0)} ms, transpile-only with TypeScript ${load(true, "typescript").toFixed(0)} ms, ` +
                `with SWC (tsconfig.json, what pulumi runs) ${load(true).toFixed(0)} ms (a fresh process each)`,
        );
    }
    // maxRSS is reported in KiB.
    console.log(`peak RSS: ${((process.resourceUsage().maxRSS * 1024) / MIB).toFixed(1)} MiB`);
}

main().catch((failure: unknown) => {
    if (failure instanceof UsageError || failure instanceof UnknownStackError) {
        console.error(failure.message);
        process.exit(EXIT_CANNOT_RUN);
    }
    // runProgram wraps the program's own error (ProgramFailure); the bench has no use for the partial resources.
    const err = mock && failure instanceof mock.ProgramFailure ? failure.cause : failure;
    console.error(err instanceof StackFileError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(EXIT_FAILED);
});
