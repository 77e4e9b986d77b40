/**
 * The guardrail policies as pure functions: each rule looks at one resource (type, props, options)
 * with a small context derived from the whole stack, and returns violation messages. The policy
 * pack (policy/index.ts) runs them under `pulumi preview --policy-pack policy`; the tests run the
 * same functions over the offline plan of both stacks and over broken copies of its resources.
 *
 * Each rule encodes a row of the "Lessons" table in the design notes (see `lesson`), in its own
 * file named after the policy; this registry lists them in the order the pack reports them.
 */
import { CheckedResource, DEFAULT_CONFIG, GuardrailConfig, Rule, Violation, appliesTo, stackContext } from "../context";
import { chartPinned } from "./chart-version-pinned";
import { controllersWriteOwnEnv } from "./controllers-write-own-env";
import { explicitProviders } from "./explicit-providers";
import { ingressTls } from "./ingress-has-tls";
import { logAgentGrace } from "./log-agent-grace-period";
import { monitorsOwnEnv } from "./monitors-labelled-for-own-env";
import { nfsFsGroup } from "./nfs-writers-set-fsgroup";
import { noCrossEnv } from "./no-cross-env-reference";
import { noPlaintextSecret } from "./no-plaintext-secret";
import { observabilityIngressAuth } from "./observability-ingress-authenticated";
import { tsdbNotOnNfs } from "./prometheus-tsdb-not-on-nfs";
import { prodRetained } from "./protected-env-volumes-retained";
import { webhooksOwnEnv } from "./webhooks-select-own-env";

export type { CheckedResource, DeclaredChartSource, GuardrailConfig, Rule, StackContext, StackRole, Violation } from "../context";
export { DEFAULT_CONFIG, appliesTo, stackContext } from "../context";
export { at, isDefaultProvider } from "../values";
export { LOG_AGENTS, MAX_LOG_AGENT_GRACE_SECONDS } from "./log-agent-grace-period";
export { isSensitiveKey } from "./no-plaintext-secret";

export const RULES: readonly Rule[] = [
    tsdbNotOnNfs,
    monitorsOwnEnv,
    noCrossEnv,
    webhooksOwnEnv,
    controllersWriteOwnEnv,
    nfsFsGroup,
    logAgentGrace,
    chartPinned,
    explicitProviders,
    noPlaintextSecret,
    prodRetained,
    ingressTls,
    observabilityIngressAuth,
];

/** Runs every rule that applies to the stack over every resource of it. */
export function evaluate(resources: readonly CheckedResource[], config: GuardrailConfig = DEFAULT_CONFIG, rules = RULES): Violation[] {
    const ctx = stackContext(resources, config);
    return rules
        .filter((rule) => appliesTo(rule, ctx))
        .flatMap((rule) => resources.flatMap((r) => rule.check(r, ctx).map((message) => ({ policy: rule.name, urn: r.urn, message }))));
}
