/**
 * npm run plan:diff -- <base out dir> <head out dir>   (see USAGE; docs/policies.md "Pull-request flow")
 *
 * Prints, as markdown, how the offline plan of every stack differs between two out/ directories
 * (the base branch's and the pull request's); the PR workflow posts it as a comment.
 */
import * as path from "node:path";
import { diffPlans, readPlanDir, renderDiff, stacksIn } from "./lib/planDiff";

export const EXIT_CANNOT_RUN = 2;

const USAGE = `usage: npm run plan:diff -- <base out dir> <head out dir>

Prints, as markdown, how the offline plan of every stack differs between two directories holding
one npm run plan output per stack (<dir>/<stack>/): resources added, removed and changed, chart
versions, and changed chart values by key path.
  -h, --help   print this help
Exit codes: 0 the diff was printed, 2 the command could not run (arguments).`;

function main(argv: string[]): void {
    if (argv.includes("--help") || argv.includes("-h")) {
        console.log(USAGE);
        return;
    }
    if (argv.length !== 2 || argv.some((a) => a.startsWith("-"))) {
        console.error(`${USAGE.split("\n")[0]} (npm run plan:diff -- --help lists the options)`);
        process.exit(EXIT_CANNOT_RUN);
    }
    const [baseRoot, headRoot] = argv.map((d) => path.resolve(d));
    const stacks = [...new Set([...stacksIn(baseRoot), ...stacksIn(headRoot)])].sort();
    const sections = stacks.map((stack) => renderDiff(stack, diffPlans(readPlanDir(path.join(baseRoot, stack)), readPlanDir(path.join(headRoot, stack)))));
    console.log(["## Offline plan against the base branch", "", ...(sections.length ? sections : ["No plan found in either directory."])].join("\n"));
}

main(process.argv.slice(2));
