/** Grafana check: each of the env's datasources (UIDs from the outputs) passes Grafana's own health check. */
import { CheckResult } from "./report";
import { FormatError, VerifyContext, fail, guarded, pass } from "./context";
import { EndpointError, apiUrl, getJson } from "./http";

/** Grafana answers a failed datasource health check with 400 and the same JSON shape as a pass. */
const HEALTH_FAILED = 400;

async function datasourceCheck(ctx: VerifyContext, id: string, uid: string): Promise<CheckResult> {
    const auth = ctx.grafanaAuth;
    if (!auth) return fail(id, "no Grafana credentials: set GRAFANA_USER and GRAFANA_PASSWORD or pass --grafana-user/--grafana-password");
    let answer;
    try {
        answer = await getJson(apiUrl(ctx.bases.grafana, `/api/datasources/uid/${encodeURIComponent(uid)}/health`), ctx.http, {
            basicAuth: auth,
            acceptStatuses: [HEALTH_FAILED],
        });
    } catch (err) {
        if (err instanceof EndpointError && err.status === 404) return fail(id, `Grafana has no datasource with uid ${uid}`);
        if (err instanceof EndpointError && (err.status === 401 || err.status === 403)) {
            return fail(id, `${err.message}: check the Grafana user and password (user ${auth.user})`);
        }
        throw err;
    }
    const { status, message } = answer.body as { status?: string; message?: string };
    if (typeof status !== "string") throw new FormatError(`Grafana health of ${uid}: no status in the answer`);
    const evidence = `${uid}: ${status}${message ? ` (${message})` : ""}`;
    return status === "OK" && answer.status !== HEALTH_FAILED ? pass(id, evidence) : fail(id, evidence);
}

export function grafanaChecks(ctx: VerifyContext): Promise<CheckResult>[] {
    return Object.entries(ctx.outputs.grafanaDatasourceUids).map(([kind, uid]) => guarded(`grafana.datasource.${kind}`, (id) => datasourceCheck(ctx, id, uid)));
}
