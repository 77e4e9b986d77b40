/**
 * npm run bench:tests -- [fast] [integration]   (see USAGE; docs/development.md "Benchmark")
 *
 * Times the test suite as `npm test` and `npm run test:integration` run it: the type check, the
 * fast tier and the integration tier, each with its wall time and the CPU time of its processes
 * (user + system, every worker included). On a shared or busy machine the wall time stretches and
 * the CPU time barely does, so compare CPU times across machines and wall times on one. Nothing is
 * asserted: the numbers are for reading, not for gating.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { NamedError } from "./lib/errors";
import { formatTable } from "./lib/table";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "node_modules", ".bin");
const TIERS = {
    fast: { what: "fast tier (npm test, after the type check)", config: "vitest.config.mts" },
    integration: { what: "integration tier (npm run test:integration)", config: "vitest.integration.config.mts" },
} as const;
type Tier = keyof typeof TIERS;
export const EXIT_FAILED = 1;
export const EXIT_CANNOT_RUN = 2;

const USAGE = `usage: npm run bench:tests -- [fast] [integration]

Times the type check and each test tier (default: both), one after the other: wall time and the CPU
time (user + system) of every process the step ran, with the number of tests passed and failed.
Nothing is asserted; the exit code is 1 if a step failed, so a number is never read off a broken run.
  -h, --help   print this help
Exit codes: 0 measured, 1 a step failed, 2 the command could not run (arguments).`;

class UsageError extends NamedError {
    constructor(message: string) {
        super(`${message} (npm run bench:tests -- --help lists the options)`);
    }
}

function parseArgs(argv: readonly string[]): { tiers: Tier[]; help: boolean } {
    const tiers: Tier[] = [];
    let help = false;
    for (const a of argv) {
        if (a === "--help" || a === "-h") help = true;
        else if (a in TIERS) tiers.push(a as Tier);
        else throw new UsageError(a.startsWith("-") ? `unknown option ${a}` : `unknown tier ${a}: the tiers are ${Object.keys(TIERS).join(", ")}`);
    }
    return { tiers: tiers.length ? tiers : (Object.keys(TIERS) as Tier[]), help };
}

/**
 * CPU seconds of this process's children that have been waited for (Linux: /proc/self/stat
 * cutime and cstime, in clock ticks of 1/100 s); a child's count includes the workers it waited for.
 */
function childrenCpuSeconds(): number | undefined {
    if (!existsSync("/proc/self/stat")) return undefined;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 16 and 17 of the whole line are the 14th and 15th after the command name.
    return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface Step {
    readonly name: string;
    readonly wallS: number;
    readonly cpuS?: number;
    readonly ok: boolean;
    readonly tests?: { passed: number; failed: number };
}

function timed(name: string, command: string, args: string[], report?: string): Step {
    const cpuBefore = childrenCpuSeconds();
    const started = process.hrtime.bigint();
    const res = spawnSync(command, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = childrenCpuSeconds();
    const cpuS = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    let tests: Step["tests"];
    if (report && existsSync(report)) {
        const json = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number };
        tests = { passed: json.numPassedTests, failed: json.numFailedTests };
    }
    return { name, wallS, cpuS, ok: res.status === 0, tests };
}

function main(): void {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
        console.log(USAGE);
        return;
    }
    const reports = mkdtempSync(path.join(tmpdir(), "bench-tests-"));
    const steps: Step[] = [];
    try {
        if (args.tiers.includes("fast")) steps.push(timed("type check (tsc)", path.join(BIN, "tsc"), ["--noEmit", "--noCheck", "false"]));
        for (const tier of args.tiers) {
            const report = path.join(reports, `${tier}.json`);
            const vitest = ["run", "--config", TIERS[tier].config, "--reporter=dot", "--reporter=json", `--outputFile.json=${report}`];
            steps.push(timed(TIERS[tier].what, path.join(BIN, "vitest"), vitest, report));
        }
    } finally {
        rmSync(reports, { recursive: true, force: true });
    }
    console.log("");
    const rows = steps.map((s) => [
        s.name,
        s.wallS.toFixed(1),
        s.cpuS === undefined ? "n/a" : s.cpuS.toFixed(1),
        s.tests ? `${s.tests.passed} passed, ${s.tests.failed} failed` : s.ok ? "ok" : "FAILED",
    ]);
    console.log(formatTable(["step", "wall(s)", "cpu(s)", "result"], rows));
    console.log(`load average at the end: ${readLoadAverage()} (the CPU time stays comparable under load, the wall time does not)`);
    if (steps.some((s) => !s.ok)) process.exit(EXIT_FAILED);
}

function readLoadAverage(): string {
    return existsSync("/proc/loadavg") ? readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ") : "n/a";
}

try {
    main();
} catch (err) {
    if (err instanceof UsageError) {
        console.error(err.message);
        process.exit(EXIT_CANNOT_RUN);
    }
    throw err;
}
