/**
 * `ingress.auth`: how the published Prometheus, Alertmanager and Loki ingresses authenticate
 * (design decision "Nothing is published without authentication"). There is no "off": the
 * default is ingress-nginx basic auth with credentials the program generates per env; the
 * alternative is an auth service that already exists (oauth2-proxy or similar), called by nginx
 * through its `auth-url`.
 */
import { CREDENTIALS_IN_URL } from "./fields";
import { ObjectReader, describeValue } from "./reader";

export type IngressAuthConfig =
    | { readonly mode: "basic" }
    | {
          readonly mode: "external";
          /** nginx asks it about every request (`auth-url`): 2xx lets the request through, 401/403 refuse it. */
          readonly url: string;
          /** Where a browser refused by `url` is sent to log in (`auth-signin`); unset answers 401. */
          readonly signin?: string;
      };

const MODE_EXPECTED =
    'either "basic" (ingress-nginx basic auth, credentials generated per env) or "external" (an existing auth service such as oauth2-proxy, by URL)';
const URL_EXPECTED = 'an https URL of the auth service\'s check endpoint such as https://auth.example.com/oauth2/auth (required with mode "external")';
const SIGNIN_EXPECTED = "an https URL of the auth service's sign-in page such as https://auth.example.com/oauth2/start?rd=$escaped_request_uri";

/**
 * https with a host, and nothing a Helm `tpl` (kube-prometheus-stack renders its ingress
 * annotations through it) or an nginx directive would read differently: no whitespace, quotes,
 * braces or backslashes. nginx variables such as `$escaped_request_uri` are fine.
 */
function isHttpsUrl(v: string): boolean {
    if (!/^https:\/\/[^\s"'{}\\]+$/.test(v)) return false;
    try {
        return new URL(v).hostname !== "";
    } catch {
        return false;
    }
}

/** A URL for a message: a mistyped one may carry credentials, which no message may show. */
const shown = (v: string) => (CREDENTIALS_IN_URL.test(v) ? "a URL with credentials (not shown)" : describeValue(v));

function readUrl(o: ObjectReader, key: string, expected: string, required: boolean): string | undefined {
    const before = o.problems.list.length;
    const v = o.string(key, { expected, required, sensitive: true });
    if (o.problems.list.length !== before || v === "") return undefined;
    if (CREDENTIALS_IN_URL.test(v)) {
        o.problems.add(o.keyOf(key), `${expected}, without credentials`, shown(v));
        return undefined;
    }
    if (!isHttpsUrl(v)) {
        o.problems.add(o.keyOf(key), expected, shown(v));
        return undefined;
    }
    return v;
}

export function readIngressAuth(au: ObjectReader): IngressAuthConfig {
    const mode = au.string("mode", { expected: MODE_EXPECTED, oneOf: ["basic", "external"], default: "basic" });
    let auth: IngressAuthConfig;
    if (mode === "external") {
        const url = readUrl(au, "url", URL_EXPECTED, true);
        const signin = readUrl(au, "signin", SIGNIN_EXPECTED, false);
        auth = { mode: "external", url: url ?? "", ...(signin ? { signin } : {}) };
    } else {
        // Set by mistake, they would suggest an auth service that nothing calls.
        // Always asked for, so an unknown key's message lists them among the known ones.
        for (const key of ["url", "signin"]) {
            const given = au.has(key);
            const v = au.string(key, { expected: "a URL", sensitive: true });
            if (given) au.problems.add(au.keyOf(key), `no ${key} while mode is "basic" (an external auth service needs mode "external")`, shown(v));
        }
        auth = { mode: "basic" };
    }
    au.done();
    return auth;
}
