/**
 * Parsers for the Kubernetes and Prometheus quantity formats the config accepts. They return
 * numbers (millicores, bytes, seconds) so the schema can compare values (requests <= limits,
 * retention size < volume size) and the plan can add up requests.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/** Kubernetes memory/storage quantity ("512Mi", "1Gi", "500M", "1073741824") to bytes; undefined if malformed. */
export function parseBytes(q: string): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(q);
    if (!m) return undefined;
    const unit = m[2] ?? "";
    const factor = BINARY[unit] ?? DECIMAL[unit];
    return Number(m[1]) * factor;
}

/** Kubernetes CPU quantity ("250m", "1", "0.5") to millicores; undefined if malformed. */
export function parseMillicores(q: string): number | undefined {
    const m = /^(\d+)m$/.exec(q);
    if (m) return Number(m[1]);
    if (/^\d+(\.\d{1,3})?$/.test(q)) return Math.round(Number(q) * 1000);
    return undefined;
}

/** Prometheus/Loki duration made of one unit ("15d", "168h", "30m") to seconds; undefined if malformed. */
export function parseDuration(d: string): number | undefined {
    const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(d);
    if (!m) return undefined;
    const n = Number(m[1]);
    const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
    return n > 0 ? n * unit[m[2]] : undefined;
}

/**
 * Prometheus duration in its full form, units largest first ("1m30s", "500ms", "0"), as the
 * operator's CRD pattern accepts it; to seconds, or undefined if malformed.
 */
export function parseCompoundDuration(d: string): number | undefined {
    const m = /^(?:0|(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?)$/.exec(d);
    if (!m || d === "") return undefined;
    const units = [31536000, 604800, 86400, 3600, 60, 1, 0.001];
    return units.reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * unit, 0);
}

/** Prometheus retention size ("8GiB", "500MB"); Prometheus uses base-2 units for both spellings. */
export function parsePrometheusBytes(s: string): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB|PB|KiB|MiB|GiB|TiB|PiB)$/.exec(s);
    if (!m) return undefined;
    const exp: Record<string, number> = { B: 0, K: 1, M: 2, G: 3, T: 4, P: 5 };
    return Number(m[1]) * 1024 ** exp[m[2][0]];
}

export function formatMillicores(m: number): string {
    return m % 1000 === 0 ? `${m / 1000}` : `${m}m`;
}

export function formatBytes(b: number): string {
    if (b >= 2 ** 30) return `${+(b / 2 ** 30).toFixed(2)}Gi`;
    return `${+(b / 2 ** 20).toFixed(1)}Mi`;
}
