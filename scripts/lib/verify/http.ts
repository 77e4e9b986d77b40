/**
 * The one way the verify checks talk to a service: GET a JSON document with a hard deadline and
 * turn every network, TLS, auth and format failure into a one-line message a user can act on.
 * Built on node:http(s) rather than fetch because fetch cannot take a CA file or skip verification
 * per request, and both are needed for ingresses with a private or self-signed certificate.
 */
import * as http from "node:http";
import * as https from "node:https";
import * as tls from "node:tls";

export interface HttpOptions {
    /** Deadline for the whole exchange (connect, headers and body). */
    readonly timeoutMs: number;
    /** PEM bundle (`--ca-file`, read and checked by the caller) trusted in addition to Node's own roots. */
    readonly ca?: Buffer;
    /** Accept any server certificate (self-signed ingress in a lab). */
    readonly insecure?: boolean;
}

export interface GetOptions {
    readonly basicAuth?: { readonly user: string; readonly password: string };
    /** HTTP statuses whose JSON body is a normal answer (Grafana's failed health check is a 400). */
    readonly acceptStatuses?: readonly number[];
}

/** A failure reaching or understanding a service; `message` is meant for the report as is. */
export class EndpointError extends Error {
    constructor(
        message: string,
        readonly status?: number,
    ) {
        super(message);
        this.name = "EndpointError";
    }
}

/** Bodies above this are not a sane API answer; stop reading rather than fill memory. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const TLS_HINT = "pass --ca-file <pem> with the ingress CA, or --insecure to skip verification";

/** Node's codes for certificate problems (the set undici and tls share). */
function isTlsError(code: string): boolean {
    return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO/.test(code);
}

function describeNetworkError(url: URL, err: NodeJS.ErrnoException, timeoutMs: number): string {
    const where = `${url.origin}`;
    if (err.name === "TimeoutError" || err.name === "AbortError") return `${where}: no answer within ${timeoutMs / 1000} s`;
    const code = err.code ?? "";
    if (code === "ECONNREFUSED") return `${where}: connection refused (is the service or your kubectl port-forward running?)`;
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
        const inCluster = url.hostname.endsWith(".svc.cluster.local")
            ? "; cluster DNS names only resolve inside the cluster, use --via ingress or --<service>-url with a port-forward"
            : "";
        return `${where}: host ${url.hostname} not found${inCluster}`;
    }
    if (code === "ECONNRESET" || code === "EPIPE") return `${where}: connection closed by the server (${code})`;
    if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return `${where}: host unreachable (${code})`;
    if (isTlsError(code)) return `${where}: TLS error ${code}: ${err.message}; ${TLS_HINT}`;
    return `${where}: ${code ? `${code}: ` : ""}${err.message}`;
}

function describeStatus(url: URL, status: number, body: string, location?: string): string {
    if (location && status >= 300 && status < 400) return `${url.origin}${url.pathname}: redirected (HTTP ${status}) to ${location}; give the final URL`;
    if (status === 401 || status === 403) return `${url.origin}: authentication failed (HTTP ${status}) for ${url.pathname}`;
    const snippet = body.replace(/\s+/g, " ").trim().slice(0, 200);
    return `${url.origin}${url.pathname}: HTTP ${status}${snippet ? `: ${snippet}` : ""}`;
}

/** GET `url` and parse its JSON body. Throws EndpointError only. */
export async function getJson(url: URL, opts: HttpOptions, get: GetOptions = {}): Promise<{ status: number; body: unknown }> {
    const isHttps = url.protocol === "https:";
    if (!isHttps && url.protocol !== "http:") throw new EndpointError(`${url.href}: only http and https URLs are supported`);
    const headers: Record<string, string> = { accept: "application/json" };
    if (get.basicAuth) headers.authorization = `Basic ${Buffer.from(`${get.basicAuth.user}:${get.basicAuth.password}`).toString("base64")}`;
    const ca = isHttps ? opts.ca : undefined;
    const signal = AbortSignal.timeout(opts.timeoutMs);
    const { status, text, contentType, location } = await new Promise<{ status: number; text: string; contentType: string; location?: string }>(
        (resolve, reject) => {
            const onError = (err: NodeJS.ErrnoException) => reject(new EndpointError(describeNetworkError(url, err, opts.timeoutMs)));
            const request = isHttps
                ? https.request(url, {
                      method: "GET",
                      headers,
                      signal,
                      // Extra CA on top of the system roots, as NODE_EXTRA_CA_CERTS would do.
                      ca: ca ? [...tls.rootCertificates, ca] : undefined,
                      rejectUnauthorized: !opts.insecure,
                  })
                : http.request(url, { method: "GET", headers, signal });
            request.on("error", onError);
            request.on("response", (res) => {
                const chunks: Buffer[] = [];
                let size = 0;
                res.on("data", (chunk: Buffer) => {
                    size += chunk.length;
                    if (size > MAX_BODY_BYTES) request.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
                    else chunks.push(chunk);
                });
                res.on("error", onError);
                res.on("end", () =>
                    resolve({
                        status: res.statusCode ?? 0,
                        text: Buffer.concat(chunks).toString("utf8"),
                        contentType: String(res.headers["content-type"] ?? ""),
                        location: res.headers.location,
                    }),
                );
            });
            request.end();
        },
    );
    const accepted = (status >= 200 && status < 300) || (get.acceptStatuses ?? []).includes(status);
    let body: unknown;
    try {
        body = JSON.parse(text);
    } catch {
        if (!accepted) throw new EndpointError(describeStatus(url, status, text, location), status);
        throw new EndpointError(
            `${url.origin}${url.pathname}: expected JSON, got ${contentType || "an unknown content type"} (is the URL the right service?)`,
            status,
        );
    }
    if (!accepted) throw new EndpointError(describeStatus(url, status, typeof body === "object" ? JSON.stringify(body) : text, location), status);
    return { status, body };
}

/** `base` joined with an API path and query parameters; keeps a path prefix in `base` (ingress sub-paths). */
export function apiUrl(base: string, path: string, params: Record<string, string> = {}): URL {
    const url = new URL(base.replace(/\/+$/, "") + path);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
}
