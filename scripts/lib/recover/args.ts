/** Command line of `npm run recover`: parsed strictly, every mistake reported as a UsageError. */
import { UsageError } from "./errors";

export interface RecoverArgs {
    readonly stack?: string;
    readonly stateFile?: string;
    readonly backendDir?: string;
    readonly repairBackend: boolean;
    readonly apply: boolean;
    readonly json: boolean;
    readonly help: boolean;
}

export const USAGE = `usage: npm run recover -- <stack> [options]

Recovers a stack after a killed \`pulumi up\` (docs/operations.md "An interrupted up"): checks a local file
backend and the stack's locks, asks the stack's cluster (kubectl, cluster.context) which pending
creates exist, and prints the \`pulumi refresh\` that clears every pending operation and the
\`pulumi import --file\` (out/recover/<stack>/import.json) that adopts the objects the cluster has.
Without --apply nothing is changed; every command runs without a terminal.
  --state <file>        the output of \`pulumi stack export --stack <stack>\` (default: run that command)
  --backend-dir <dir>   the file backend's root, the directory that holds .pulumi
                        (default: PULUMI_BACKEND_URL's file:// path, else the home directory)
  --repair-backend      repair a broken file backend (every file changed is backed up first)
  --apply               --repair-backend, then run the plan's pulumi commands (never \`pulumi up\`),
                        first \`pulumi cancel --stack <stack> --yes --non-interactive\` when the stack's
                        lock was left by a process of this machine that no longer runs
  --json                print the plan as JSON
  -h, --help            print this help
Exit codes: 0 planned or applied, 1 refused or not recoverable, 2 bad arguments or a missing Pulumi CLI.`;

export function parseArgs(argv: readonly string[]): RecoverArgs {
    const out: { -readonly [K in keyof RecoverArgs]: RecoverArgs[K] } = { repairBackend: false, apply: false, json: false, help: false };
    const value = (i: number, flag: string): string => {
        const v = argv[i];
        if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} expects a value`);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === "--help" || a === "-h") out.help = true;
        else if (a === "--state") out.stateFile = value(++i, a);
        else if (a === "--backend-dir") out.backendDir = value(++i, a);
        else if (a === "--repair-backend") out.repairBackend = true;
        else if (a === "--apply") out.apply = out.repairBackend = true;
        else if (a === "--json") out.json = true;
        else if (!a.startsWith("-") && out.stack === undefined) out.stack = a;
        else throw new UsageError(`unknown argument ${a}\n${USAGE}`);
    }
    if (!out.help && !out.stack) throw new UsageError(USAGE);
    // The stack name ends up in file names and in URNs; Pulumi allows no more than this either.
    if (out.stack !== undefined && !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/.test(out.stack)) throw new UsageError(`not a stack name: ${out.stack}`);
    return out;
}
