/**
 * Before the integration tier runs: the Go-built checkers (tools/, test tooling only) are built
 * once, here, into the cache goTool keys by their sources, so a cold machine says what it is
 * building and why, with the build's own time, instead of a test file's beforeAll going quiet for
 * minutes. A warm cache builds nothing and says nothing.
 */
import { existsSync } from "node:fs";
import { ALLOY_FMT, alloyFormatter } from "../../scripts/lib/alloyFmt";
import { goToolPath } from "../../scripts/lib/goTool";
import { LOGQL_CHECK, logqlChecker } from "../../scripts/lib/logqlCheck";

const CHECKERS = [
    { ...LOGQL_CHECK, build: logqlChecker, why: "the log-query tests (alert rules, dashboards, workload switches); cold: minutes, mostly Go module downloads" },
    { ...ALLOY_FMT, build: alloyFormatter, why: "the Alloy config tests; cold: seconds to a minute" },
];

export default function setup(): void {
    for (const checker of CHECKERS) {
        if (existsSync(goToolPath(checker.tool, checker.cacheEnv))) continue;
        console.log(`building tools/${checker.tool} (${checker.what}, Go) for ${checker.why}…`);
        const started = Date.now();
        const bin = checker.build();
        console.log(`built tools/${checker.tool} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${bin}`);
    }
}
