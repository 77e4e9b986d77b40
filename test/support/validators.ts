/**
 * The field's own validators, run on the generated files: promtool (Prometheus rules), amtool
 * (Alertmanager config and routing) and Loki's LogQL parser (tools/logql-check). A missing tool
 * fails the test with how to install it; it never turns into a skip.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { ROOT } from "./harness";

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
    go: "install Go (https://go.dev/dl/, or /usr/local/go/bin on the CI image); it builds tools/logql-check",
};

function findOnPath(tool: string, extra: string[] = []): string {
    for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), ...extra]) {
        const candidate = path.join(dir, tool);
        if (dir && existsSync(candidate)) return candidate;
    }
    throw new Error(`${tool} is required by this test but was not found on PATH: ${INSTALL_HINT[tool]}`);
}

export function run(tool: string, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): ToolResult {
    const bin = findOnPath(tool, tool === "go" ? ["/usr/local/go/bin"] : []);
    const res = spawnSync(bin, args, { input: opts.input, cwd: opts.cwd, env: opts.env ?? process.env, encoding: "utf8", timeout: opts.timeout ?? 60_000 });
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

/** `amtool config routes test`: exit 0 only if the labels resolve to exactly `receiver`. */
export const amtoolRoute = (dir: string, receiver: string, labels: Record<string, string>) =>
    run("amtool", [
        "config",
        "routes",
        "test",
        `--config.file=${path.join(dir, "alertmanager.yaml")}`,
        `--verify.receivers=${receiver}`,
        ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ]);

export const promtoolCheckRules = (file: string) => run("promtool", ["check", "rules", file]);
export const promtoolTestRules = (file: string) => run("promtool", ["test", "rules", file]);

/**
 * Builds tools/logql-check once per source version into a cache directory (keyed by a hash of its
 * go.mod, go.sum and main.go) and returns the binary's path. Go is only test tooling here.
 */
export function logqlChecker(): string {
    const src = path.join(ROOT, "tools", "logql-check");
    const hash = createHash("sha256");
    for (const f of ["go.mod", "go.sum", "main.go"]) hash.update(readFileSync(path.join(src, f)));
    const cache = process.env.LOGQL_CHECK_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "mlops-platform");
    const bin = path.join(cache, `logql-check-${hash.digest("hex").slice(0, 16)}`);
    if (existsSync(bin)) return bin;
    mkdirSync(cache, { recursive: true });
    const res = run("go", ["build", "-mod=readonly", "-o", bin, "."], { cwd: src, timeout: 900_000 });
    if (res.status !== 0) throw new Error(`building tools/logql-check failed\n${res.report}`);
    return bin;
}

export interface LogqlFailure {
    readonly id: string;
    readonly error: string;
}

/** Parses every expression with Loki's parser; returns the failures and the raw run for messages. */
export function checkLogql(bin: string, items: { id: string; expr: string }[]): { failures: LogqlFailure[]; result: ToolResult } {
    const res = spawnSync(bin, [], { input: JSON.stringify(items), encoding: "utf8" });
    if (res.error) throw res.error;
    const result = { status: res.status, stdout: res.stdout, stderr: res.stderr, report: `$ logql-check\n(exit ${res.status})\n${res.stdout}${res.stderr}` };
    if (res.status !== 0 && res.status !== 1) throw new Error(`logql-check failed to run\n${result.report}`);
    return { failures: JSON.parse(res.stdout) as LogqlFailure[], result };
}
