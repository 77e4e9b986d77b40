/** Check results and their two renderings: one line per check for people, a JSON document for machines. */

export interface CheckResult {
    /** Stable identifier, `<service>.<what>`. */
    readonly id: string;
    readonly ok: boolean;
    /** What was seen: the evidence for a pass, the reason (with names) for a failure. */
    readonly evidence: string;
}

export interface Report {
    readonly env: string;
    readonly ok: boolean;
    readonly summary: { readonly passed: number; readonly failed: number };
    /** Base URL each service was checked at. */
    readonly targets: Readonly<Record<string, string>>;
    readonly checks: readonly CheckResult[];
}

export function buildReport(env: string, targets: Record<string, string>, checks: CheckResult[]): Report {
    const failed = checks.filter((c) => !c.ok).length;
    return { env, ok: failed === 0, summary: { passed: checks.length - failed, failed }, targets, checks };
}

export function formatText(report: Report): string {
    const width = Math.max(...report.checks.map((c) => c.id.length));
    const where = Object.entries(report.targets)
        .map(([service, base]) => `${service} ${base}`)
        .join(", ");
    const lines = [`env ${report.env}: ${where}`];
    lines.push(...report.checks.map((c) => `${c.ok ? "PASS" : "FAIL"}  ${c.id.padEnd(width)}  ${c.evidence}`));
    const verdict = report.ok ? "all checks passed" : `${report.summary.failed} of ${report.checks.length} checks failed`;
    lines.push(`${report.summary.passed} passed, ${report.summary.failed} failed: env ${report.env}, ${verdict}`);
    return `${lines.join("\n")}\n`;
}

export function formatJson(report: Report): string {
    return `${JSON.stringify(report, null, 2)}\n`;
}
