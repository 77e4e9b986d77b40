/**
 * npm run verify -- <stack> [options]   (see USAGE in scripts/lib/verify/args.ts, docs/operations.md "Post-deploy verification")
 *
 * Proves a deployed env's isolation on the live cluster from its stack outputs: Prometheus,
 * Alertmanager, Loki and Grafana are asked what they actually hold. One line per check, exit 0
 * only when every check passes.
 */
import { USAGE, parseArgs, readCaFile } from "./lib/verify/args";
import { UsageError, readOutputsFile, readStackOutputs } from "./lib/verify/outputs";
import { formatJson, formatText } from "./lib/verify/report";
import { verify } from "./lib/verify/run";

export const EXIT_FAILED_CHECK = 1;
export const EXIT_CANNOT_RUN = 2;

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2), process.env);
    if (args.help) {
        console.log(USAGE);
        return 0;
    }
    // Before the outputs: `pulumi stack output` may take up to a minute, a bad CA file costs nothing.
    const ca = args.caFile ? readCaFile(args.caFile) : undefined;
    const outputs = args.outputsFile ? readOutputsFile(args.outputsFile) : readStackOutputs(args.stack!);
    const report = await verify(outputs, args, { ca });
    process.stdout.write(args.json ? formatJson(report) : formatText(report));
    return report.ok ? 0 : EXIT_FAILED_CHECK;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        // Users get one line, never a stack trace: every expected failure is a UsageError already.
        console.error(err instanceof UsageError ? err.message : `verify failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = EXIT_CANNOT_RUN;
    },
);
