/**
 * npm run plan:diff -- <base out dir> <head out dir>
 *
 * Prints, as markdown, how the offline plan of every stack differs between two out/ directories
 * (the base branch's and the pull request's); the PR workflow posts it as a comment.
 */
import * as path from "node:path";
import { diffPlans, readPlanDir, renderDiff, stacksIn } from "./lib/planDiff";

function main(argv: string[]): void {
    if (argv.length !== 2) {
        console.error("usage: npm run plan:diff -- <base out dir> <head out dir>");
        process.exit(2);
    }
    const [baseRoot, headRoot] = argv.map((d) => path.resolve(d));
    const stacks = [...new Set([...stacksIn(baseRoot), ...stacksIn(headRoot)])].sort();
    const sections = stacks.map((stack) => renderDiff(stack, diffPlans(readPlanDir(path.join(baseRoot, stack)), readPlanDir(path.join(headRoot, stack)))));
    console.log(["## Offline plan against the base branch", "", ...(sections.length ? sections : ["No plan found in either directory."])].join("\n"));
}

main(process.argv.slice(2));
