/** Every Ingress has TLS. */

import { INGRESS } from "../../components/resourceTypes";
import { EVERY_STACK, Rule } from "../context";
import { describe, hostsOf, isChart, isObject, objectsIn, valuesOf } from "../values";

function uncoveredHosts(hosts: string[], tls: unknown): string[] {
    const covered = new Set(Array.isArray(tls) ? tls.flatMap((t) => (isObject(t) ? hostsOf(t.hosts) : [])) : []);
    return hosts.filter((h) => !covered.has(h));
}

export const ingressTls: Rule = {
    name: "ingress-has-tls",
    description: "Every Ingress (a resource or a chart's ingress values) serves each of its hosts with TLS.",
    lesson: "a mistyped values key exposed /metrics (nothing is served in the clear)",
    roles: EVERY_STACK,
    check(r) {
        if (r.type === INGRESS) {
            const hosts = hostsOf(r.props.spec?.rules);
            const tls = r.props.spec?.tls;
            if (!Array.isArray(tls) || tls.length === 0) return [`${describe(r)} has no TLS section`];
            const bare = uncoveredHosts(hosts, tls);
            return bare.length ? [`${describe(r)} serves ${bare.join(", ")} without TLS`] : [];
        }
        if (!isChart(r)) return [];
        const out: string[] = [];
        for (const { path, key, obj } of objectsIn(valuesOf(r), "values")) {
            if (key !== "ingress" || obj.enabled !== true) continue;
            if (!Array.isArray(obj.tls) || obj.tls.length === 0) {
                out.push(`${describe(r)}: ingress ${path} has no TLS section`);
                continue;
            }
            const bare = uncoveredHosts(hostsOf(obj.hosts), obj.tls);
            if (bare.length) out.push(`${describe(r)}: ingress ${path} serves ${bare.join(", ")} without TLS`);
        }
        return out;
    },
};
