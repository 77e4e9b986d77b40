import { defineConfig } from "vitest/config";

/**
 * The integration tier (`npm run test:integration`): the field's own binaries on the generated
 * files (promtool, amtool, Loki's LogQL parser and Alloy's formatter, built from tools/ with Go),
 * real Prometheus and Alertmanager servers, and the project's commands as child processes.
 */
export default defineConfig({
    test: {
        include: ["test/integration/**/*.test.ts"],
        // Each file its own process: servers, environment variables and child processes stay per file.
        pool: "forks",
        // Builds the Go checkers once, saying what and why, before any test runs.
        globalSetup: ["test/integration/globalSetup.ts"],
        // Tests that start processes or servers give their own, generous timeout (test/support/cli.ts);
        // everything else answers well within this one.
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
