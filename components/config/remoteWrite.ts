/**
 * `monitoring.prometheus.remoteWrite`: where an env's Prometheus sends its series beyond its own TSDB
 * (an existing Grafana Mimir, Thanos Receive or Cortex), and the credentials of each target, which
 * come only from the secret key `prometheusRemoteWriteAuth`. Everything is checked here, before
 * anything is created: a target Prometheus would refuse only shows up as a stuck operator otherwise.
 */
import { DNS_LABEL } from "./fields";
import { parseCompoundDuration } from "./quantities";
import { ObjectReader, describeValue, isPlainObject } from "./reader";

/** The secret config key holding every target's credentials, keyed by target name. */
export const REMOTE_WRITE_AUTH_KEY = "prometheusRemoteWriteAuth";

export type RemoteWriteAuth = "none" | "basic" | "bearer";

/** Secret fields each auth kind needs, in `prometheusRemoteWriteAuth.<target>`. */
export const AUTH_FIELDS = { basic: ["username", "password"], bearer: ["token"] } as const;

export type RemoteWriteCredentials = { readonly username: string; readonly password: string } | { readonly token: string };

export const RELABEL_ACTIONS = [
    "replace",
    "keep",
    "drop",
    "hashmod",
    "labelmap",
    "labeldrop",
    "labelkeep",
    "lowercase",
    "uppercase",
    "keepequal",
    "dropequal",
] as const;
export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

/** One write relabeling, in the operator's RelabelConfig field names. */
export interface RelabelRule {
    readonly action: RelabelAction;
    readonly sourceLabels?: readonly string[];
    readonly separator?: string;
    readonly targetLabel?: string;
    readonly regex?: string;
    readonly modulus?: number;
    readonly replacement?: string;
}

/** The operator's QueueConfig; an unset field keeps Prometheus's default. */
export interface RemoteWriteQueue {
    readonly capacity?: number;
    readonly minShards?: number;
    readonly maxShards?: number;
    readonly maxSamplesPerSend?: number;
    readonly batchSendDeadline?: string;
    readonly minBackoff?: string;
    readonly maxBackoff?: string;
    readonly retryOnRateLimit?: boolean;
    readonly sampleAgeLimit?: string;
}

export interface RemoteWriteTarget {
    /** Queue name in Prometheus's metrics and the target's entry in `prometheusRemoteWriteAuth`. */
    readonly name: string;
    readonly url: string;
    readonly auth: RemoteWriteAuth;
    /** Plain request headers, such as the tenant (`X-Scope-OrgID`) of Mimir or Cortex. */
    readonly headers: Readonly<Record<string, string>>;
    readonly queueConfig: RemoteWriteQueue;
    readonly writeRelabelConfigs: readonly RelabelRule[];
}

/** Prometheus 3's remote-write queue defaults, against which a partly set queue is checked. */
export const PROMETHEUS_QUEUE_DEFAULTS = {
    capacity: 10000,
    minShards: 1,
    maxShards: 50,
    maxSamplesPerSend: 2000,
    minBackoff: "30ms",
    maxBackoff: "5s",
} as const;

/** Headers Prometheus sets itself and refuses in `headers` (prometheus/config reservedHeaders), plus Authorization. */
const RESERVED_HEADERS = new Set([
    "authorization",
    "host",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "accept-encoding",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
]);
/** Header names that carry a credential: those belong in secret config, never in a plain header. */
const CREDENTIAL_HEADER = /(auth|token|secret|password|api-?key|cookie|session)/i;
const HTTP_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Keys that would put a credential into the plain stack file. */
const CREDENTIAL_KEYS = [
    "basicAuth",
    "authorization",
    "bearerToken",
    "bearerTokenFile",
    "username",
    "password",
    "token",
    "credentials",
    "oauth2",
    "sigv4",
    "azureAd",
];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A target label may be built from capture groups (`${1}_total`), as Prometheus's relabel config allows. */
const TARGET_LABEL = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;
/** kube-prometheus-stack renders remoteWrite through Helm's `tpl`: a `{{` would be run as a template. */
const TEMPLATE = "{{";
const noTemplate = (v: string) => !v.includes(TEMPLATE);

/**
 * RE2 (Go's regexp, which Prometheus uses) checked with JavaScript's engine: flag groups such as
 * `(?i)` become plain groups, `(?P<name>` a named one, and the constructs RE2 lacks (lookaround,
 * backreferences) are refused.
 */
export function isRe2Regex(v: string): boolean {
    if (/\(\?<?[=!]|\\[1-9]/.test(v)) return false;
    try {
        new RegExp(
            v
                .replace(/\(\?[imsU]+\)/g, "")
                .replace(/\(\?[imsU]*(-[imsU]+)?:/g, "(?:")
                .replace(/\(\?P</g, "(?<"),
        );
        return true;
    } catch {
        return false;
    }
}

/** Reads `monitoring.prometheus.remoteWrite`. */
export function readRemoteWrite(pr: ObjectReader): RemoteWriteTarget[] {
    const seen = new Set<string>();
    return pr.objectList("remoteWrite").map((t) => {
        const name = t.string("name", {
            required: true,
            pattern: DNS_LABEL,
            expected: "a name for the target (lowercase letters, digits and hyphens, such as mimir); it keys the target's entry in prometheusRemoteWriteAuth",
        });
        if (name && seen.has(name)) t.problems.add(t.keyOf("name"), "a name no other remote-write target of the env uses", describeValue(name));
        seen.add(name);
        const target = {
            name,
            url: readUrl(t),
            auth: t.string("auth", {
                expected:
                    'how the target authenticates: "none", "basic" (username and password) or "bearer" (a token), the credentials set in secret config prometheusRemoteWriteAuth',
                oneOf: ["none", "basic", "bearer"],
                default: "none",
            }) as RemoteWriteAuth,
            headers: readHeaders(t.object("headers")),
            queueConfig: readQueue(t.object("queueConfig")),
            writeRelabelConfigs: t.objectList("writeRelabelConfigs").map(readRelabel),
        };
        for (const key of CREDENTIAL_KEYS.filter((k) => t.has(k))) {
            t.problems.add(
                t.keyOf(key),
                `no credentials in plain config (set auth and pulumi config set --secret --path ${REMOTE_WRITE_AUTH_KEY}.${name || "<name>"}.<field>)`,
                "a plaintext value (not shown)",
            );
            t.raw(key);
        }
        t.done();
        return target;
    });
}

function readUrl(t: ObjectReader): string {
    const expected = "an https:// URL of the remote-write endpoint (for example https://mimir.example.com/api/v1/push)";
    if (!t.has("url")) return t.string("url", { expected, required: true });
    const raw = t.raw("url");
    const url = typeof raw === "string" ? parseUrl(raw) : undefined;
    if (url && (url.username || url.password)) {
        t.problems.add(t.keyOf("url"), `a URL without credentials (set them in secret config ${REMOTE_WRITE_AUTH_KEY})`, "a URL with credentials (not shown)");
    } else if (!url || url.protocol !== "https:" || !url.hostname || url.hash || !noTemplate(String(raw)) || /\s/.test(String(raw))) {
        t.problems.add(t.keyOf("url"), expected, describeValue(raw));
    }
    return typeof raw === "string" ? raw : "";
}

function parseUrl(v: string): URL | undefined {
    try {
        return new URL(v);
    } catch {
        return undefined;
    }
}

function readHeaders(h: ObjectReader): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of h.keys()) {
        const key = h.keyOf(name);
        // The value of a refused header is never read: it may well be a credential.
        if (!HTTP_TOKEN.test(name)) {
            h.problems.add(key, "an HTTP header name", describeValue(name));
            continue;
        }
        if (RESERVED_HEADERS.has(name.toLowerCase())) {
            h.problems.add(
                key,
                "a header Prometheus does not set itself (credentials go in secret config with auth basic or bearer)",
                `reserved header "${name}"`,
            );
            continue;
        }
        if (CREDENTIAL_HEADER.test(name)) {
            h.problems.add(key, `no credential in a plain header (use auth with secret config ${REMOTE_WRITE_AUTH_KEY})`, "a plaintext value (not shown)");
            continue;
        }
        out[name] = h.string(name, {
            expected: 'a header value on one line without "{{", such as a tenant id',
            required: true,
            check: (v) => v.trim() !== "" && !/[\r\n]/.test(v) && noTemplate(v),
        });
    }
    return out;
}

const QUEUE_KEYS = [
    "capacity",
    "minShards",
    "maxShards",
    "maxSamplesPerSend",
    "batchSendDeadline",
    "minBackoff",
    "maxBackoff",
    "retryOnRateLimit",
    "sampleAgeLimit",
] as const satisfies readonly (keyof RemoteWriteQueue)[];

function readQueue(q: ObjectReader): RemoteWriteQueue {
    q.declare(...QUEUE_KEYS);
    // A bad count is reported here and left out of the checks between settings below.
    const count = (name: keyof RemoteWriteQueue, what: string) => {
        const n = q.has(name) ? q.int(name, { expected: `a whole number of at least 1 (${what})`, min: 1 }) : 0;
        return n >= 1 ? n : undefined;
    };
    const dur = (name: keyof RemoteWriteQueue, what: string, positive = false) =>
        q.has(name)
            ? q.string(name, {
                  expected: `a ${what} duration such as "30s" or "100ms" (units y, w, d, h, m, s, ms, largest first)`,
                  check: (v) => {
                      const seconds = parseCompoundDuration(v);
                      return seconds !== undefined && (!positive || seconds > 0);
                  },
              })
            : undefined;
    const queue: RemoteWriteQueue = {
        capacity: count("capacity", "samples buffered per shard"),
        minShards: count("minShards", "parallel senders at least"),
        maxShards: count("maxShards", "parallel senders at most"),
        maxSamplesPerSend: count("maxSamplesPerSend", "samples per request"),
        batchSendDeadline: dur("batchSendDeadline", "positive batch send deadline", true),
        minBackoff: dur("minBackoff", "minimum retry backoff"),
        maxBackoff: dur("maxBackoff", "maximum retry backoff"),
        retryOnRateLimit: q.has("retryOnRateLimit") ? q.bool("retryOnRateLimit", { expected: "true or false" }) : undefined,
        sampleAgeLimit: dur("sampleAgeLimit", "sample age limit"),
    };
    q.done();
    // Settings that bound each other, each as given or Prometheus's default; a set one is blamed first.
    const d = PROMETHEUS_QUEUE_DEFAULTS;
    type Bounded = keyof typeof d;
    const value = (k: Bounded) => queue[k] ?? d[k];
    const measure = (v: string | number) => (typeof v === "number" ? v : parseCompoundDuration(v));
    const bound = (first: Bounded, relation: "at most" | "at least", second: Bounded) => {
        const a = measure(value(first));
        const b = measure(value(second));
        if (a === undefined || b === undefined || (relation === "at most" ? a <= b : a >= b)) return;
        const key = queue[first] !== undefined ? first : second;
        q.problems.add(
            q.keyOf(key),
            `${first} (${value(first)}) ${relation} ${second} (${value(second)}; Prometheus defaults: ${first} ${d[first]}, ${second} ${d[second]})`,
            describeValue(queue[key]),
        );
    };
    bound("minShards", "at most", "maxShards");
    // A shard sends when its batch is full: a batch larger than the buffer never fills.
    bound("capacity", "at least", "maxSamplesPerSend");
    bound("minBackoff", "at most", "maxBackoff");
    return Object.fromEntries(Object.entries(queue).filter(([, v]) => v !== undefined)) as RemoteWriteQueue;
}

/** Which fields each relabel action needs and which it ignores (Prometheus refuses the ignored ones for labeldrop/labelkeep). */
const NEEDS_TARGET = new Set<RelabelAction>(["replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal"]);
const NEEDS_SOURCE = new Set<RelabelAction>(["keep", "drop", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal"]);
const LABEL_SET_ACTIONS = new Set<RelabelAction>(["labeldrop", "labelkeep"]);

function readRelabel(r: ObjectReader): RelabelRule {
    r.declare("sourceLabels", "separator", "targetLabel", "regex", "modulus", "replacement");
    const action = r.string("action", {
        expected: `one of ${RELABEL_ACTIONS.join(", ")}`,
        oneOf: RELABEL_ACTIONS,
        default: "replace",
    }) as RelabelAction;
    const str = (name: string, expected: string, check: (v: string) => boolean = () => true) =>
        r.has(name) ? r.string(name, { expected, check: (v) => noTemplate(v) && check(v) }) : undefined;
    const sourceLabels = r.has("sourceLabels") ? r.stringList("sourceLabels", { expected: "a label name", item: (s) => LABEL_NAME.test(s) }) : undefined;
    const rule: RelabelRule = {
        action,
        sourceLabels,
        separator: str("separator", 'a separator string without "{{"'),
        targetLabel: str("targetLabel", "a label name (capture groups such as ${1} allowed)", (v) => TARGET_LABEL.test(v)),
        regex: str("regex", 'a regular expression in RE2 syntax (no lookaround, no backreferences, no "{{")', isRe2Regex),
        modulus: r.has("modulus") ? r.int("modulus", { expected: "a whole number of at least 1", min: 1 }) || undefined : undefined,
        replacement: str("replacement", 'a replacement string without "{{" (capture groups such as $1 allowed)'),
    };
    r.done();
    const needs = (field: keyof RelabelRule, why: string) => {
        if (rule[field] === undefined || (Array.isArray(rule[field]) && rule[field].length === 0)) r.problems.add(r.keyOf(field), why, "nothing (key not set)");
    };
    if (NEEDS_TARGET.has(action)) needs("targetLabel", `a targetLabel for action ${action}`);
    if (NEEDS_SOURCE.has(action)) needs("sourceLabels", `sourceLabels for action ${action}`);
    if (action === "hashmod") needs("modulus", "a modulus for action hashmod");
    else if (rule.modulus !== undefined) r.problems.add(r.keyOf("modulus"), "no modulus except with action hashmod", describeValue(rule.modulus));
    if ((action === "keepequal" || action === "dropequal") && rule.regex !== undefined) {
        r.problems.add(
            r.keyOf("regex"),
            `no regex with action ${action} (it compares the source labels' value with the target label's)`,
            describeValue(rule.regex),
        );
    }
    if (LABEL_SET_ACTIONS.has(action)) {
        // The default regex (.*) would match every label: drop all of them, or keep none.
        needs("regex", `a regex naming the labels to ${action === "labeldrop" ? "drop" : "keep"} for action ${action}`);
        for (const field of ["sourceLabels", "targetLabel", "separator", "replacement"] as const) {
            if (rule[field] !== undefined)
                r.problems.add(r.keyOf(field), `no ${field} with action ${action} (it acts on label names by regex only)`, describeValue(rule[field]));
        }
    }
    return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)) as unknown as RelabelRule;
}

/**
 * Reads the secret `prometheusRemoteWriteAuth`: `{<target>: {username, password}}` for auth basic,
 * `{<target>: {token}}` for auth bearer. No value of it is ever echoed; target names are not secret.
 */
export function readRemoteWriteAuth(
    top: ObjectReader,
    secretKeys: ReadonlySet<string>,
    targets: readonly RemoteWriteTarget[],
): Record<string, RemoteWriteCredentials> | undefined {
    const key = REMOTE_WRITE_AUTH_KEY;
    const needing = targets.filter((t) => (t.auth === "basic" || t.auth === "bearer") && t.name);
    const hint = (t: RemoteWriteTarget) =>
        `${AUTH_FIELDS[t.auth as "basic" | "bearer"].join(" and ")} for target ${t.name} (auth: ${t.auth}), each set with pulumi config set --secret --path ${key}.${t.name}.<field>`;
    if (!top.has(key)) {
        top.raw(key);
        for (const t of needing) top.problems.add(`${key}.${t.name}`, hint(t), "nothing (key not set)");
        return needing.length ? undefined : {};
    }
    if (!secretKeys.has(key)) top.problems.add(key, `a secret value (pulumi config set --secret ${key})`, "a plaintext value (not shown)");
    const raw = top.raw(key);
    if (!isPlainObject(raw)) {
        top.problems.add(key, "a map from remote-write target name to its credentials", describeValue(raw, true));
        return undefined;
    }
    const out: Record<string, RemoteWriteCredentials> = {};
    for (const name of Object.keys(raw).filter((n) => !needing.some((t) => t.name === n))) {
        top.problems.add(
            `${key}.${name}`,
            `credentials only for remote-write targets with auth basic or bearer (${needing.map((t) => t.name).join(", ") || "none configured"})`,
            `an entry "${name}"`,
        );
    }
    for (const t of needing) {
        const entry = raw[t.name];
        const fields: readonly string[] = AUTH_FIELDS[t.auth as "basic" | "bearer"];
        const ok =
            isPlainObject(entry) &&
            Object.keys(entry).length === fields.length &&
            fields.every((f) => typeof entry[f] === "string" && (entry[f] as string).trim() !== "" && !/[\r\n]/.test(entry[f] as string));
        if (!ok) {
            top.problems.add(`${key}.${t.name}`, hint(t), entry === undefined ? "nothing (key not set)" : "a value (not shown: secret)");
            continue;
        }
        out[t.name] = Object.fromEntries(fields.map((f) => [f, (entry as Record<string, string>)[f]])) as RemoteWriteCredentials;
    }
    return out;
}

/**
 * The shape of a `prometheusRemoteWriteAuth` placeholder that passes validation, given the stack's
 * `monitoring` config as its raw JSON; undefined when no target needs credentials.
 */
export function remoteWriteAuthPlaceholder(monitoringJson: string | undefined): ((token: string) => string) | undefined {
    let monitoring: any;
    try {
        monitoring = JSON.parse(monitoringJson ?? "{}");
    } catch {
        return undefined;
    }
    const targets: unknown = monitoring?.prometheus?.remoteWrite;
    if (!Array.isArray(targets)) return undefined;
    const needing = targets.filter((t) => isPlainObject(t) && typeof t.name === "string" && (t.auth === "basic" || t.auth === "bearer"));
    if (needing.length === 0) return undefined;
    return (token) =>
        JSON.stringify(Object.fromEntries(needing.map((t) => [t.name, Object.fromEntries(AUTH_FIELDS[t.auth as "basic" | "bearer"].map((f) => [f, token]))])));
}
