/**
 * Alloy's own parser and printer, the code `alloy fmt` runs (tools/alloy-fmt, Go, test tooling
 * only, from the github.com/grafana/alloy/syntax module): the whole Alloy module, which `alloy
 * validate` needs, pulls about a thousand modules and is no test tool.
 */
import { spawnSync } from "node:child_process";
import { goTool } from "./goTool";

export function alloyFormatter(): string {
    return goTool("alloy-fmt", "Alloy's configuration parser and printer", "ALLOY_FMT_CACHE");
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
