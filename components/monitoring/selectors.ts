/**
 * PromQL/LogQL label selector from a matcher map. A value prefix picks the operator:
 * `~` regex, `!~` negative regex, `!` not equal; anything else is an equality.
 */
export function sel(matchers: Record<string, string>): string {
    const one = ([k, v]: [string, string]): string => {
        for (const [prefix, op] of [
            ["!~", "!~"],
            ["~", "=~"],
            ["!", "!="],
        ] as const) {
            if (v.startsWith(prefix)) return `${k}${op}${JSON.stringify(v.slice(prefix.length))}`;
        }
        return `${k}=${JSON.stringify(v)}`;
    };
    return `{${Object.entries(matchers).map(one).join(",")}}`;
}
