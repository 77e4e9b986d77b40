import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ownedSecret } from "../secrets";
import { EnvNames } from "../naming";

export const GRAFANA_ADMIN_USER_KEY = "admin-user";
export const GRAFANA_ADMIN_PASSWORD_KEY = "admin-password";

export interface GrafanaAdminArgs {
    readonly names: EnvNames;
    readonly namespace: string;
    /** From secret config; when absent a password is generated once and kept in state. */
    readonly password?: pulumi.Output<string>;
}

/** Where downstream scripts find the Grafana admin credentials; never the credentials themselves. */
export interface SecretReference {
    readonly namespace: string;
    readonly name: string;
    readonly keys: { readonly user: string; readonly password: string };
}

/** The Grafana admin Secret, created in Grafana's own namespace and read by the chart via existingSecret. */
export class GrafanaAdmin extends pulumi.ComponentResource {
    readonly secretName: string;
    readonly reference: SecretReference;

    constructor(name: string, args: GrafanaAdminArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:monitoring:GrafanaAdmin", name, {}, opts);
        const password = args.password ?? new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result;
        ownedSecret(
            `${name}-secret`,
            {
                names: args.names,
                component: "grafana",
                name: args.names.secrets.grafanaAdmin,
                namespace: args.namespace,
                data: { [GRAFANA_ADMIN_USER_KEY]: "admin", [GRAFANA_ADMIN_PASSWORD_KEY]: password },
            },
            { parent: this },
        );
        this.secretName = args.names.secrets.grafanaAdmin;
        this.reference = {
            namespace: args.namespace,
            name: this.secretName,
            keys: { user: GRAFANA_ADMIN_USER_KEY, password: GRAFANA_ADMIN_PASSWORD_KEY },
        };
        this.registerOutputs({ secretName: this.secretName, reference: this.reference });
    }
}
