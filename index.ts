/**
 * Entry point: read the stack config once, validate all of it before anything is registered,
 * then build the env's platform and export the outputs contract (README "Outputs contract").
 */
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig, rawConfigFrom } from "./components/config/schema";
import { Platform } from "./components/platform";

/** Every value as a secret Output, so it is encrypted in state and never printed. */
function secretOutputs<T extends object>(values: T): { [K in keyof T]-?: undefined extends T[K] ? pulumi.Output<string> | undefined : pulumi.Output<string> } {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === undefined ? undefined : pulumi.secret(String(v))])) as never;
}

const project = pulumi.getProject();
// `isConfigSecret` is exported at run time but not in the SDK's typings.
const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret ?? (() => false);
const config = parsePlatformConfig(rawConfigFrom(pulumi.runtime.allConfig(), isSecret, project), project);

const platform = new Platform(`mlops-${config.env}`, {
    config,
    grafanaAdminPassword: config.grafanaAdminPassword === undefined ? undefined : pulumi.secret(config.grafanaAdminPassword),
    workloadSecrets: secretOutputs(config.workloadSecrets),
    alertmanagerSlackWebhook: pulumi.secret(config.alertmanagerSlackWebhook),
});

export const contractVersion = platform.outputs.contractVersion;
export const env = platform.outputs.env;
export const workloads = platform.outputs.workloads;
export const namespaces = platform.outputs.namespaces;
export const urls = platform.outputs.urls;
export const endpoints = platform.outputs.endpoints;
export const storageClasses = platform.outputs.storageClasses;
export const releases = platform.outputs.releases;
export const monitoringReleaseLabel = platform.outputs.monitoringReleaseLabel;
export const grafanaDatasourceUids = platform.outputs.grafanaDatasourceUids;
export const grafanaAdminSecret = platform.outputs.grafanaAdminSecret;
export const alerting = platform.outputs.alerting;
export const logAgent = platform.outputs.logAgent;
