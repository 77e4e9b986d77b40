/** Pods writing to NFS set fsGroup. */

import { charts } from "../../components/versions";
import { CheckedResource, EVERY_STACK, Rule, isNfsClass } from "../context";
import { at, chartName, describe, isChart, kindOf, valuesOf } from "../values";

/** Chart values that put a pod's data on a claim: storage class path, fsGroup path. */
const CHART_NFS_WRITERS: Record<string, { what: string; classPath: string; enabledPath?: string; fsGroupPath: string }[]> = {
    [charts.kubePrometheusStack.chart]: [
        {
            what: "Grafana",
            classPath: "grafana.persistence.storageClassName",
            enabledPath: "grafana.persistence.enabled",
            fsGroupPath: "grafana.securityContext.fsGroup",
        },
        {
            what: "Alertmanager",
            classPath: "alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName",
            fsGroupPath: "alertmanager.alertmanagerSpec.securityContext.fsGroup",
        },
    ],
    [charts.loki.chart]: [
        {
            what: "Loki",
            classPath: "singleBinary.persistence.storageClass",
            enabledPath: "singleBinary.persistence.enabled",
            fsGroupPath: "loki.podSecurityContext.fsGroup",
        },
        {
            what: "Loki's compactor",
            classPath: "compactor.persistence.storageClass",
            enabledPath: "compactor.persistence.enabled",
            fsGroupPath: "loki.podSecurityContext.fsGroup",
        },
    ],
};

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"];

function podSpecOf(r: CheckedResource): Record<string, any> | undefined {
    const kind = kindOf(r.type);
    if (!r.type.startsWith("kubernetes:") || !WORKLOAD_KINDS.includes(kind)) return undefined;
    if (kind === "Pod") return r.props.spec;
    if (kind === "CronJob") return at(r.props, "spec.jobTemplate.spec.template.spec");
    return at(r.props, "spec.template.spec");
}

export const nfsFsGroup: Rule = {
    name: "nfs-writers-set-fsgroup",
    description: "Every pod that mounts an NFS volume (an nfs volume, or a claim on an NFS class) sets securityContext.fsGroup.",
    lesson: "PermissionError writing logs to NFS",
    roles: EVERY_STACK,
    check(r, ctx) {
        if (isChart(r)) {
            const values = valuesOf(r);
            return (CHART_NFS_WRITERS[chartName(r)] ?? [])
                .filter((w) => (w.enabledPath === undefined || at(values, w.enabledPath) === true) && isNfsClass(at(values, w.classPath), ctx))
                .filter((w) => typeof at(values, w.fsGroupPath) !== "number")
                .map((w) => `${describe(r)}: ${w.what} writes to NFS class ${at(values, w.classPath)} but ${w.fsGroupPath} is not set`);
        }
        const spec = podSpecOf(r);
        if (!spec) return [];
        const namespace = r.props.metadata?.namespace;
        const nfsMounts: string[] = [];
        for (const v of (spec.volumes ?? []) as Record<string, any>[]) {
            if (v.nfs) nfsMounts.push(`volume ${v.name} (nfs ${v.nfs.server}:${v.nfs.path})`);
            const claim = v.persistentVolumeClaim?.claimName;
            const sc = claim && ctx.claimClasses.get(`${namespace}/${claim}`);
            if (isNfsClass(sc, ctx)) nfsMounts.push(`claim ${claim} on class ${sc}`);
        }
        for (const t of (r.props.spec?.volumeClaimTemplates ?? []) as Record<string, any>[]) {
            const sc = t.spec?.storageClassName;
            if (isNfsClass(sc, ctx)) nfsMounts.push(`claim template ${t.metadata?.name} on class ${sc}`);
        }
        if (nfsMounts.length === 0 || typeof spec.securityContext?.fsGroup === "number") return [];
        return [`${describe(r)} mounts NFS (${nfsMounts.join(", ")}) but sets no securityContext.fsGroup`];
    },
};
