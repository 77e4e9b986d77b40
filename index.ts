/**
 * Entry point: read the stack config once, validate all of it before anything is registered, check
 * that the cluster the stack reaches is the one it pins, then build the env's platform and return
 * the outputs contract (README "Outputs contract").
 *
 * The program is an async function (Pulumi's Node.js runtime calls an exported function and awaits
 * it, and its result is the stack outputs): the cluster check reads the live kube-system Namespace,
 * and nothing but the provider and that read is registered until it has passed.
 */
import * as pulumi from "@pulumi/pulumi";
import { clusterProvider, verifyClusterIdentity } from "./components/cluster";
import { parsePlatformConfig, rawConfigFrom } from "./components/config/schema";
import { PLATFORM_TYPE, Platform, PlatformOutputs } from "./components/platform";

/** Every value as a secret Output, so it is encrypted in state and never printed. */
function secretOutputs<T extends object>(values: T): { [K in keyof T]-?: undefined extends T[K] ? pulumi.Output<string> | undefined : pulumi.Output<string> } {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === undefined ? undefined : pulumi.secret(String(v))])) as never;
}

export = async (): Promise<PlatformOutputs> => {
    const project = pulumi.getProject();
    // `isConfigSecret` is exported at run time but not in the SDK's typings.
    const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret ?? (() => false);
    const config = parsePlatformConfig(rawConfigFrom(pulumi.runtime.allConfig(), isSecret, project, pulumi.getStack()), project);

    const platformName = `mlops-${config.env}`;
    const cluster = {
        env: config.env,
        cluster: config.cluster,
        kubeconfig: config.kubeconfig === undefined ? undefined : pulumi.secret(config.kubeconfig),
        protect: config.protect,
    };
    // The provider was the Platform's child until the cluster check needed it first: the alias keeps
    // it the same resource, so no object on it is replaced (and a protected one is not deleted).
    const kubernetesProvider = clusterProvider(cluster, { aliases: [{ parent: pulumi.createUrn(platformName, PLATFORM_TYPE) }] });
    await verifyClusterIdentity(cluster, kubernetesProvider, project);

    const platform = new Platform(platformName, {
        config,
        kubernetesProvider,
        grafanaAdminPassword: config.grafanaAdminPassword === undefined ? undefined : pulumi.secret(config.grafanaAdminPassword),
        workloadSecrets: secretOutputs(config.workloadSecrets),
        alertmanagerSlackWebhook: pulumi.secret(config.alertmanagerSlackWebhook),
        prometheusRemoteWriteAuth: pulumi.secret(config.prometheusRemoteWriteAuth),
        lokiSecrets: secretOutputs(config.lokiSecrets),
    });
    // The stack outputs are exactly the Platform's documented outputs.
    return platform.outputs;
};
