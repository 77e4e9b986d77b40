/**
 * Entry point: read the stack config once and validate all of it before anything is registered,
 * then build what the stack's `role` asks for: an env's platform, returning the outputs contract
 * (docs/outputs.md "Outputs contract"), or the cluster stack that owns what every env of the cluster shares,
 * returning `prometheusOperatorCrds` (docs/operations.md "The cluster stack").
 *
 * The program is an async function (Pulumi's Node.js runtime calls an exported function and awaits
 * it, and its result is the stack outputs): each check reads the live cluster, and nothing is
 * registered past a check until it has passed. In order: the stack's provider, the cluster's
 * identity (its kube-system Namespace), for an env the prometheus-operator CRDs' version, and only
 * then the Platform or the CRD chart.
 */
import * as pulumi from "@pulumi/pulumi";
import { clusterProvider, verifyClusterIdentity } from "./components/cluster";
import { ClusterShared, ClusterSharedOutputs } from "./components/cluster/clusterShared";
import { ClusterStackConfig } from "./components/config/clusterStack";
import { PlatformConfig, rawConfigFrom } from "./components/config/schema";
import { parseStack } from "./components/config/stack";
import { verifyPrometheusOperatorCrds } from "./components/monitoring/crdRequirement";
import { PLATFORM_TYPE, Platform, PlatformOutputs } from "./components/platform";
import { prometheusOperator } from "./components/versions";

/** Every value as a secret Output, so it is encrypted in state and never printed. */
function secretOutputs<T extends object>(values: T): { [K in keyof T]-?: undefined extends T[K] ? pulumi.Output<string> | undefined : pulumi.Output<string> } {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === undefined ? undefined : pulumi.secret(String(v))])) as never;
}

async function envStack(config: PlatformConfig, project: string): Promise<PlatformOutputs> {
    const platformName = `mlops-${config.env}`;
    const cluster = {
        stack: config.env,
        cluster: config.cluster,
        kubeconfig: config.kubeconfig === undefined ? undefined : pulumi.secret(config.kubeconfig),
        protect: config.protect,
    };
    // The provider was the Platform's child until the cluster check needed it first: the alias keeps
    // it the same resource, so no object on it is replaced (and a protected one is not deleted).
    const kubernetesProvider = clusterProvider(cluster, { aliases: [{ parent: pulumi.createUrn(platformName, PLATFORM_TYPE) }] });
    const kubeSystem = await verifyClusterIdentity(cluster, kubernetesProvider, project);
    // The env installs no CRD: it stops before any change unless the cluster stack has run and its CRDs are new enough.
    await verifyPrometheusOperatorCrds(
        `crds-${config.env}`,
        { operatorVersion: prometheusOperator.version, kubePrometheusStackVersion: config.charts.kubePrometheusStack.version },
        kubeSystem,
        kubernetesProvider,
        config.protect,
    );

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
}

async function clusterStack(config: ClusterStackConfig, project: string): Promise<ClusterSharedOutputs> {
    const cluster = {
        stack: config.stack,
        cluster: config.cluster,
        kubeconfig: config.kubeconfig === undefined ? undefined : pulumi.secret(config.kubeconfig),
        // Protected, always: deleting a CRD deletes every custom resource of that kind in every env.
        protect: true,
        adoptExisting: true,
    };
    const kubernetesProvider = clusterProvider(cluster);
    await verifyClusterIdentity(cluster, kubernetesProvider, project);
    return new ClusterShared("mlops-cluster", { config, kubernetesProvider }).outputs;
}

export = async (): Promise<PlatformOutputs | ClusterSharedOutputs> => {
    const project = pulumi.getProject();
    // `isConfigSecret` is exported at run time but not in the SDK's typings.
    const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret ?? (() => false);
    const stack = parseStack(rawConfigFrom(pulumi.runtime.allConfig(), isSecret, project, pulumi.getStack()), project);
    // Each role returns exactly its own outputs.
    return stack.role === "env" ? envStack(stack.config, project) : clusterStack(stack.config, project);
};
