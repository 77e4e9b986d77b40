import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../labels";

/** Selector labels of a workload the program declares itself (Deployment, Service, monitor). */
export function workloadSelector(app: string, instance: string): Record<string, string> {
    return { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": instance };
}

/** Selector plus the platform labels: what every object of the workload carries. */
export function workloadLabels(env: string, app: string, instance: string): Record<string, string> {
    return { ...platformLabels(env, app), ...workloadSelector(app, instance) };
}

/** A ClusterIP Service exposing the pods' container port named `http` under the same name. */
export function httpService(
    resourceName: string,
    args: {
        readonly name: string;
        readonly namespace: pulumi.Input<string>;
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
