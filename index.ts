/**
 * Entry point: read and validate the stack config once, before anything is registered, then build
 * what the stack's `role` asks for: an env's platform, exporting the outputs contract (README
 * "Outputs contract"), or the cluster stack that owns what every env of the cluster shares,
 * exporting `prometheusOperatorCrds` (README "The cluster stack").
 */
import * as pulumi from "@pulumi/pulumi";
import { ClusterShared } from "./components/cluster/clusterShared";
import { ClusterConfig } from "./components/config/cluster";
import { PlatformConfig, rawConfigFrom } from "./components/config/schema";
import { parseStackConfig } from "./components/config/stack";
import { Platform } from "./components/platform";

/** Every value as a secret Output, so it is encrypted in state and never printed. */
function secretOutputs<T extends object>(values: T): { [K in keyof T]-?: undefined extends T[K] ? pulumi.Output<string> | undefined : pulumi.Output<string> } {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === undefined ? undefined : pulumi.secret(String(v))])) as never;
}

function envStack(config: PlatformConfig) {
    return new Platform(`mlops-${config.env}`, {
        config,
        grafanaAdminPassword: config.grafanaAdminPassword === undefined ? undefined : pulumi.secret(config.grafanaAdminPassword),
        workloadSecrets: secretOutputs(config.workloadSecrets),
        alertmanagerSlackWebhook: pulumi.secret(config.alertmanagerSlackWebhook),
    }).outputs;
}

function clusterStack(config: ClusterConfig) {
    return new ClusterShared("mlops-cluster", { config }).outputs;
}

const project = pulumi.getProject();
// `isConfigSecret` is exported at run time but not in the SDK's typings.
const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret ?? (() => false);
const stack = parseStackConfig(rawConfigFrom(pulumi.runtime.allConfig(), isSecret, project), project);

// The stack outputs: `module.exports` is what Pulumi exports, so each role exports exactly its own
// (named exports of the other role's outputs would be exported as undefined, with a warning each).
const outputs = stack.role === "env" ? envStack(stack.config) : clusterStack(stack.config);
export = outputs;
