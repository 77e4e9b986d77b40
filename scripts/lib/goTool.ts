/**
 * Test tooling written in Go (tools/<name>: a field's own validator as a small command), built once
 * per source version into a cache directory keyed by its go.mod, go.sum and main.go.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

const TOOLS = path.resolve(__dirname, "..", "..", "tools");

function goBinary(tool: string, what: string): string {
    for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/local/go/bin"]) {
        if (dir && existsSync(path.join(dir, "go"))) return path.join(dir, "go");
    }
    throw new Error(`go is required to build tools/${tool} (${what}) but was not found on PATH or in /usr/local/go/bin: install Go from https://go.dev/dl/`);
}

/** Where tools/<tool>'s binary for this source version is cached (it may not be built yet); `cacheEnv` overrides the cache dir. */
export function goToolPath(tool: string, cacheEnv: string): string {
    const hash = createHash("sha256");
    for (const f of ["go.mod", "go.sum", "main.go"]) hash.update(readFileSync(path.join(TOOLS, tool, f)));
    const cache = process.env[cacheEnv] ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "mlops-platform");
    return path.join(cache, `${tool}-${hash.digest("hex").slice(0, 16)}`);
}

/** Path of tools/<tool>'s binary, built if this source version has no cached build yet; `cacheEnv` overrides the cache dir. */
export function goTool(tool: string, what: string, cacheEnv: string): string {
    const source = path.join(TOOLS, tool);
    const bin = goToolPath(tool, cacheEnv);
    if (existsSync(bin)) return bin;
    const cache = path.dirname(bin);
    mkdirSync(cache, { recursive: true });
    const go = goBinary(tool, what);
    // Build into a temp name and rename, so an interrupted build never leaves a broken binary.
    const tmp = `${bin}.partial-${process.pid}`;
    const res = spawnSync(go, ["build", "-mod=readonly", "-o", tmp, "."], {
        cwd: source,
        encoding: "utf8",
        timeout: 900_000,
        env: { ...process.env, PATH: `${path.dirname(go)}${path.delimiter}${process.env.PATH ?? ""}` },
    });
    if (res.error || res.status !== 0) {
        throw new Error(`building tools/${tool} failed (exit ${res.status})\n${res.error?.message ?? ""}${res.stdout}${res.stderr}`);
    }
    renameSync(tmp, bin);
    return bin;
}
