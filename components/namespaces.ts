import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvNames } from "./naming";
import { platformLabels } from "./labels";

export interface EnvNamespacesArgs {
    readonly names: EnvNames;
    /** Keep the namespaces (and everything in them) in the cluster if the stack is destroyed. */
    readonly retainOnDelete: boolean;
}

/**
 * The env's namespaces. They carry the env label that the env's Prometheus uses as its monitor
 * namespace selector, so a monitor in another env's namespace is never selected.
 */
export class EnvNamespaces extends pulumi.ComponentResource {
    constructor(name: string, args: EnvNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:platform:EnvNamespaces", name, {}, opts);
        // Names are the naming module's plain strings, known in a first preview; whatever lives in a
        // namespace waits for it through `dependsOn` on this component, not through its outputs.
        for (const key of Object.keys(args.names.namespaces) as (keyof EnvNames["namespaces"])[]) {
            new k8s.core.v1.Namespace(
                args.names.namespaces[key],
                { metadata: { name: args.names.namespaces[key], labels: platformLabels(args.names.env, key) } },
                { parent: this, retainOnDelete: args.retainOnDelete },
            );
        }
        this.registerOutputs({ ...args.names.namespaces });
    }
}
