/** Timeouts of the integration tier (vitest.integration.config.mts); the fast tier starts no process. */

/**
 * The timeout of a test that starts processes or servers (integration tier only), and of each
 * process it starts. Such a test takes seconds on an idle machine, but a process's start-up (tsx,
 * Pulumi's runtime, a whole plan) is CPU-bound: on a machine busy with other work it stretches by
 * the load factor, and tests that run their processes concurrently add up. A test that hangs still
 * fails, after ten minutes; a slow machine no longer fails a test that would have passed.
 */
export const PROCESS_TEST_TIMEOUT = 600_000;
