import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../labels";

/**
 * How every object of a workload the program declares itself is labelled and named: the selector
 * (Deployment, Service, monitor, disruption budget), the full labels, and metadata in its namespace.
 */
export function workloadIdentity(env: string, app: string, instance: string, namespace: string) {
    const selector: Record<string, string> = { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": instance };
    const labels: Record<string, string> = { ...platformLabels(env, app), ...selector };
    return { selector, labels, meta: (name: string) => ({ name, namespace, labels }) };
}

/** A ClusterIP Service exposing the pods' container port named `http` under the same name. */
export function httpService(
    resourceName: string,
    args: {
        readonly name: string;
        readonly namespace: string;
        readonly labels: Record<string, string>;
        readonly selector: Record<string, string>;
        readonly port: number;
    },
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        resourceName,
        {
            metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
            spec: { type: "ClusterIP", selector: args.selector, ports: [{ name: "http", port: args.port, targetPort: "http", protocol: "TCP" }] },
        },
        opts,
    );
}
