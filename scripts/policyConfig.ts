/**
 * npm run policy-config -- <stack> [--out FILE]
 *
 * Writes the policy pack's config for a stack as JSON (to FILE, or to stdout), for
 * `pulumi preview -s <stack> --policy-pack policy --policy-pack-config FILE`: the chart mirrors of
 * the stack file's `charts` setting, which `chart-version-pinned` then accepts in place of their pins.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../components/config/reader";
import { policyPackConfigForStack } from "./lib/policyConfig";
import { StackFileError } from "./lib/stackFile";

const ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run policy-config -- <stack> [--out FILE]";

function parseArgs(argv: string[]): { stack: string; out?: string } {
    let stack: string | undefined;
    let out: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === "--out" && argv[i + 1] !== undefined) out = argv[++i];
        else if (!a.startsWith("-") && stack === undefined) stack = a;
        else throw new StackFileError(`unknown argument ${a}; ${USAGE}`);
    }
    if (!stack) throw new StackFileError(USAGE);
    return { stack, out };
}

try {
    const args = parseArgs(process.argv.slice(2));
    const json = `${JSON.stringify(policyPackConfigForStack(ROOT, args.stack), null, 2)}\n`;
    if (args.out) {
        mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
        writeFileSync(args.out, json);
    } else {
        process.stdout.write(json);
    }
} catch (err) {
    if (err instanceof ConfigError || err instanceof StackFileError) {
        console.error(err.message);
        process.exit(1);
    }
    throw err;
}
