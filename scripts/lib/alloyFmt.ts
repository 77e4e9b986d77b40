/**
 * Alloy's own parser and printer, the code `alloy fmt` runs (tools/alloy-fmt, Go, test tooling
 * only, from the github.com/grafana/alloy/syntax module): the whole Alloy module, which `alloy
 * validate` needs, pulls about a thousand modules and is no test tool.
 */
import { spawnSync } from "node:child_process";
import { goTool } from "./goTool";

/** tools/alloy-fmt as goTool builds it. */
export const ALLOY_FMT = { tool: "alloy-fmt", what: "Alloy's configuration parser and printer", cacheEnv: "ALLOY_FMT_CACHE" } as const;

export function alloyFormatter(): string {
    return goTool(ALLOY_FMT.tool, ALLOY_FMT.what, ALLOY_FMT.cacheEnv);
}

export interface AlloyFmtResult {
    readonly status: number | null;
    /** The file as `alloy fmt` prints it. */
    readonly formatted: string;
    readonly report: string;
}

/** Formats an Alloy file; `helmTpl` first renders it as Helm's `tpl` renders the chart's config content. */
export function alloyFmt(bin: string, content: string, opts: { helmTpl?: boolean } = {}): AlloyFmtResult {
    const args = opts.helmTpl ? ["-helm-tpl"] : [];
    const res = spawnSync(bin, args, { input: content, encoding: "utf8" });
    if (res.error) throw res.error;
    return { status: res.status, formatted: res.stdout, report: `$ alloy-fmt ${args.join(" ")}\n(exit ${res.status})\n${res.stdout}${res.stderr}` };
}
