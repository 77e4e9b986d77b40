/** Command line of `npm run verify`: parsed strictly, every mistake reported as a UsageError. */
import { readFileSync } from "node:fs";
import { Service } from "./context";
import { UsageError } from "./outputs";

export type Via = "ingress" | "cluster";

export interface VerifyArgs {
    readonly stack?: string;
    readonly outputsFile?: string;
    readonly via: Via;
    readonly urls: Partial<Record<Service, string>>;
    readonly grafanaUser?: string;
    readonly grafanaPassword?: string;
    /** Basic-auth credentials of the Prometheus, Alertmanager and Loki ingresses; environment only (arguments show in ps). */
    readonly ingressUser?: string;
    readonly ingressPassword?: string;
    readonly caFile?: string;
    readonly insecure: boolean;
    readonly timeoutMs: number;
    readonly lokiNamespaces?: string[];
    readonly json: boolean;
    readonly help: boolean;
}

/** `--timeout` bounds in seconds, both accepted; the usage and the error message are built from them. */
export const TIMEOUT_MIN_SECONDS = 0.1;
export const TIMEOUT_MAX_SECONDS = 300;

export const USAGE = `usage: npm run verify -- <stack> [options]
       npm run verify -- --outputs <outputs.json> [options]

Checks a deployed env against its stack outputs (pulumi stack output --json -s <stack>).
  --outputs <file>            read the outputs from a file instead of the Pulumi CLI
  --via ingress|cluster       base URLs from outputs.urls (default) or outputs.endpoints (inside the cluster)
  --prometheus-url <url>      override one service's base URL, e.g. a kubectl port-forward
  --alertmanager-url <url>
  --loki-url <url>
  --grafana-url <url>
  --grafana-user <user>       default $GRAFANA_USER
  --grafana-password <pw>     default $GRAFANA_PASSWORD (prefer the variable: arguments show in ps)
  --ca-file <pem>             trust this CA for https URLs as well as the system roots
  --insecure                  do not verify https certificates
  --timeout <seconds>         deadline per request, from ${TIMEOUT_MIN_SECONDS} to ${TIMEOUT_MAX_SECONDS} (default 10)
  --loki-namespaces <a,b>     namespaces that must have log streams (default: every namespace the env creates)
  --json                      print the report as JSON
  -h, --help                  print this help
Environment:
  VERIFY_INGRESS_USER, VERIFY_INGRESS_PASSWORD
                              basic-auth credentials of the Prometheus, Alertmanager and Loki ingresses; unset,
                              they are read with kubectl from the Secret the outputs name (ingressAuthSecret)
                              when one of those services is reached through its ingress URL
Exit codes: 0 every check passed, 1 a check failed, 2 the command could not run (arguments, outputs).`;

const URL_FLAGS: Record<string, Service> = {
    "--prometheus-url": "prometheus",
    "--alertmanager-url": "alertmanager",
    "--loki-url": "loki",
    "--grafana-url": "grafana",
};

/** Every mistake is one line; the usage is one flag away rather than printed after each of them. */
const withHint = (message: string) => new UsageError(`${message} (npm run verify -- --help lists the options)`);

function checkedUrl(flag: string, value: string): string {
    try {
        const url = new URL(value);
        if (url.protocol === "http:" || url.protocol === "https:") return value;
    } catch {
        // reported below
    }
    throw new UsageError(`${flag} expects an http(s) URL, got ${JSON.stringify(value)}`);
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): VerifyArgs {
    const urls: Partial<Record<Service, string>> = {};
    const out: { -readonly [K in keyof VerifyArgs]: VerifyArgs[K] } = {
        via: "ingress",
        urls,
        grafanaUser: env.GRAFANA_USER || undefined,
        grafanaPassword: env.GRAFANA_PASSWORD || undefined,
        ingressUser: env.VERIFY_INGRESS_USER || undefined,
        ingressPassword: env.VERIFY_INGRESS_PASSWORD || undefined,
        insecure: false,
        timeoutMs: 10_000,
        json: false,
        help: false,
    };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined) throw new UsageError(`${flag} expects a value`);
            return v;
        };
        if (flag in URL_FLAGS) urls[URL_FLAGS[flag]] = checkedUrl(flag, value());
        else if (flag === "--outputs") out.outputsFile = value();
        else if (flag === "--via") {
            const v = value();
            if (v !== "ingress" && v !== "cluster") throw new UsageError(`--via expects ingress or cluster, got ${JSON.stringify(v)}`);
            out.via = v;
        } else if (flag === "--grafana-user") out.grafanaUser = value();
        else if (flag === "--grafana-password") out.grafanaPassword = value();
        else if (flag === "--ca-file") out.caFile = value();
        else if (flag === "--insecure") out.insecure = true;
        else if (flag === "--timeout") {
            const v = value();
            const seconds = Number(v);
            // A plain decimal only: Number() would also take "", "0x10" and "1e2".
            if (!/^\d+(\.\d+)?$/.test(v) || seconds < TIMEOUT_MIN_SECONDS || seconds > TIMEOUT_MAX_SECONDS) {
                throw new UsageError(
                    `--timeout expects seconds from ${TIMEOUT_MIN_SECONDS} to ${TIMEOUT_MAX_SECONDS} (a decimal number), got ${JSON.stringify(v)}`,
                );
            }
            out.timeoutMs = Math.round(seconds * 1000);
        } else if (flag === "--loki-namespaces") {
            const v = value();
            out.lokiNamespaces = v
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean);
            // An empty list would make the streams check pass without asking Loki anything.
            if (!out.lokiNamespaces.length) throw new UsageError(`--loki-namespaces expects a comma-separated list of namespaces, got ${JSON.stringify(v)}`);
        } else if (flag === "--json") out.json = true;
        else if (flag === "--help" || flag === "-h") out.help = true;
        else if (!flag.startsWith("-") && out.stack === undefined) out.stack = flag;
        else throw withHint(flag.startsWith("-") ? `unknown argument ${flag}` : `one stack at a time, got ${out.stack} and ${flag}`);
    }
    if (out.help) return out;
    if (!out.stack && !out.outputsFile) throw withHint("give a stack or --outputs <file>");
    // Otherwise the stack would be silently ignored for the file's outputs, whichever env those are.
    if (out.stack && out.outputsFile) throw withHint(`give a stack or --outputs <file>, not both (got ${out.stack} and --outputs ${out.outputsFile})`);
    if ((out.grafanaUser === undefined) !== (out.grafanaPassword === undefined)) {
        throw new UsageError("give both the Grafana user and password (--grafana-user/--grafana-password or GRAFANA_USER/GRAFANA_PASSWORD)");
    }
    if ((out.ingressUser === undefined) !== (out.ingressPassword === undefined)) {
        throw new UsageError("give both the ingress user and password (VERIFY_INGRESS_USER and VERIFY_INGRESS_PASSWORD)");
    }
    return out;
}

/**
 * The `--ca-file` bundle, read once before anything is asked of a cluster: a file that cannot be
 * used is a wrong argument (exit 2), not a failed check per service.
 */
export function readCaFile(file: string): Buffer {
    let pem: Buffer;
    try {
        pem = readFileSync(file);
    } catch (err) {
        throw new UsageError(`cannot read --ca-file ${file}: ${(err as Error).message}`);
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`--ca-file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    return pem;
}
