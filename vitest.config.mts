import { configDefaults, defineConfig } from "vitest/config";

/**
 * The fast tier (`npm test`): the program in Pulumi's mock runtime, in-process, and nothing but
 * Node. What needs a real binary (promtool, amtool, Prometheus, Alertmanager, the Go-built parsers)
 * or a process per case is the integration tier (vitest.integration.config.mts, test/integration/).
 */
export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        exclude: [...configDefaults.exclude, "test/integration/**"],
        pool: "forks",
        // Test files share a worker process, one file after another, so Pulumi and the stacks every
        // file evaluates are loaded once per worker rather than once per file (test/support/harness.ts
        // keeps the runs in a process-wide memo). The Pulumi runtime (mocks, config) is process-global,
        // but it is only ever used by one program run at a time: each run sets its own mocks and the
        // whole config first (runProgram), exactly as consecutive runs within one file always have.
        // Nothing in this tier starts servers or processes or changes the environment for good.
        isolate: false,
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
