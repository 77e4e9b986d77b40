/**
 * The stack outputs the verify command is driven by: read from a file or from
 * `pulumi stack output --json -s <stack>`, and checked against the contract before anything is
 * asked of a cluster, so a wrong file fails with what is missing rather than with a bad URL later.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { WORKLOAD_NAMES, WorkloadSwitches } from "../../../components/config/workloads";

export interface SecretReference {
    readonly namespace: string;
    readonly name: string;
    readonly keys: { readonly user: string; readonly password: string };
}

/** The subset of the outputs contract (docs/outputs.md "Outputs contract") the checks read. */
export interface VerifyOutputs {
    readonly contractVersion: number;
    readonly env: string;
    /** Which workloads the env runs; a switched-off one is named in `namespaces` but not created. */
    readonly workloads: WorkloadSwitches;
    readonly namespaces: Readonly<Record<string, string>>;
    /** null for a switched-off workload. */
    readonly urls: Readonly<Record<string, string | null>>;
    readonly endpoints: Readonly<Record<string, string | null>>;
    readonly releases: Readonly<Record<string, string>>;
    readonly monitoringReleaseLabel: { readonly release: string };
    readonly grafanaDatasourceUids: Readonly<Record<string, string>>;
    readonly grafanaAdminSecret: SecretReference;
    /**
     * The Secret with the basic-auth credentials of the Prometheus, Alertmanager and Loki ingresses;
     * null when they authenticate with an external service. Absent from outputs of a program that
     * predates ingress authentication (a field added within contract version 2).
     */
    readonly ingressAuthSecret?: SecretReference | null;
    /** Whether the env pages for shared infrastructure, so the routing check knows where those alerts belong. */
    readonly alerting: { readonly sharedInfrastructure: boolean };
    /** The env's log agent; absent in the outputs of a stack last deployed before there was a choice (Promtail). */
    readonly logAgent?: { readonly agent: string; readonly release: string; readonly job: string };
}

export const SUPPORTED_CONTRACT_VERSION = 2;

/** Bad input (arguments, outputs): reported as one line, exit code 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

const PULUMI_TIMEOUT_MS = 60_000;

const isRecordOf = (v: unknown, item: (x: unknown) => boolean): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(item);
const isRecordOfStrings = (v: unknown): v is Record<string, string> => isRecordOf(v, (x) => typeof x === "string");
const isSecretReference = (v: unknown): v is SecretReference => {
    const r = v as Record<string, unknown> | null | undefined;
    return typeof r?.namespace === "string" && typeof r.name === "string" && isRecordOfStrings(r.keys) && "user" in r.keys && "password" in r.keys;
};

/** Every problem with the document at once, as `<field>: <problem>`. */
export function parseOutputs(doc: unknown, source: string): VerifyOutputs {
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new UsageError(`${source}: expected a JSON object of stack outputs`);
    const o = doc as Record<string, unknown>;
    const problems: string[] = [];
    if (o.contractVersion !== SUPPORTED_CONTRACT_VERSION) {
        problems.push(`contractVersion: expected ${SUPPORTED_CONTRACT_VERSION}, got ${JSON.stringify(o.contractVersion)}`);
    }
    if (typeof o.env !== "string" || !/^[a-z][a-z0-9]*$/.test(o.env)) problems.push(`env: expected an env name, got ${JSON.stringify(o.env)}`);
    const workloads = o.workloads as Record<string, unknown> | undefined;
    if (!isRecordOf(workloads, (x) => typeof x === "boolean") || WORKLOAD_NAMES.some((w) => typeof workloads[w] !== "boolean")) {
        problems.push(`workloads: expected {${WORKLOAD_NAMES.join(", ")}} of booleans`);
    }
    for (const key of ["namespaces", "releases", "grafanaDatasourceUids", "monitoringReleaseLabel"]) {
        if (!isRecordOfStrings(o[key])) problems.push(`${key}: expected an object of strings`);
    }
    for (const key of ["urls", "endpoints"]) {
        if (!isRecordOf(o[key], (x) => typeof x === "string" || x === null)) problems.push(`${key}: expected an object of strings and nulls`);
    }
    if (!isSecretReference(o.grafanaAdminSecret)) problems.push("grafanaAdminSecret: expected {namespace, name, keys: {user, password}}");
    if (o.ingressAuthSecret !== undefined && o.ingressAuthSecret !== null && !isSecretReference(o.ingressAuthSecret)) {
        problems.push("ingressAuthSecret: expected {namespace, name, keys: {user, password}} or null");
    }
    const alerting = o.alerting as Record<string, unknown> | undefined;
    if (typeof alerting?.sharedInfrastructure !== "boolean") problems.push("alerting: expected {sharedInfrastructure: true|false}");
    if (o.logAgent !== undefined && (!isRecordOfStrings(o.logAgent) || ["agent", "release", "job"].some((k) => !(k in (o.logAgent as object))))) {
        problems.push("logAgent: expected {agent, release, job} of strings");
    }
    if (problems.length) throw new UsageError(`${source} does not match the outputs contract: ${problems.join("; ")}`);
    return o as unknown as VerifyOutputs;
}

export function readOutputsFile(file: string): VerifyOutputs {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (err) {
        throw new UsageError(`cannot read --outputs ${file}: ${(err as Error).message}`);
    }
    try {
        return parseOutputs(JSON.parse(text), file);
    } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
    }
}

/** Runs `pulumi stack output --json -s <stack>` with a deadline. */
export function readStackOutputs(stack: string, pulumiBinary = "pulumi"): VerifyOutputs {
    const command = `pulumi stack output --json -s ${stack}`;
    const run = spawnSync(pulumiBinary, ["stack", "output", "--json", "-s", stack], { encoding: "utf8", timeout: PULUMI_TIMEOUT_MS });
    const err = run.error as NodeJS.ErrnoException | undefined;
    if (err?.code === "ENOENT") {
        throw new UsageError(`the Pulumi CLI (${pulumiBinary}) is not on PATH; run \`${command} > outputs.json\` where it is and pass --outputs outputs.json`);
    }
    if (err?.code === "ETIMEDOUT") throw new UsageError(`\`${command}\` did not finish within ${PULUMI_TIMEOUT_MS / 1000} s`);
    if (err) throw new UsageError(`\`${command}\` failed to start: ${err.message}`);
    if (run.status !== 0) {
        const why = (run.stderr || run.stdout).trim().split("\n").slice(-3).join(" ");
        throw new UsageError(`\`${command}\` exited with ${run.status}: ${why}`);
    }
    try {
        return parseOutputs(JSON.parse(run.stdout), command);
    } catch (e) {
        if (e instanceof UsageError) throw e;
        throw new UsageError(`\`${command}\` did not print JSON: ${(e as Error).message}`);
    }
}
