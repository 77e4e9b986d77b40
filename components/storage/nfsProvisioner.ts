import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/schema";
import { helmRelease } from "../helm";
import { ENV_LABEL, EnvNames } from "../naming";
import { ChartSource } from "../chartSources";

export interface NfsProvisionerArgs {
    readonly names: EnvNames;
    /** Where the NFS subdir provisioner chart comes from (pin or mirror). */
    readonly chart: ChartSource;
    readonly namespace: string;
    readonly nfs: PlatformConfig["storage"]["nfs"];
}

/** Chart values for the env's NFS subdir provisioner (exported for tests and the plan). */
export function nfsProvisionerValues(args: NfsProvisionerArgs): Record<string, unknown> {
    const { names, nfs } = args;
    return {
        nfs: {
            server: nfs.server,
            path: nfs.path,
            // With mount options the chart mounts the export through its own PV, named after the release.
            ...(nfs.mountOptions.length ? { mountOptions: [...nfs.mountOptions] } : {}),
        },
        storageClass: {
            create: true,
            name: names.storageClasses.nfs,
            // Per-env provisioner name: the chart default is derived from the release name only.
            provisionerName: names.provisioners.nfs,
            defaultClass: false,
            allowVolumeExpansion: true,
            reclaimPolicy: nfs.reclaimPolicy,
            // Rendered as the string "true": deleted claims are renamed archived-*, never removed.
            archiveOnDelete: true,
            // A claim re-created under the same name finds its old directory again.
            pathPattern: "${.PVC.namespace}-${.PVC.name}",
            accessModes: "ReadWriteMany",
        },
        replicaCount: 1,
        resources: nfs.resources,
        labels: { [ENV_LABEL]: names.env },
    };
}

/** NFS subdir provisioner and its env-scoped StorageClass (never the default class). */
export class NfsProvisioner extends pulumi.ComponentResource {
    /** Plain, known in a first preview; claims on it wait for this component through `dependsOn`. */
    readonly storageClassName: string;
    readonly releaseName: string;

    constructor(name: string, args: NfsProvisionerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:storage:NfsProvisioner", name, {}, opts);
        helmRelease(
            args.names.releases.nfs,
            {
                source: args.chart,
                releaseName: args.names.releases.nfs,
                namespace: args.namespace,
                values: nfsProvisionerValues(args),
            },
            { parent: this },
        );
        this.releaseName = args.names.releases.nfs;
        this.storageClassName = args.names.storageClasses.nfs;
        this.registerOutputs({ storageClassName: this.storageClassName, releaseName: this.releaseName, chartSource: args.chart });
    }
}
