import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { EnvNames } from "../naming";
import { ownedSecret } from "../secrets";

/** Environment variable names of the shared app Secret (Slack notifications and model reloads). */
export const APP_SECRET_KEYS = { slackWebhookUrl: "SLACK_WEBHOOK_URL", reloadToken: "RELOAD_SECRET_TOKEN" } as const;

export interface AppSecretsArgs {
    readonly names: EnvNames;
    /** Namespaces whose pods read the app Secret (FastAPI serves reloads, Airflow requests them). */
    readonly namespaces: Record<string, string>;
    readonly slackWebhookUrl: pulumi.Input<string>;
    /** From secret config; when absent a token is generated once and kept in state. */
    readonly reloadToken?: pulumi.Input<string>;
}

/**
 * The Slack webhook and model-reload token shared by the env's workloads, as one Secret of the same
 * name in every consuming namespace, so FastAPI and Airflow always hold the same token.
 */
export class AppSecrets extends pulumi.ComponentResource {
    readonly secretName: string;

    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:workloads:AppSecrets", name, {}, opts);
        const reloadToken = args.reloadToken ?? new random.RandomPassword(`${name}-reload-token`, { length: 40, special: false }, { parent: this }).result;
        this.secretName = args.names.secrets.workloadApp;
        for (const [component, namespace] of Object.entries(args.namespaces)) {
            ownedSecret(
                `${name}-${component}`,
                {
                    names: args.names,
                    component,
                    name: this.secretName,
                    namespace,
                    data: { [APP_SECRET_KEYS.slackWebhookUrl]: args.slackWebhookUrl, [APP_SECRET_KEYS.reloadToken]: reloadToken },
                },
                { parent: this },
            );
        }
        this.registerOutputs({ secretName: this.secretName });
    }
}
