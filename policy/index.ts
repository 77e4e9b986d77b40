/**
 * The guardrails policy pack: `pulumi preview --policy-pack policy` (README "Policies").
 * Kept to the constructor: constructing a PolicyPack starts the analyzer server.
 */
import { PolicyPack } from "@pulumi/policy";
import { stackPolicy } from "./pack";
import { RULES } from "./rules";

new PolicyPack("mlops-guardrails", { policies: RULES.map(stackPolicy) });
