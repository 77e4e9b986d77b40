/**
 * Loki checks over the last hour, always as range queries (`query_range` with nanosecond
 * `start`/`end`): an instant log query only looks at one moment and finds nothing, which is how
 * the original platform's log checks "passed" on an empty Loki.
 */
import { CheckResult } from "./report";
import { FormatError, VerifyContext, fail, guarded, ingressGetJson, list, pass } from "./context";
import { apiUrl } from "./http";

export const LOKI_WINDOW_MS = 60 * 60 * 1000;
/** Enough lines to name every other-env namespace that logged; one is a leak already. */
export const FOREIGN_STREAM_LIMIT = 1000;

const NS_PER_MS = 1_000_000n;

interface Stream {
    stream: Record<string, string>;
    values: [string, string][];
}

/** The window as Loki's nanosecond epoch strings. */
export function lokiWindow(nowMs: number, windowMs = LOKI_WINDOW_MS): { start: string; end: string } {
    const end = BigInt(Math.floor(nowMs)) * NS_PER_MS;
    return { start: (end - BigInt(windowMs) * NS_PER_MS).toString(), end: end.toString() };
}

async function streams(ctx: VerifyContext, query: string, limit: number): Promise<Stream[]> {
    const params = { query, ...lokiWindow(ctx.now()), direction: "backward", limit: String(limit) };
    const { body } = await ingressGetJson(ctx, apiUrl(ctx.bases.loki, "/loki/api/v1/query_range", params));
    const doc = body as { status?: string; data?: { resultType?: string; result?: unknown } };
    if (doc.status !== "success" || doc.data?.resultType !== "streams" || !Array.isArray(doc.data.result)) {
        throw new FormatError(`Loki query_range ${query}: expected status success with resultType streams`);
    }
    return doc.data.result as Stream[];
}

const quote = (s: string) => JSON.stringify(s);

async function envStreamsCheck(ctx: VerifyContext, id: string, required: readonly string[]): Promise<CheckResult> {
    // One query per namespace: a shared line limit would let a chatty namespace hide a quiet one.
    const found = await Promise.all(required.map(async (ns) => (await streams(ctx, `{namespace=${quote(ns)}}`, 1)).length > 0));
    const missing = required.filter((_, i) => !found[i]);
    if (missing.length) return fail(id, `no log streams in the last hour for: ${list(missing)} (found: ${list(required.filter((_, i) => found[i]))})`);
    return pass(id, `streams in the last hour for: ${list(required)}`);
}

async function foreignStreamsCheck(ctx: VerifyContext, id: string): Promise<CheckResult> {
    // `namespace=~".+"` keeps the selector valid: Loki rejects selectors that all match the empty value.
    const query = `{namespace=~".+",namespace!~${quote(ctx.scope.allowedNamespacePattern)}}`;
    const result = await streams(ctx, query, FOREIGN_STREAM_LIMIT);
    const leaked = ctx.scope.leaked(result.map((s) => s.stream.namespace).filter((ns): ns is string => !!ns));
    if (leaked.length) return fail(id, `streams of other namespaces in the last hour: ${list(leaked)}`);
    return pass(id, "no streams outside the env's namespaces and kube-system in the last hour");
}

export function lokiChecks(ctx: VerifyContext, requiredNamespaces: readonly string[]): Promise<CheckResult>[] {
    return [
        guarded("loki.env-streams", (id) => envStreamsCheck(ctx, id, requiredNamespaces)),
        guarded("loki.other-env-streams", (id) => foreignStreamsCheck(ctx, id)),
    ];
}
