/**
 * Loki's own LogQL parser as a command (tools/logql-check, Go, test tooling only): built once per
 * source version into a cache directory and fed expressions as JSON on stdin.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

const SOURCE = path.resolve(__dirname, "..", "..", "tools", "logql-check");

function goBinary(): string {
    for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/local/go/bin"]) {
        if (dir && existsSync(path.join(dir, "go"))) return path.join(dir, "go");
    }
    throw new Error(
        "go is required to build tools/logql-check (Loki's LogQL parser) but was not found on PATH or in /usr/local/go/bin: install Go from https://go.dev/dl/",
    );
}

/** Path of the checker binary, built if this source version has no cached build yet. */
export function logqlChecker(): string {
    const hash = createHash("sha256");
    for (const f of ["go.mod", "go.sum", "main.go"]) hash.update(readFileSync(path.join(SOURCE, f)));
    const cache = process.env.LOGQL_CHECK_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "mlops-platform");
    const bin = path.join(cache, `logql-check-${hash.digest("hex").slice(0, 16)}`);
    if (existsSync(bin)) return bin;
    mkdirSync(cache, { recursive: true });
    const go = goBinary();
    // Build into a temp name and rename, so an interrupted build never leaves a broken binary.
    const tmp = `${bin}.partial-${process.pid}`;
    const res = spawnSync(go, ["build", "-mod=readonly", "-o", tmp, "."], {
        cwd: SOURCE,
        encoding: "utf8",
        timeout: 900_000,
        env: { ...process.env, PATH: `${path.dirname(go)}${path.delimiter}${process.env.PATH ?? ""}` },
    });
    if (res.error || res.status !== 0) {
        throw new Error(`building tools/logql-check failed (exit ${res.status})\n${res.error?.message ?? ""}${res.stdout}${res.stderr}`);
    }
    renameSync(tmp, bin);
    return bin;
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
