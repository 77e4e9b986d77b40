/** NFS subdir provisioner values and the env-scoped local-path provisioner. */
import { describe, expect, it } from "vitest";
import { localPathConfigJson } from "../components/storage/localPath";
import { MINIMAL_CONFIG, StackRun, resourcesOfType, runLoaded, stackFromConfig, valuesOf, useBothStacks } from "./support/harness";
import { CLUSTER_ROLE, CONFIG_MAP, DEPLOYMENT, NAMESPACE, STORAGE_CLASS } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();

describe.each(["dev", "prod"])("storage-%s", (env) => {
    it("installs an env-scoped, non-default NFS class that archives on delete", () => {
        const v = valuesOf(runs[env].plan, `nfs-${env}`);
        expect(v.nfs).toEqual({ server: "192.168.18.141", path: `/mnt/nfs_share/mlops/${env}`, mountOptions: ["nfsvers=4.1", "hard"] });
        expect(v.storageClass).toEqual({
            create: true,
            name: `nfs-${env}`,
            provisionerName: `nfs.platform.mlops/${env}`,
            defaultClass: false,
            allowVolumeExpansion: true,
            reclaimPolicy: env === "prod" ? "Retain" : "Delete",
            archiveOnDelete: true,
            pathPattern: "${.PVC.namespace}-${.PVC.name}",
            accessModes: "ReadWriteMany",
        });
        expect(runs[env].plan.releases.find((r) => r.name === `nfs-${env}`)?.namespace).toBe(`storage-${env}`);
        // Its permissions are the program's (provisionerRbac.ts, test/rbac.test.ts), not the chart's.
        expect(v.rbac).toEqual({ create: false });
    });

    it("installs its own local-path provisioner with env-scoped name, class, role and node directory", () => {
        const plan = runs[env].plan;
        const sc = resourcesOfType(plan, STORAGE_CLASS)[0].inputs as any;
        expect(sc).toMatchObject({
            metadata: { name: `local-path-${env}` },
            provisioner: `local-path.platform.mlops/${env}`,
            volumeBindingMode: "WaitForFirstConsumer",
            reclaimPolicy: env === "prod" ? "Retain" : "Delete",
        });
        const cm = resourcesOfType(plan, CONFIG_MAP).find((r) => r.name.startsWith("local-path"))!.inputs as any;
        expect(JSON.parse(cm.data["config.json"])).toEqual({
            nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: [`/opt/local-path-provisioner/${env}`] }],
        });
        expect(cm.data["config.json"]).toBe(localPathConfigJson(`/opt/local-path-provisioner/${env}`));
        const dep = resourcesOfType(plan, DEPLOYMENT).find((r) => r.name === `local-path-${env}-provisioner`)!.inputs as any;
        const container = dep.spec.template.spec.containers[0];
        expect(container.image).toBe("rancher/local-path-provisioner:v0.0.37");
        expect(container.command).toEqual([
            "local-path-provisioner",
            "start",
            "--config",
            "/etc/config/config.json",
            "--provisioner-name",
            `local-path.platform.mlops/${env}`,
            "--configmap-name",
            "local-path-config",
            "--service-account-name",
            "local-path-provisioner",
            "--helper-image",
            "busybox:1.37.0",
        ]);
        expect(dep.metadata.namespace).toBe(`storage-${env}`);
        const clusterRoles = resourcesOfType(plan, CLUSTER_ROLE).filter((r) => r.name.startsWith("local-path"));
        expect(clusterRoles.map((r) => (r.inputs as any).metadata.name)).toEqual([`local-path-provisioner-${env}`]);
    });
});

describe("local-path adoption", () => {
    it("adopts an existing class by name and installs no provisioner", async () => {
        const { plan } = await runLoaded(
            stackFromConfig({ ...MINIMAL_CONFIG, storage: { ...MINIMAL_CONFIG.storage, localPath: { mode: "existing", className: "local-path" } } }),
        );
        expect(resourcesOfType(plan, DEPLOYMENT).filter((r) => r.name.startsWith("local-path"))).toEqual([]);
        // The class is read, never created.
        expect(resourcesOfType(plan, STORAGE_CLASS)).toEqual([]);
        expect(plan.reads.map((r) => [r.type, r.name])).toEqual([
            [NAMESPACE, "kube-system-dev"],
            [STORAGE_CLASS, "local-path-dev-existing"],
        ]);
        expect(valuesOf(plan, "monitoring-dev").prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe("local-path");
    });
});
