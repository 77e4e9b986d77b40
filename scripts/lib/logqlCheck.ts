/**
 * Loki's own LogQL parser as a command (tools/logql-check, Go, test tooling only): built once per
 * source version into a cache directory and fed expressions as JSON on stdin.
 */
import { spawnSync } from "node:child_process";
import { goTool } from "./goTool";

/** tools/logql-check as goTool builds it. */
export const LOGQL_CHECK = { tool: "logql-check", what: "Loki's LogQL parser", cacheEnv: "LOGQL_CHECK_CACHE" } as const;

/** Path of the checker binary, built if this source version has no cached build yet. */
export function logqlChecker(): string {
    return goTool(LOGQL_CHECK.tool, LOGQL_CHECK.what, LOGQL_CHECK.cacheEnv);
}

export interface LogqlFailure {
    readonly id: string;
    readonly error: string;
}

/** Parses every expression with Loki's parser; returns the failures and the raw output for messages. */
export function checkLogql(
    bin: string,
    items: { id: string; expr: string }[],
): { failures: LogqlFailure[]; result: { status: number | null; report: string } } {
    const res = spawnSync(bin, [], { input: JSON.stringify(items), encoding: "utf8" });
    if (res.error) throw res.error;
    const report = `$ logql-check\n(exit ${res.status})\n${res.stdout}${res.stderr}`;
    if (res.status !== 0 && res.status !== 1) throw new Error(`logql-check failed to run\n${report}`);
    return { failures: JSON.parse(res.stdout) as LogqlFailure[], result: { status: res.status, report } };
}
