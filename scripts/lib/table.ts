/** A plain-text table for the benchmarks: columns padded to their widest cell, no trailing spaces. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [header, ...rows]
        .map((row) =>
            row
                .map((c, i) => c.padEnd(widths[i]))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}
