/**
 * The field's own validators, run on the generated files: promtool (Prometheus rules), amtool
 * (Alertmanager config and routing) and Loki's LogQL parser (scripts/lib/logqlCheck.ts). A missing tool
 * fails the test with how to install it; it never turns into a skip.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll } from "vitest";
import { logqlChecker } from "../../scripts/lib/logqlCheck";
import { PROCESS_TEST_TIMEOUT } from "./timeouts";

export interface ToolResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** Command line and both streams, for assertion messages. */
    readonly report: string;
}

const INSTALL_HINT: Record<string, string> = {
    promtool: "install Debian package `prometheus` (apt-get install prometheus) or run .ci/run",
    amtool: "install Debian package `prometheus-alertmanager` (apt-get install prometheus-alertmanager) or run .ci/run",
};

function findOnPath(tool: string): string {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, tool);
        if (dir && existsSync(candidate)) return candidate;
    }
    throw new Error(`${tool} is required by this test but was not found on PATH: ${INSTALL_HINT[tool]}`);
}

export function run(tool: string, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): ToolResult {
    const bin = findOnPath(tool);
    const res = spawnSync(bin, args, {
        input: opts.input,
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        encoding: "utf8",
        timeout: opts.timeout ?? PROCESS_TEST_TIMEOUT,
    });
    if (res.error) throw res.error;
    const report = `$ ${tool} ${args.join(" ")}\n(exit ${res.status})\n--- stdout\n${res.stdout}--- stderr\n${res.stderr}`;
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, report };
}

export function tempDir(prefix: string): string {
    return mkdtempSync(path.join(tmpdir(), `${prefix}-`));
}

/** Writes files (relative path to content) into a fresh temp dir and returns it. */
export function writeFiles(files: Record<string, string>, prefix = "validate"): string {
    const dir = tempDir(prefix);
    for (const [file, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), content);
    }
    return dir;
}

/**
 * The plan's Alertmanager files in a temp dir, with the in-cluster template directory pointed at
 * that dir so amtool loads (and so parses) the real templates.
 */
export function alertmanagerDir(artifacts: Record<string, string>, edit: (config: string) => string = (c) => c): string {
    const files = Object.fromEntries(
        Object.entries(artifacts)
            .filter(([f]) => f.startsWith("alertmanager/"))
            .map(([f, c]) => [path.basename(f), c]),
    );
    const dir = writeFiles(files, "alertmanager");
    const config = edit(files["alertmanager.yaml"]).replace("/etc/alertmanager/config/", `${dir}/`);
    writeFileSync(path.join(dir, "alertmanager.yaml"), config);
    return dir;
}

export const amtoolCheckConfig = (dir: string) => run("amtool", ["check-config", path.join(dir, "alertmanager.yaml")]);

const routesTest = (dir: string, labels: Record<string, string>, flags: string[] = []) =>
    run("amtool", [
        "config",
        "routes",
        "test",
        `--config.file=${path.join(dir, "alertmanager.yaml")}`,
        ...flags,
        ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ]);

/** `amtool config routes test`: exit 0 only if the labels resolve to exactly `receiver`. */
export const amtoolRoute = (dir: string, receiver: string, labels: Record<string, string>) => routesTest(dir, labels, [`--verify.receivers=${receiver}`]);

/** The receivers (comma-separated, as amtool prints them) an alert with these labels reaches. */
export function amtoolReceivers(dir: string, labels: Record<string, string>): string {
    const res = routesTest(dir, labels);
    if (res.status !== 0) throw new Error(res.report);
    return res.stdout.trim();
}

export const promtoolCheckRules = (file: string) => run("promtool", ["check", "rules", file]);
export const promtoolTestRules = (file: string) => run("promtool", ["test", "rules", file]);

export { checkLogql } from "../../scripts/lib/logqlCheck";

/** The LogQL checker's path for a test file, built (cold: minutes) in a beforeAll of its own. */
export function useLogqlChecker(): { bin: string } {
    const checker = { bin: "" };
    beforeAll(() => {
        checker.bin = logqlChecker();
    }, 900_000);
    return checker;
}
