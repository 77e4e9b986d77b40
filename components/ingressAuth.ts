import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SecretReference } from "./monitoring/grafanaAdmin";
import { EnvNames } from "./naming";
import { ownedSecret } from "./secrets";

/** The one basic-auth user of an env's ingresses. */
export const INGRESS_AUTH_USER = "admin";
/** Keys of the credentials Secret (`names.secrets.ingressAuth`). */
export const INGRESS_AUTH_KEYS = { user: "username", password: "password" } as const;
/** ingress-nginx reads an `auth-file` htpasswd Secret from this key. */
export const HTPASSWD_KEY = "auth";

export interface IngressAuthArgs {
    readonly names: EnvNames;
    /** Where the credentials Secret lives (the monitoring namespace, beside Grafana's). */
    readonly credentialsNamespace: string;
    /** Every namespace with an Ingress that names the htpasswd Secret, by a key for the resource name. */
    readonly ingressNamespaces: Readonly<Record<string, string>>;
}

/**
 * Basic-auth credentials of an env's ingresses, generated once: the password and its bcrypt hash
 * are computed by the random provider when it is created and kept in state, so later runs change
 * nothing (`htpasswd` would salt anew on every run). The htpasswd Secret is written into each
 * namespace whose Ingress checks it; the plain password only into the credentials Secret.
 * ingress-nginx checks bcrypt through musl's crypt (controller images since 0.27 are Alpine).
 */
export class IngressAuth extends pulumi.ComponentResource {
    readonly reference: SecretReference;

    constructor(name: string, args: IngressAuthArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:ingress:IngressAuth", name, {}, opts);
        const { names } = args;
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        ownedSecret(
            `${name}-credentials`,
            {
                names,
                component: "ingress-auth",
                name: names.secrets.ingressAuth,
                namespace: args.credentialsNamespace,
                data: { [INGRESS_AUTH_KEYS.user]: INGRESS_AUTH_USER, [INGRESS_AUTH_KEYS.password]: password.result },
            },
            { parent: this },
        );
        const htpasswd = pulumi.interpolate`${INGRESS_AUTH_USER}:${password.bcryptHash}\n`;
        for (const [key, namespace] of Object.entries(args.ingressNamespaces)) {
            ownedSecret(
                `${name}-htpasswd-${key}`,
                { names, component: "ingress-auth", name: names.secrets.ingressHtpasswd, namespace, data: { [HTPASSWD_KEY]: htpasswd } },
                { parent: this },
            );
        }
        this.reference = { namespace: args.credentialsNamespace, name: names.secrets.ingressAuth, keys: { ...INGRESS_AUTH_KEYS } };
        this.registerOutputs({ reference: this.reference });
    }
}
