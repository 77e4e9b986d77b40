import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvNames } from "../naming";

export interface ServiceMonitorArgs {
    readonly names: EnvNames;
    readonly name: string;
    readonly namespace: string;
    /** The monitor's own labels; the env's `release: monitoring-<env>` is added so only its Prometheus selects it. */
    readonly labels: Record<string, string>;
    /** Labels of the Service to scrape; Prometheus names the job after that Service. */
    readonly selector: Record<string, string>;
    readonly endpoints: Record<string, unknown>[];
}

/**
 * A ServiceMonitor the program declares itself, always with an explicit namespace. Declared rather
 * than rendered by a helm.v4.Chart: before the prometheus-operator CRDs exist, a rendered custom
 * resource cannot be placed in a namespace, so a first preview would show it in `default`.
 */
export function serviceMonitor(resourceName: string, args: ServiceMonitorArgs, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        resourceName,
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: { name: args.name, namespace: args.namespace, labels: { ...args.labels, ...args.names.monitoringReleaseLabel } },
            spec: {
                selector: { matchLabels: args.selector },
                namespaceSelector: { matchNames: [args.namespace] },
                endpoints: args.endpoints,
            },
        },
        opts,
    );
}
