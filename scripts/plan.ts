/**
 * npm run plan -- <stack> [--secret key=value ...] [--placeholder-secrets] [--out DIR]
 *
 * Evaluates the program for one stack in Pulumi's mock runtime with the real Pulumi.<stack>.yaml
 * and writes out/<stack>/{resources,releases,outputs}.json plus values/<release>.yaml.
 */
import * as path from "node:path";
import { ConfigError } from "../components/config/reader";
import { formatBytes, formatMillicores } from "../components/config/quantities";
import { rawConfigFrom } from "../components/config/schema";
import { parseStackConfig } from "../components/config/stack";
import { requestTotals, workloadInventory } from "../components/sizing";
import { loadProgramFresh } from "./lib/loadProgram";
import { ProgramFailure, runProgram } from "./lib/mockRuntime";
import { Plan, buildPlan, writePlan } from "./lib/planWriter";
import { StackFileError, StackOptions, loadStack } from "./lib/stackFile";

export const ROOT = path.resolve(__dirname, "..");

interface Args extends StackOptions {
    stack: string;
    out: string;
}

function parseArgs(argv: string[]): Args {
    const secrets: Record<string, string> = {};
    let stack: string | undefined;
    let out: string | undefined;
    let placeholderSecrets = process.env.PLAN_PLACEHOLDER_SECRETS === "1";
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--placeholder-secrets") placeholderSecrets = true;
        else if (a === "--secret") {
            const kv = argv[++i] ?? "";
            const eq = kv.indexOf("=");
            if (eq <= 0) throw new StackFileError(`--secret expects <key>=<placeholder>, got "${kv.split("=")[0]}=..."`);
            secrets[kv.slice(0, eq)] = kv.slice(eq + 1);
        } else if (a === "--out") out = argv[++i];
        else if (!a.startsWith("-") && stack === undefined) stack = a;
        else throw new StackFileError(`unknown argument ${a}`);
    }
    if (!stack) throw new StackFileError("usage: npm run plan -- <stack> [--secret key=value] [--placeholder-secrets] [--out DIR]");
    return { stack, secrets, placeholderSecrets, out: out ?? path.join(ROOT, "out", stack) };
}

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
    const args = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const stack = loadStack(ROOT, args.stack, args);
    const run = await runProgram(stack, loadProgramFresh(ROOT));
    const plan = buildPlan(run);
    const files = writePlan(plan, args.out, stack.placeholders);

    const parsed = parseStackConfig(
        rawConfigFrom(stack.config, (k) => stack.secretKeys.includes(k), stack.project),
        stack.project,
    );
    const what = parsed.role === "env" ? `env ${parsed.config.env}` : "the cluster stack";
    console.log(`Plan for stack ${stack.stack} (${what}): ${plan.resources.length} resources, ${plan.releases.length} Helm releases`);
    printTree(plan);
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

main().catch((failure: unknown) => {
    const err = failure instanceof ProgramFailure ? failure.cause : failure;
    // The program is loaded into a fresh module graph, so its ConfigError is another class object.
    if (err instanceof ConfigError || (err instanceof Error && err.name === "ConfigError") || err instanceof StackFileError) {
        console.error(err.message);
    } else {
        console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    }
    process.exit(1);
});
