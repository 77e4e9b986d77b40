/**
 * The basic-auth credentials verify sends to Prometheus, Alertmanager and Loki. Their ingresses
 * ask for them (`ingress.auth` basic); a port-forward or an in-cluster URL reaches a service
 * directly, past the ingress, and needs none. They come from VERIFY_INGRESS_USER and
 * VERIFY_INGRESS_PASSWORD, or else from the Secret the outputs name (`ingressAuthSecret`), read with
 * kubectl only when one of the services is reached through its ingress URL. Never printed.
 */
import { spawnSync } from "node:child_process";
import { VerifyArgs } from "./args";
import { VerifyOutputs } from "./outputs";

/** The services whose ingress authenticates (Grafana has its own login, checked with its own credentials). */
export const INGRESS_AUTH_SERVICES = ["prometheus", "alertmanager", "loki"] as const;
export type IngressAuthService = (typeof INGRESS_AUTH_SERVICES)[number];

export interface IngressAuth {
    readonly credentials?: { readonly user: string; readonly password: string };
    /** Told with an authentication failure or a redirect of these services: what was sent, or why nothing was. */
    readonly note?: string;
}

const KUBECTL_TIMEOUT_MS = 20_000;
const FROM_ENV = "VERIFY_INGRESS_USER/VERIFY_INGRESS_PASSWORD";

class SecretReadError extends Error {}

function readSecretKey(kubectl: string, ref: NonNullable<VerifyOutputs["ingressAuthSecret"]>, key: string): string {
    const command = `kubectl -n ${ref.namespace} get secret ${ref.name}`;
    const run = spawnSync(kubectl, ["-n", ref.namespace, "get", "secret", ref.name, "-o", `jsonpath={.data.${key}}`], {
        encoding: "utf8",
        timeout: KUBECTL_TIMEOUT_MS,
    });
    const err = run.error as NodeJS.ErrnoException | undefined;
    if (err?.code === "ENOENT") throw new SecretReadError(`kubectl is not on PATH to read Secret ${ref.namespace}/${ref.name}`);
    if (err?.code === "ETIMEDOUT") throw new SecretReadError(`\`${command}\` did not finish within ${KUBECTL_TIMEOUT_MS / 1000} s`);
    if (err) throw new SecretReadError(`\`${command}\` failed to start: ${err.message}`);
    if (run.status !== 0) {
        const why = (run.stderr || run.stdout).trim().split("\n").pop() ?? "";
        throw new SecretReadError(`\`${command}\` exited with ${run.status}${why ? `: ${why}` : ""}`);
    }
    const value = Buffer.from(run.stdout.trim(), "base64").toString("utf8");
    if (value === "") throw new SecretReadError(`Secret ${ref.namespace}/${ref.name} has no key ${key}`);
    return value;
}

export function ingressAuth(
    outputs: VerifyOutputs,
    args: Pick<VerifyArgs, "ingressUser" | "ingressPassword">,
    bases: Readonly<Record<IngressAuthService, string>>,
    kubectl = "kubectl",
): IngressAuth {
    if (args.ingressUser !== undefined && args.ingressPassword !== undefined) {
        const user = args.ingressUser;
        return { credentials: { user, password: args.ingressPassword }, note: `sent the ingress credentials of user ${user} from ${FROM_ENV}` };
    }
    if (!INGRESS_AUTH_SERVICES.some((s) => bases[s] === outputs.urls[s])) return {};
    const ref = outputs.ingressAuthSecret;
    // Outputs of a program from before ingress authentication name no Secret: there is none to send.
    if (ref === undefined) return {};
    if (ref === null) {
        return {
            note: "these ingresses authenticate with an external service (outputs ingressAuthSecret is null): reach Prometheus, Alertmanager and Loki by kubectl port-forward (--prometheus-url, --alertmanager-url, --loki-url) or with --via cluster",
        };
    }
    try {
        const user = readSecretKey(kubectl, ref, ref.keys.user);
        const password = readSecretKey(kubectl, ref, ref.keys.password);
        return { credentials: { user, password }, note: `sent the ingress credentials of user ${user} from Secret ${ref.namespace}/${ref.name}` };
    } catch (err) {
        if (!(err instanceof SecretReadError)) throw err;
        return { note: `no ingress credentials: ${err.message}; set VERIFY_INGRESS_USER and VERIFY_INGRESS_PASSWORD` };
    }
}
