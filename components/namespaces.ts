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
    readonly storage: pulumi.Output<string>;
    readonly monitoring: pulumi.Output<string>;
    readonly observability: pulumi.Output<string>;
    readonly fastapi: pulumi.Output<string>;
    readonly mlflow: pulumi.Output<string>;
    readonly airflow: pulumi.Output<string>;

    constructor(name: string, args: EnvNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:platform:EnvNamespaces", name, {}, opts);
        const make = (key: keyof EnvNames["namespaces"]) =>
            new k8s.core.v1.Namespace(
                args.names.namespaces[key],
                {
                    metadata: {
                        name: args.names.namespaces[key],
                        labels: platformLabels(args.names.env, key),
                    },
                },
                { parent: this, retainOnDelete: args.retainOnDelete },
            ).metadata.name;
        this.storage = make("storage");
        this.monitoring = make("monitoring");
        this.observability = make("observability");
        this.fastapi = make("fastapi");
        this.mlflow = make("mlflow");
        this.airflow = make("airflow");
        this.registerOutputs({
            storage: this.storage,
            monitoring: this.monitoring,
            observability: this.observability,
            fastapi: this.fastapi,
            mlflow: this.mlflow,
            airflow: this.airflow,
        });
    }
}
