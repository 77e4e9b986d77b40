/**
 * Adapts the pure rules (rules/<policy name>.ts) to @pulumi/policy. Every policy is a stack policy because its
 * rules need the stack's env (from the namespaces' env label), its NFS classes and claims, and the
 * objects a helm.v4.Chart renders; the checks themselves are per resource.
 *
 * Under the real engine a policy that reads an unknown value is skipped as advisory ("can't run
 * policy … during preview"), so a gate that relied on it would check nothing on a new stack. Here
 * each rule runs per resource and an unknown it cannot decide on is a mandatory violation naming
 * what is unknown: the gate fails closed instead of passing silently.
 */
import { PolicyResource, StackValidationPolicy, UnknownValueError, unknownCheckingProxy } from "@pulumi/policy";
import { SECRET } from "../components/resourceTypes";
import { withoutComputedOutputs } from "./computedOutputs";
import { CheckedResource, DEFAULT_CONFIG, GuardrailConfig, Rule, StackContext, appliesTo, stackContext } from "./context";
import { RULES } from "./rules";

import packageJson from "./package.json";

/** Name and version as the CLI reports them (the version is the pack's package.json version). */
export const POLICY_PACK = { name: "mlops-guardrails", version: packageJson.version } as const;

const configSchema = {
    properties: {
        envs: { type: "array", items: { type: "string" }, default: [...DEFAULT_CONFIG.envs] },
        protectedEnvs: { type: "array", items: { type: "string" }, default: [...DEFAULT_CONFIG.protectedEnvs] },
        env: { type: "string" },
        // Mirrors a stack's `charts` setting declares (npm run policy-config -- <stack>): chart name to source.
        chartSources: {
            type: "object",
            additionalProperties: {
                type: "object",
                properties: { repo: { type: "string" }, version: { type: "string" } },
                required: ["repo", "version"],
                additionalProperties: false,
            },
            default: {},
        },
    },
} as const;

/** What a policy sees in place of generated secret material that does not exist yet. */
export const GENERATED_SECRET = "[generated when created]";

/** The object behind @pulumi/policy's unknown-checking proxy (a plain value is its own target). */
function proxyTarget<T>(value: T): T {
    return ((value as Record<string, unknown> | undefined)?.["__getSpecialProxyTarget"] as T | undefined) ?? value;
}

/**
 * The engine's markers of an unknown value as @pulumi/policy hands them over, one per type (boolean,
 * number, string, array, asset, archive, object; its proxy module's sentinels).
 */
export const UNKNOWN_MARKERS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);
export const isUnknownMarker = (v: unknown) => typeof v === "string" && UNKNOWN_MARKERS.has(v);

/** A copy of `raw` (a plain value) with every unknown marker in it replaced by GENERATED_SECRET. */
function maskUnknowns(raw: unknown): unknown {
    if (isUnknownMarker(raw)) return GENERATED_SECRET;
    if (Array.isArray(raw)) return raw.map(maskUnknowns);
    if (typeof raw === "object" && raw !== null) return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, maskUnknowns(v)]));
    return raw;
}

/** A Secret's `data` value as text: the engine hands it over base64-encoded (the provider's Check). */
function decoded(value: unknown): unknown {
    if (typeof value !== "string" || isUnknownMarker(value)) return value;
    const text = Buffer.from(value, "base64").toString("utf8");
    // Only what round-trips is base64 the provider wrote; anything else stays as it was given.
    return Buffer.from(text, "utf8").toString("base64") === value ? text : value;
}

/**
 * What the rules read of a resource: the program's decisions. Provider-computed outputs are taken
 * out (computedOutputs.ts): in a preview of a new resource they are unknown and no rule judges them.
 *
 * A Secret's data reaches a policy base64-encoded, so rules read it decoded (a cross-env URL in a
 * Secret is still a cross-env URL). In a first preview it is unknown wherever the program generates
 * it (random passwords and keys): such material cannot name an env or hold a plaintext credential
 * of the config, and no rule reads it for anything else. Everywhere else an unknown stays unknown.
 */
export function policyProps(r: Pick<PolicyResource, "type" | "props">): Record<string, any> {
    const target = withoutComputedOutputs(r.type, proxyTarget(r.props ?? {}) as Record<string, unknown>);
    if (r.type !== SECRET) return unknownCheckingProxy(target);
    const data =
        isUnknownMarker(target.data) || typeof target.data !== "object" || target.data === null
            ? target.data
            : Object.fromEntries(Object.entries(target.data).map(([k, v]) => [k, decoded(v)]));
    return unknownCheckingProxy({ ...target, data: maskUnknowns(data), stringData: maskUnknowns(target.stringData) });
}

export function checkedResource(r: PolicyResource): CheckedResource {
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: policyProps(r),
        protect: r.opts?.protect ?? false,
        parent: r.parent?.urn,
        provider: r.provider?.urn,
    };
}

const undecided = (rule: Rule, what: string, e: UnknownValueError) =>
    `${what}: ${rule.name} cannot decide because a value is unknown in this preview (${e.message}); the policy fails closed — derive that value from config so it is known before anything is created`;

export function stackPolicy(rule: Rule): StackValidationPolicy {
    return {
        name: rule.name,
        description: `${rule.description} Lesson: ${rule.lesson}.`,
        enforcementLevel: "mandatory",
        configSchema: configSchema as unknown as StackValidationPolicy["configSchema"],
        validateStack: (args, reportViolation) => {
            const resources = args.resources.map(checkedResource);
            let ctx: StackContext;
            try {
                ctx = stackContext(resources, { ...DEFAULT_CONFIG, ...args.getConfig<Partial<GuardrailConfig>>() });
            } catch (e) {
                if (!(e instanceof UnknownValueError)) throw e;
                reportViolation(undecided(rule, "the stack", e));
                return;
            }
            // Passes where it has nothing to check (an env rule on the cluster stack), rather than being skipped.
            if (!appliesTo(rule, ctx)) return;
            for (const r of resources) {
                try {
                    for (const message of rule.check(r, ctx)) reportViolation(message, r.urn);
                } catch (e) {
                    if (!(e instanceof UnknownValueError)) throw e;
                    reportViolation(undecided(rule, `${r.type} ${r.name}`, e), r.urn);
                }
            }
        },
    };
}

/** The pack's policies, as `pulumi preview --policy-pack policy` serves them. */
export const POLICIES: readonly StackValidationPolicy[] = RULES.map(stackPolicy);
