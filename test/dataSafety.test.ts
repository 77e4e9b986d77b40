/**
 * Data safety: prod volumes outlive their claims, releases and the stack; destroying dev can only
 * reach objects dev owns (its namespaces, classes and releases), never one prod uses.
 */
import { describe, expect, it } from "vitest";
import { Plan } from "../scripts/lib/planWriter";
import { StackRun, allStrings, useBothStacks, valuesOf } from "./support/harness";
import { STORAGE_CLASS } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();

const inputs = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type).map((r) => r.inputs as any);

/** Every value under a key that names a storage class, anywhere in a value tree. */
function storageClassRefs(value: unknown, out: string[] = []): string[] {
    if (Array.isArray(value)) value.forEach((v) => storageClassRefs(v, out));
    else if (typeof value === "object" && value !== null) {
        for (const [k, v] of Object.entries(value)) {
            if ((k === "storageClassName" || k === "storageClass") && typeof v === "string") out.push(v);
            else storageClassRefs(v, out);
        }
    }
    return out;
}

/** Names of what an env owns, from its outputs contract. */
function owned(plan: Plan): string[] {
    const o = plan.outputs as any;
    return [
        ...Object.values(o.namespaces),
        ...Object.values(o.storageClasses),
        ...Object.values(o.releases),
        o.grafanaAdminSecret.name,
        // A switched-off workload has no URL (null).
        ...Object.values(o.urls)
            .filter((u) => u !== null)
            .map((u) => new URL(u as string).host),
    ] as string[];
}

describe("prod data outlives claims, releases and the stack", () => {
    it("retains every prod volume", () => {
        const plan = runs.prod.plan;
        expect(inputs(plan, STORAGE_CLASS).map((sc) => [sc.metadata.name, sc.reclaimPolicy])).toEqual([["local-path-prod", "Retain"]]);
        const nfs = valuesOf(plan, "nfs-prod").storageClass;
        expect([nfs.reclaimPolicy, nfs.archiveOnDelete]).toEqual(["Retain", true]);
        expect(valuesOf(plan, "monitoring-prod").grafana.persistence.annotations).toEqual({ "helm.sh/resource-policy": "keep" });
        expect(valuesOf(plan, "loki-prod").singleBinary.persistence).toMatchObject({
            enableStatefulSetAutoDeletePVC: true,
            whenDeleted: "Retain",
            whenScaled: "Retain",
        });
    });

    it("lets dev volumes go with dev (and keeps NFS archives)", () => {
        const plan = runs.dev.plan;
        expect(inputs(plan, STORAGE_CLASS).map((sc) => sc.reclaimPolicy)).toEqual(["Delete"]);
        expect(valuesOf(plan, "nfs-dev").storageClass).toMatchObject({ reclaimPolicy: "Delete", archiveOnDelete: true });
        expect(valuesOf(plan, "monitoring-dev").grafana.persistence.annotations).toBeUndefined();
        expect(valuesOf(plan, "loki-dev").singleBinary.persistence.whenDeleted).toBe("Delete");
    });
});

describe("destroying dev cannot touch prod", () => {
    it("puts every namespaced dev object and release in a dev namespace, but the operator's kubelet Role in kube-system", () => {
        const plan = runs.dev.plan;
        const devNamespaces = Object.values((plan.outputs as any).namespaces);
        const namespaceOf = (r: Plan["resources"][number]) => (r.inputs as any)?.metadata?.namespace ?? (r.inputs as any)?.namespace;
        const namespaces = plan.resources.map(namespaceOf).filter((n) => n !== undefined);
        expect(namespaces.length).toBeGreaterThan(10);
        const elsewhere = plan.resources.filter((r) => namespaceOf(r) !== undefined && !devNamespaces.includes(namespaceOf(r)));
        // The kubelet Service the operator keeps in kube-system; named after the env like a cluster-scoped object.
        expect(elsewhere.map((r) => `${r.type.split(":").pop()} ${namespaceOf(r)}/${(r.inputs as any).metadata.name}`)).toEqual([
            "Role kube-system/monitoring-dev-operator-kubelet",
            "RoleBinding kube-system/monitoring-dev-operator-kubelet",
        ]);
    });

    it("mounts only dev storage classes", () => {
        const plan = runs.dev.plan;
        expect([...new Set(storageClassRefs(plan.values))].sort()).toEqual(["local-path-dev", "nfs-dev"]);
    });

    it("names no object prod owns", () => {
        const prodOwned = owned(runs.prod.plan);
        expect(prodOwned).toContain("nfs-prod");
        const devStrings = allStrings([runs.dev.plan.resources, runs.dev.plan.values, runs.dev.plan.outputs]);
        expect(prodOwned.filter((name) => devStrings.some((s) => s.includes(name)))).toEqual([]);
    });
});
