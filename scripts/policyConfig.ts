/**
 * npm run policy-config -- <stack> [--out FILE]   (see USAGE; docs/air-gapped.md, docs/policies.md "Policies")
 *
 * Writes the policy pack's config for a stack as JSON (to FILE, or to stdout), for
 * `pulumi preview -s <stack> --policy-pack policy --policy-pack-config FILE`: the chart mirrors of
 * the stack file's `charts` setting, which `chart-version-pinned` then accepts in place of their pins.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../components/config/reader";
import { NamedError } from "./lib/errors";
import { policyPackConfigForStack } from "./lib/policyConfig";
import { StackFileError, UnknownStackError } from "./lib/stackFile";

const ROOT = path.resolve(__dirname, "..");
export const EXIT_REFUSED = 1;
export const EXIT_CANNOT_RUN = 2;

const USAGE = `usage: npm run policy-config -- <stack> [--out FILE]

Writes the policy pack's config for one stack as JSON: the chart mirrors of the stack file's charts
setting, which chart-version-pinned then accepts in place of their pins. Give it to
pulumi preview -s <stack> --policy-pack policy --policy-pack-config FILE.
  --out <file>   write the config here (directories are created) instead of to stdout
  -h, --help     print this help
Exit codes: 0 written, 1 the stack file or its config is refused, 2 the command could not run (arguments, unknown stack).`;

/** A mistake on the command line: one line, exit code 2. */
class UsageError extends NamedError {
    constructor(message: string) {
        super(`${message} (npm run policy-config -- --help lists the options)`);
    }
}

function parseArgs(argv: string[]): { stack?: string; out?: string; help: boolean } {
    let stack: string | undefined;
    let out: string | undefined;
    let help = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === "--help" || a === "-h") help = true;
        else if (a === "--out") {
            out = argv[++i];
            if (!out || out.startsWith("-")) throw new UsageError(`--out expects a file, got ${out === undefined ? "nothing" : JSON.stringify(out)}`);
        } else if (!a.startsWith("-") && stack === undefined) stack = a;
        else throw new UsageError(a.startsWith("-") ? `unknown option ${a}` : `one stack at a time, got ${stack} and ${a}`);
    }
    if (!help && !stack) throw new UsageError("give the stack, e.g. npm run policy-config -- dev");
    return { stack, out, help };
}

try {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
        console.log(USAGE);
    } else {
        const json = `${JSON.stringify(policyPackConfigForStack(ROOT, args.stack!), null, 2)}\n`;
        if (args.out) {
            mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
            writeFileSync(args.out, json);
        } else {
            process.stdout.write(json);
        }
    }
} catch (err) {
    if (err instanceof UsageError || err instanceof UnknownStackError) {
        console.error(err.message);
        process.exitCode = EXIT_CANNOT_RUN;
    } else if (err instanceof ConfigError || err instanceof StackFileError) {
        console.error(err.message);
        process.exitCode = EXIT_REFUSED;
    } else {
        throw err;
    }
}
