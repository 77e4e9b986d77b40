/**
 * Local HTTP servers that answer like the services there is no package for (Loki, Grafana), plus
 * scrape targets and misbehaving endpoints, for the verify tests. Each answers with the service's
 * documented response format and records what it was asked.
 */
import * as http from "node:http";
import * as net from "node:net";
import { RunningServer } from "./realServers";

async function listen(server: http.Server | net.Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as net.AddressInfo).port;
}

function stopper(server: http.Server | net.Server, sockets: Set<net.Socket>): () => Promise<void> {
    return () =>
        new Promise((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
        });
}

async function serve(handler: http.RequestListener): Promise<RunningServer> {
    const server = http.createServer(handler);
    const sockets = new Set<net.Socket>();
    server.on("connection", (s) => (sockets.add(s), s.on("close", () => sockets.delete(s))));
    const port = await listen(server);
    return { url: `http://127.0.0.1:${port}`, stop: stopper(server, sockets) };
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
};

/** A scrape target that is always up. */
export const startMetricsTarget = () =>
    serve((_req, res) => {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        res.end("# TYPE verify_fixture_up gauge\nverify_fixture_up 1\n");
    });

export interface LogStream {
    readonly labels: Record<string, string>;
    /** Nanosecond epoch of the stream's one line. */
    readonly at: bigint;
}

/** LogQL stream selector (`{a="b", c=~"re", d!~"re"}`) as a predicate; Loki anchors regexes. */
export function selectorMatcher(selector: string): (labels: Record<string, string>) => boolean {
    const body = /^\{(.*)\}$/.exec(selector.trim());
    if (!body) throw new Error(`not a stream selector: ${selector}`);
    const matchers = [...body[1].matchAll(/(\w+)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")/g)].map(([, name, op, quoted]) => {
        const value = JSON.parse(quoted) as string;
        const re = new RegExp(`^(?:${value})$`);
        return (l: Record<string, string>) => {
            const v = l[name] ?? "";
            return op === "=" ? v === value : op === "!=" ? v !== value : op === "=~" ? re.test(v) : !re.test(v);
        };
    });
    return (labels) => matchers.every((m) => m(labels));
}

export interface FakeLoki extends RunningServer {
    /** Every request as path and query parameters. */
    readonly requests: { path: string; params: Record<string, string> }[];
}

/** Loki's query_range for log queries: streams whose line lies in [start, end], newest first. */
export async function startFakeLoki(streams: readonly LogStream[]): Promise<FakeLoki> {
    const requests: FakeLoki["requests"] = [];
    const server = await serve((req, res) => {
        const url = new URL(req.url ?? "/", "http://loki");
        const params = Object.fromEntries(url.searchParams);
        requests.push({ path: url.pathname, params });
        if (url.pathname !== "/loki/api/v1/query_range") return json(res, 404, { message: "404 page not found" });
        const start = BigInt(params.start);
        const end = BigInt(params.end);
        const matches = selectorMatcher(params.query);
        const result = streams
            .filter((s) => matches(s.labels) && s.at >= start && s.at <= end)
            .slice(0, Number(params.limit))
            .map((s) => ({ stream: s.labels, values: [[s.at.toString(), `level=info msg="fixture line"`]] }));
        json(res, 200, { status: "success", data: { resultType: "streams", result, stats: { summary: { totalEntriesReturned: result.length } } } });
    });
    return { ...server, requests };
}

/**
 * Grafana's datasource health API behind basic auth (a failing datasource answers 400 with status
 * ERROR), and its datasource proxy: `proxies` maps a datasource UID to the server it forwards to.
 */
export function startFakeGrafana(
    auth: { user: string; password: string },
    health: Record<string, { ok: boolean; message: string }>,
    proxies: Record<string, string> = {},
) {
    const expected = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`;
    return serve(async (req, res) => {
        if (req.headers.authorization !== expected) return json(res, 401, { message: "Invalid username or password" });
        const proxied = /^\/api\/datasources\/proxy\/uid\/([^/]+)(\/.*)$/.exec(req.url ?? "");
        if (proxied) {
            const target = proxies[decodeURIComponent(proxied[1])];
            if (!target) return json(res, 404, { message: "Data source not found" });
            const upstream = await fetch(`${target}${proxied[2]}`);
            res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
            return res.end(await upstream.text());
        }
        const m = /^\/api\/datasources\/uid\/([^/]+)\/health$/.exec(req.url ?? "");
        const ds = m ? health[decodeURIComponent(m[1])] : undefined;
        if (!ds) return json(res, 404, { message: "Data source not found" });
        json(res, ds.ok ? 200 : 400, { status: ds.ok ? "OK" : "ERROR", message: ds.message });
    });
}

/** Accepts connections and never answers: the case a deadline exists for. */
export async function startBlackhole(): Promise<RunningServer> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => (sockets.add(s), s.on("close", () => sockets.delete(s))));
    const port = await listen(server);
    return { url: `http://127.0.0.1:${port}`, stop: stopper(server, sockets) };
}

/** What an ingress behind a login proxy answers: a redirect to the login page. */
export const startRedirect = (location: string) =>
    serve((_req, res) => {
        res.writeHead(302, { location, "content-type": "text/html" });
        res.end(`<a href="${location}">Found</a>`);
    });

export interface AuthProxy extends RunningServer {
    /** The Authorization header of every request, as received ("" when absent). */
    readonly authorizations: string[];
}

/**
 * What ingress-nginx does with `auth-type: basic` in front of a service: a request without the
 * right `Authorization: Basic` header gets nginx's 401 page and a challenge for the realm; the
 * others are passed to `upstream` as they came.
 */
export async function startBasicAuthProxy(upstream: string, auth: { user: string; password: string }, realm: string): Promise<AuthProxy> {
    const expected = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`;
    const authorizations: string[] = [];
    const server = await serve(async (req, res) => {
        authorizations.push(req.headers.authorization ?? "");
        if (req.headers.authorization !== expected) {
            res.writeHead(401, { "content-type": "text/html", "www-authenticate": `Basic realm="${realm}"` });
            res.end(
                "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
            );
            return;
        }
        const answer = await fetch(`${upstream}${req.url ?? "/"}`, { headers: { accept: req.headers.accept ?? "*/*" } });
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
        res.end(await answer.text());
    });
    return { ...server, authorizations };
}

export interface SlackStandIn extends RunningServer {
    /** Every message posted, as Slack's incoming-webhook JSON. */
    readonly messages: Record<string, any>[];
}

/** A Slack incoming webhook: records each posted message and answers `ok` as Slack does. */
export async function startSlackStandIn(): Promise<SlackStandIn> {
    const messages: Record<string, any>[] = [];
    const server = await serve((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            messages.push(JSON.parse(body) as Record<string, any>);
            res.writeHead(200, { "content-type": "text/plain" });
            res.end("ok");
        });
    });
    return { ...server, messages };
}
