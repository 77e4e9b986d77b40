import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "./labels";
import { EnvNames } from "./naming";

/**
 * A Secret the program creates in its consumer's namespace (a pod can only read Secrets of its own
 * namespace; the original platform lost alerts to a Secret created elsewhere). Every value is
 * marked secret, so it is encrypted in state and redacted in plans.
 */
export function ownedSecret(
    resourceName: string,
    args: {
        readonly names: EnvNames;
        readonly component: string;
        readonly name: string;
        readonly namespace: string;
        readonly data: Record<string, pulumi.Input<string>>;
    },
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        resourceName,
        {
            metadata: { name: args.name, namespace: args.namespace, labels: platformLabels(args.names.env, args.component) },
            type: "Opaque",
            stringData: Object.fromEntries(Object.entries(args.data).map(([k, v]) => [k, pulumi.secret(v)])),
        },
        opts,
    );
}
