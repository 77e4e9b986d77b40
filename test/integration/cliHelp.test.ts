/**
 * Every npm script that takes arguments answers `--help` and `-h` the same way: its usage on
 * stdout, first line `usage: npm run <name> -- ...`, nothing on stderr, exit code 0, and no work
 * done. The scripts are found through package.json, so a new one joins this test or fails it.
 * Tool invocations (test, test:integration, build, lint, format) answer with their tools' own help and are left out.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { runCli } from "../support/cli";
import { ROOT } from "../support/harness";
import { PROCESS_TEST_TIMEOUT } from "../support/timeouts";

const TOOL_INVOCATIONS = ["build", "test", "test:integration", "lint", "format:check", "format"];

const scripts = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const commands = Object.entries(scripts).filter(([name]) => !TOOL_INVOCATIONS.includes(name));

it("knows every npm script: each is a tool invocation or a script of its own", () => {
    expect(Object.keys(scripts).sort()).toEqual(
        [...TOOL_INVOCATIONS, "bench", "bench:tests", "plan", "plan:diff", "policy-config", "recover", "verify"].sort(),
    );
    for (const [name, command] of commands) expect(command, name).toMatch(/^tsx scripts\/\w+\.ts$/);
});

// Each case starts processes (tsx, Pulumi, servers): PROCESS_TEST_TIMEOUT (test/support/timeouts.ts) says why its timeout is generous.
it.each(commands)(
    "npm run %s -- --help (and -h) prints its usage and exits 0",
    async (name, command) => {
        const script = command.replace(/^tsx /, "");
        for (const flag of ["--help", "-h"]) {
            const run = await runCli(script, [flag]);
            expect({ flag, code: run.code, stderr: run.stderr }).toEqual({ flag, code: 0, stderr: "" });
            expect(run.stdout.split("\n")[0]).toMatch(new RegExp(`^usage: npm run ${name.replace(":", "\\:")} -- \\S`));
            expect(run.stdout).toMatch(/-h, --help +print this help/);
        }
    },
    PROCESS_TEST_TIMEOUT,
);
