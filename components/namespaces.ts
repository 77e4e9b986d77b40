import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WorkloadSwitches } from "./config/workloads";
import { EnvNames, createdNamespaces } from "./naming";
import { platformLabels } from "./labels";

export interface EnvNamespacesArgs {
    readonly names: EnvNames;
    /** Keep the namespaces (and everything in them) in the cluster if the stack is destroyed. */
    readonly retainOnDelete: boolean;
    /** A switched-off workload's namespace is not created (nothing would live in it). */
    readonly workloads: WorkloadSwitches;
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
        const namespaces = createdNamespaces(args.names.namespaces, args.workloads);
        for (const [key, name] of Object.entries(namespaces)) {
            new k8s.core.v1.Namespace(
                name,
                { metadata: { name, labels: platformLabels(args.names.env, key) } },
                { parent: this, retainOnDelete: args.retainOnDelete },
            );
        }
        this.registerOutputs({ ...namespaces });
    }
}
