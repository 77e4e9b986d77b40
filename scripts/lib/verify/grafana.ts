/**
 * Grafana check: each of the env's datasources (UIDs from the outputs) answers. Prometheus and Loki
 * have Grafana's own health check; an Alertmanager datasource has none (no backend plugin), so it is
 * asked for Alertmanager's status through Grafana's datasource proxy.
 */
import { CheckResult } from "./report";
import { FormatError, VerifyContext, fail, guarded, pass } from "./context";
import { EndpointError, apiUrl, getJson } from "./http";

/** Grafana answers a failed datasource health check with 400 and the same JSON shape as a pass. */
const HEALTH_FAILED = 400;

const NO_CREDENTIALS = "no Grafana credentials: set GRAFANA_USER and GRAFANA_PASSWORD or pass --grafana-user/--grafana-password";

/** GET a Grafana API path as the admin; a missing datasource and bad credentials get their own messages. */
async function grafanaGet(ctx: VerifyContext, id: string, uid: string, apiPath: string, acceptStatuses: number[] = []) {
    const auth = ctx.grafanaAuth;
    if (!auth) return fail(id, NO_CREDENTIALS);
    try {
        return await getJson(apiUrl(ctx.bases.grafana, apiPath), ctx.http, { basicAuth: auth, acceptStatuses });
    } catch (err) {
        if (err instanceof EndpointError && err.status === 404) return fail(id, `Grafana has no datasource with uid ${uid}`);
        if (err instanceof EndpointError && (err.status === 401 || err.status === 403)) {
            return fail(id, `${err.message}: check the Grafana user and password (user ${auth.user})`);
        }
        throw err;
    }
}

const isResult = (x: unknown): x is CheckResult => typeof x === "object" && x !== null && "ok" in x && "id" in x;

async function alertmanagerDatasourceCheck(ctx: VerifyContext, id: string, uid: string): Promise<CheckResult> {
    const answer = await grafanaGet(ctx, id, uid, `/api/datasources/proxy/uid/${encodeURIComponent(uid)}/api/v2/status`);
    if (isResult(answer)) return answer;
    const version = (answer.body as { versionInfo?: { version?: string } }).versionInfo?.version;
    if (typeof version !== "string") throw new FormatError(`Alertmanager status through Grafana datasource ${uid}: no versionInfo in the answer`);
    return pass(id, `${uid}: Alertmanager ${version} answers through Grafana's proxy`);
}

async function datasourceCheck(ctx: VerifyContext, id: string, uid: string): Promise<CheckResult> {
    const answer = await grafanaGet(ctx, id, uid, `/api/datasources/uid/${encodeURIComponent(uid)}/health`, [HEALTH_FAILED]);
    if (isResult(answer)) return answer;
    const { status, message } = answer.body as { status?: string; message?: string };
    if (typeof status !== "string") throw new FormatError(`Grafana health of ${uid}: no status in the answer`);
    const evidence = `${uid}: ${status}${message ? ` (${message})` : ""}`;
    return status === "OK" && answer.status !== HEALTH_FAILED ? pass(id, evidence) : fail(id, evidence);
}

export function grafanaChecks(ctx: VerifyContext): Promise<CheckResult>[] {
    return Object.entries(ctx.outputs.grafanaDatasourceUids).map(([kind, uid]) =>
        guarded(`grafana.datasource.${kind}`, (id) => (kind === "alertmanager" ? alertmanagerDatasourceCheck(ctx, id, uid) : datasourceCheck(ctx, id, uid))),
    );
}
