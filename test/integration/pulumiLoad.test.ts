/**
 * Pulumi runs the program without type-checking it (tsconfig.json `noCheck`, which the Node.js
 * language host turns into ts-node's `transpileOnly`); `npm test` and CI check the types instead
 * (`tsc --noCheck false`). This loads the program exactly as the language host would, in a plain
 * Node process, so a TypeScript setup that cannot transpile (TS5011 under TypeScript 6 without
 * `rootDir`) fails here rather than on a user's `pulumi preview`. ts-node transpiles with SWC
 * (tsconfig.json's "ts-node" section, which ts-node reads whatever Pulumi passes).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadStack } from "../../scripts/lib/stackFile";
import { ROOT, runStack } from "../support/harness";
import { PROCESS_TEST_TIMEOUT } from "../support/timeouts";

const DRIVER = path.join(ROOT, "test", "support", "loadLikePulumi.cjs");

function loadLikePulumi(stack: string, env: NodeJS.ProcessEnv = {}): { transpileOnly: boolean; transpiler: string; resources: number; loadMs: number } {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "pulumi-load-")), `${stack}.json`);
    writeFileSync(file, JSON.stringify(loadStack(ROOT, stack, { placeholderSecrets: true })));
    // The mode must come from tsconfig.json alone, as for a user who sets nothing.
    const inherited = { ...process.env };
    delete inherited.PULUMI_NODEJS_TRANSPILE_ONLY;
    delete inherited.LOAD_TRANSPILER;
    return JSON.parse(execFileSync(process.execPath, [DRIVER, file], { env: { ...inherited, ...env }, encoding: "utf8" })) as never;
}

// Each case starts processes (tsx, Pulumi, servers): PROCESS_TEST_TIMEOUT (test/support/timeouts.ts) says why its timeout is generous.
describe("the program under Pulumi's Node.js language host", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("tsconfig.json tells the language host to transpile only, with SWC and an explicit rootDir", () => {
        const tsconfig = JSON.parse(readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown>; "ts-node": unknown };
        expect([tsconfig.compilerOptions.noCheck, tsconfig.compilerOptions.rootDir, tsconfig["ts-node"]]).toEqual([true, ".", { swc: true }]);
    });

    it.each(["cluster", "dev", "prod"])("loads the %s stack transpile-only with SWC and registers every resource", async (stack) => {
        const expected = (await runStack(stack)).run.resources.length;
        const loaded = loadLikePulumi(stack);
        expect([loaded.transpileOnly, loaded.transpiler, loaded.resources]).toEqual([true, "swc", expected]);
    });
});
