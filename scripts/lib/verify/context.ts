/** Everything a check needs: where each service answers, how to talk to it, and the env's scope. */
import { CheckResult } from "./report";
import { EndpointError, HttpOptions, getJson } from "./http";
import { IngressAuth } from "./ingressAuth";
import { VerifyOutputs } from "./outputs";
import { EnvScope } from "./scope";

export type Service = "prometheus" | "alertmanager" | "loki" | "grafana";

export interface VerifyContext {
    readonly scope: EnvScope;
    readonly outputs: VerifyOutputs;
    /** Base URL per service (ingress, in-cluster or a port-forward override). */
    readonly bases: Readonly<Record<Service, string>>;
    readonly http: HttpOptions;
    readonly grafanaAuth?: { readonly user: string; readonly password: string };
    /** What Prometheus, Alertmanager and Loki are sent for their ingresses' login. */
    readonly ingressAuth: IngressAuth;
    /** Epoch milliseconds; a parameter so the Loki window can be asserted exactly. */
    readonly now: () => number;
}

/**
 * GET a JSON API of Prometheus, Alertmanager or Loki with the ingress credentials, if any. A refusal
 * or a redirect (a login page) says what was sent, or why nothing was.
 */
export async function ingressGetJson(ctx: VerifyContext, url: URL): Promise<{ status: number; body: unknown }> {
    try {
        return await getJson(url, ctx.http, { basicAuth: ctx.ingressAuth.credentials });
    } catch (err) {
        const status = err instanceof EndpointError ? (err.status ?? 0) : 0;
        const refused = status === 401 || status === 403 || (status >= 300 && status < 400);
        if (refused && ctx.ingressAuth.note) throw new EndpointError(`${(err as Error).message}; ${ctx.ingressAuth.note}`, status);
        throw err;
    }
}

export const pass = (id: string, evidence: string): CheckResult => ({ id, ok: true, evidence });
export const fail = (id: string, evidence: string): CheckResult => ({ id, ok: false, evidence });

/**
 * Runs one check; an endpoint or format failure becomes that check's failure with the message as
 * evidence, so one unreachable service never hides the other services' results.
 */
export async function guarded(id: string, check: (id: string) => Promise<CheckResult>): Promise<CheckResult> {
    try {
        return await check(id);
    } catch (err) {
        if (err instanceof EndpointError || err instanceof FormatError) return fail(id, err.message);
        return fail(id, `unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    }
}

/** A service answered, but not with the documented shape. */
export class FormatError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "FormatError";
    }
}

export const list = (items: readonly string[]) => (items.length ? items.join(", ") : "none");
