import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/schema";
import { helmRelease } from "../helm";
import { ENV_LABEL, EnvNames } from "../naming";
import { ChartSource } from "../chartSources";
import { platformLabels } from "../labels";
import { declareGrants } from "../rbac";
import { nfsProvisionerGrants } from "./provisionerRbac";

export interface NfsProvisionerArgs {
    readonly names: EnvNames;
    /** Where the NFS subdir provisioner chart comes from (pin or mirror). */
    readonly chart: ChartSource;
    readonly namespace: string;
    readonly nfs: PlatformConfig["storage"]["nfs"];
    /** Every namespace the env creates: the provisioner updates claims and records events there. */
    readonly envNamespaces: readonly string[];
}

/** Chart values for the env's NFS subdir provisioner (exported for tests and the plan). */
export function nfsProvisionerValues(args: Omit<NfsProvisionerArgs, "envNamespaces">): Record<string, unknown> {
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
        // The chart's ClusterRole updates claims and records events in every namespace; the
        // program's grants (provisionerRbac.ts) keep those writes in the env's namespaces.
        rbac: { create: false },
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
        // The binding names the chart's ServiceAccount before the release creates it.
        const rbac = declareGrants(nfsProvisionerGrants(args.names, args.namespace, args.envNamespaces), platformLabels(args.names.env, "nfs-provisioner"), {
            parent: this,
        });
        helmRelease(
            args.names.releases.nfs,
            {
                source: args.chart,
                releaseName: args.names.releases.nfs,
                namespace: args.namespace,
                values: nfsProvisionerValues(args),
            },
            { parent: this, dependsOn: rbac },
        );
        this.releaseName = args.names.releases.nfs;
        this.storageClassName = args.names.storageClasses.nfs;
        this.registerOutputs({ storageClassName: this.storageClassName, releaseName: this.releaseName, chartSource: args.chart });
    }
}
