/** Command line of `npm run plan`: parsed strictly, every mistake one line (exit code 2). */
import * as path from "node:path";
import { NamedError } from "./errors";
import { PLAN_MARKER } from "./planOutput";
import { StackOptions } from "./stackFile";

export const USAGE = `usage: npm run plan -- <stack> [options]

Evaluates the program for one stack offline (Pulumi's mock runtime, the real Pulumi.<stack>.yaml)
and writes the plan files to out/<stack>/.
  --out <dir>                 write the plan here instead; the directory is replaced as a whole, so it
                              must be new, empty or a previous plan output (one holding ${PLAN_MARKER})
  --secret <key>=<value>      placeholder for one secret config key, repeatable; never written to the plan
  --placeholder-secrets       generate a placeholder for every encrypted value and missing required secret
  -h, --help                  print this help
Environment:
  PLAN_PLACEHOLDER_SECRETS=1  same as --placeholder-secrets
Exit codes: 0 plan written, 1 the plan failed (stack file, config, program, a placeholder in the files),
2 the command could not run (arguments, unknown stack, refused --out).`;

/** A mistake on the command line: one line, exit code 2. */
export class UsageError extends NamedError {
    constructor(message: string) {
        super(`${message} (npm run plan -- --help lists the options)`);
    }
}

export interface PlanArgs extends StackOptions {
    stack: string;
    out: string;
    help: boolean;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv, root: string): PlanArgs {
    const secrets: Record<string, string> = {};
    let stack: string | undefined;
    let out: string | undefined;
    let help = false;
    let placeholderSecrets = env.PLAN_PLACEHOLDER_SECRETS === "1";
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") help = true;
        else if (a === "--placeholder-secrets") placeholderSecrets = true;
        else if (a === "--secret") {
            const kv = argv[++i];
            const eq = kv?.indexOf("=") ?? -1;
            // Never echo the argument: without a key it may be the secret itself.
            if (kv === undefined) throw new UsageError("--secret expects <key>=<value>, got nothing");
            if (eq < 0) throw new UsageError("--secret expects <key>=<value>, got an argument without = (not shown, it may be a secret)");
            if (eq === 0) throw new UsageError("--secret expects <key>=<value>, got no key before =");
            secrets[kv.slice(0, eq)] = kv.slice(eq + 1);
        } else if (a === "--out") {
            out = argv[++i];
            if (!out || out.startsWith("-")) throw new UsageError(`--out expects a directory, got ${out === undefined ? "nothing" : JSON.stringify(out)}`);
        } else if (!a.startsWith("-") && stack === undefined) stack = a;
        else throw new UsageError(a.startsWith("-") ? `unknown option ${a}` : `one stack at a time, got ${stack} and ${a}`);
    }
    if (help) return { stack: stack ?? "", secrets, placeholderSecrets, out: out ?? "", help };
    if (!stack) throw new UsageError("give the stack to plan, e.g. npm run plan -- dev");
    // A stack file given by path plans into out/<its stack name>.
    const name = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(stack))?.[1] ?? stack;
    return { stack, secrets, placeholderSecrets, out: out ?? path.join(root, "out", name), help };
}
