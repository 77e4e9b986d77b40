/**
 * Adapts the pure rules (rules.ts) to @pulumi/policy. Every policy is a stack policy because its
 * rules need the stack's env (from the namespaces' env label) and its NFS classes and claims;
 * the checks themselves are per resource.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { CheckedResource, DEFAULT_CONFIG, GuardrailConfig, Rule, stackContext } from "./rules";

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

export function checkedResource(r: PolicyResource): CheckedResource {
    return { type: r.type, name: r.name, urn: r.urn, props: r.props ?? {}, protect: r.opts?.protect ?? false };
}

export function stackPolicy(rule: Rule): StackValidationPolicy {
    return {
        name: rule.name,
        description: `${rule.description} Lesson: ${rule.lesson}.`,
        enforcementLevel: "mandatory",
        configSchema: configSchema as unknown as StackValidationPolicy["configSchema"],
        validateStack: (args, reportViolation) => {
            const resources = args.resources.map(checkedResource);
            const ctx = stackContext(resources, { ...DEFAULT_CONFIG, ...args.getConfig<Partial<GuardrailConfig>>() });
            for (const r of resources) for (const message of rule.check(r, ctx)) reportViolation(message, r.urn);
        },
    };
}
