/**
 * The guardrails policy pack: `pulumi preview --policy-pack policy` (docs/policies.md "Policies").
 * Kept to the constructor: constructing a PolicyPack starts the analyzer server.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES, POLICY_PACK } from "./pack";

new PolicyPack(POLICY_PACK.name, { policies: [...POLICIES] });
