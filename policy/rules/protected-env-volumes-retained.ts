/** Prod volumes retained. */

import { CRD_REQUIREMENT_TYPE } from "../../components/cluster/operatorCrds";
import { SYSTEM_NAMESPACE } from "../../components/naming";
import { CRD, NAMESPACE, PV, STACK, STORAGE_CLASS } from "../../components/resourceTypes";
import { charts } from "../../components/versions";
import { EVERY_STACK, Rule } from "../context";
import { at, chartName, describe, isChart, isDefaultProvider, metaName, valuesOf } from "../values";

/** The type of the resource a URN names (the last of its type chain). */
const typeOfUrn = (urn: string | undefined) => urn?.split("::")[2]?.split("$").pop();

/** Loki chart components whose StatefulSet may own claims (`<component>.persistence`). */
const LOKI_STATEFUL_CLAIMS = ["singleBinary", "ingester", "compactor"] as const;

/** The component that installs or adopts the env's local-path class (components/storage/localPath.ts). */
const LOCAL_PATH_STORAGE_TYPE = "mlops:storage:LocalPathStorage";

export const prodRetained: Rule = {
    name: "protected-env-volumes-retained",
    description:
        "In a protected env (prod) and in the cluster stack every resource is protected, namespaces are retained on delete, and every volume outlives its claim, release and stack (reclaim policy Retain, Helm keep, Loki whenDeleted Retain).",
    lesson: "thousands of leftover NFS directories / data loss on destroy (prod volumes are retained)",
    roles: EVERY_STACK,
    check(r, ctx) {
        if (!ctx.protectedEnv) return [];
        // The engine's own resources: the root Stack and default providers exist outside the program,
        // which can neither protect them nor lose data through them (explicit-providers keeps every
        // resource of the program off the default providers).
        if (r.type === STACK || isDefaultProvider(r.urn)) return [];
        // An env's read of the cluster's Prometheus CRD (components/monitoring/crdRequirement.ts), and the
        // shared kube-system Namespace, which every stack only reads to check the cluster's identity: the
        // engine never protects a read, a read is never deleted, and no stack can create kube-system.
        if (r.type === CRD && typeOfUrn(r.parent) === CRD_REQUIREMENT_TYPE) return [];
        if (r.type === NAMESPACE && metaName(r) === SYSTEM_NAMESPACE) return [];
        const where = ctx.role === "cluster" ? "the cluster stack" : `protected env ${ctx.env}`;
        const out: string[] = [];
        // An adopted local-path class (storage.localPath.mode existing) is read, not created: no option
        // protects a read, and the stack never deletes it; its reclaim policy still counts (below).
        const adoptedClass = r.type === STORAGE_CLASS && typeOfUrn(r.parent) === LOCAL_PATH_STORAGE_TYPE && r.name.endsWith("-existing");
        if (!r.protect && !adoptedClass) out.push(`${describe(r)} in ${where} must be protected (protect: true)`);
        if (r.type === NAMESPACE && r.retainOnDelete === false) out.push(`${describe(r)} in ${where} must be retained on delete`);
        if (r.type === STORAGE_CLASS && r.props.reclaimPolicy !== "Retain") {
            out.push(`${describe(r)} in ${where} must use reclaimPolicy Retain (has ${r.props.reclaimPolicy ?? "the default Delete"})`);
        }
        if (r.type === PV && at(r.props, "spec.persistentVolumeReclaimPolicy") !== "Retain") {
            out.push(`${describe(r)} in ${where} must use persistentVolumeReclaimPolicy Retain`);
        }
        if (!isChart(r)) return out;
        const values = valuesOf(r);
        const need = (path: string, actual: unknown, want: unknown, why: string) => {
            if (actual !== want) out.push(`${describe(r)} in ${where}: ${path} must be ${JSON.stringify(want)} (${why})`);
        };
        switch (chartName(r)) {
            case charts.nfsSubdirProvisioner.chart:
                need("storageClass.reclaimPolicy", at(values, "storageClass.reclaimPolicy"), "Retain", "NFS volumes outlive their claims");
                need("storageClass.archiveOnDelete", at(values, "storageClass.archiveOnDelete"), true, "deleted claims are archived, never removed");
                break;
            case charts.kubePrometheusStack.chart:
                if (at(values, "grafana.persistence.enabled") === true) {
                    const keep = at(values, "grafana.persistence.annotations")?.["helm.sh/resource-policy"];
                    need('grafana.persistence.annotations["helm.sh/resource-policy"]', keep, "keep", "Helm keeps Grafana's claim");
                }
                break;
            case charts.loki.chart:
                // Every Loki StatefulSet that can delete its claims with it: the single binary, and
                // distributed mode's ingesters (WAL) and compactor.
                for (const component of LOKI_STATEFUL_CLAIMS) {
                    if (at(values, `${component}.persistence.enableStatefulSetAutoDeletePVC`) === true) {
                        need(
                            `${component}.persistence.whenDeleted`,
                            at(values, `${component}.persistence.whenDeleted`),
                            "Retain",
                            component === "singleBinary" ? "the StatefulSet keeps Loki's claim" : `the StatefulSet keeps Loki's ${component} claims`,
                        );
                    }
                }
                break;
        }
        return out;
    },
};
