/**
 * Semantic versions as the prometheus-operator writes them: `0.93.1` in its CRDs'
 * `operator.prometheus.io/version` annotation, `v0.93.1` as a chart's appVersion. Only what the
 * program compares: MAJOR.MINOR.PATCH with an optional `v`, an optional pre-release (which sorts
 * before its release, compared identifier by identifier as semver.org says) and build metadata
 * (ignored).
 */

export interface Version {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    /** Dot-separated pre-release identifiers; empty for a release. */
    readonly prerelease: readonly string[];
}

const NUMERIC = /^(0|[1-9]\d*)$/;
const IDENTIFIER = /^[0-9A-Za-z-]+$/;
const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** The version `text` holds, or undefined if it is not one. */
export function parseVersion(text: string): Version | undefined {
    const m = VERSION.exec(text.trim());
    if (!m) return undefined;
    const prerelease = m[4] === undefined ? [] : m[4].split(".");
    // Numeric identifiers have no leading zeros; every identifier is non-empty.
    if (prerelease.some((id) => !IDENTIFIER.test(id) || (/^\d+$/.test(id) && !NUMERIC.test(id)))) return undefined;
    return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease };
}

function compareIdentifiers(a: string, b: string): number {
    const an = NUMERIC.test(a);
    const bn = NUMERIC.test(b);
    if (an && bn) return Math.sign(Number(a) - Number(b));
    // Numeric identifiers sort before alphanumeric ones.
    if (an !== bn) return an ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b`. */
export function compareVersions(a: Version, b: Version): number {
    for (const key of ["major", "minor", "patch"] as const) {
        if (a[key] !== b[key]) return Math.sign(a[key] - b[key]);
    }
    if (a.prerelease.length === 0 || b.prerelease.length === 0) return Math.sign(b.prerelease.length - a.prerelease.length);
    for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
        const c = compareIdentifiers(a.prerelease[i]!, b.prerelease[i]!);
        if (c !== 0) return c;
    }
    return Math.sign(a.prerelease.length - b.prerelease.length);
}

/** Whether `found` is `required` or newer; a `found` that is no version never is. */
export function isAtLeast(found: string, required: string): boolean {
    const f = parseVersion(found);
    const r = parseVersion(required);
    if (!r) throw new Error(`not a version: ${JSON.stringify(required)}`);
    return f !== undefined && compareVersions(f, r) >= 0;
}
