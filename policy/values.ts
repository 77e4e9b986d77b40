/**
 * What the rules read of a resource, shared by several of them: dotted paths and walks through
 * props and chart values, a chart's name, release and values, and how a message names a resource.
 */
import { splitChartLocation } from "../components/chartSources";
import { HELM_CHART, HELM_RELEASE } from "../components/resourceTypes";
import type { CheckedResource } from "./context";

/** The `helm.sh/chart` label Helm charts put on every object: `<chart>-<version>`. */
export const CHART_LABEL = "helm.sh/chart";

export const kindOf = (type: string) => type.split(":").pop() ?? type;
export const isChart = (r: CheckedResource) => r.type === HELM_RELEASE || r.type === HELM_CHART;
/** Chart name and repository; an OCI chart is given as one reference `oci://host/path/<chart>`. */
export const chartLocationOf = (r: CheckedResource) => splitChartLocation(String(r.props.chart ?? ""), r.props.repositoryOpts?.repo);
export const chartName = (r: CheckedResource): string => chartLocationOf(r).chart;
const releaseOf = (r: CheckedResource): string => String(r.props.name ?? r.name);
export const valuesOf = (r: CheckedResource): Record<string, any> => (isObject(r.props.values) ? r.props.values : {});
export const metaName = (r: CheckedResource): string => String(r.props.metadata?.name ?? r.name);
export const describe = (r: CheckedResource) => (isChart(r) ? `release ${releaseOf(r)}` : `${kindOf(r.type)} ${metaName(r)}`);

export function isObject(v: unknown): v is Record<string, any> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads a dotted path; undefined as soon as a step is missing. */
export function at(obj: unknown, path: string): any {
    let cur: any = obj;
    for (const key of path.split(".")) {
        if (!isObject(cur)) return undefined;
        cur = cur[key];
    }
    return cur;
}

/** Every object inside `value` with the dotted path that leads to it. */
export function objectsIn(value: unknown, path = ""): { path: string; key: string; obj: Record<string, any> }[] {
    const out: { path: string; key: string; obj: Record<string, any> }[] = [];
    const visit = (v: unknown, p: string, key: string) => {
        if (Array.isArray(v)) v.forEach((item, i) => visit(item, `${p}[${i}]`, key));
        else if (isObject(v)) {
            out.push({ path: p, key, obj: v });
            for (const [k, child] of Object.entries(v)) visit(child, p ? `${p}.${k}` : k, k);
        }
    };
    visit(value, path, "");
    return out;
}

/** Every string leaf (and object key) inside a value. */
export function stringsIn(value: unknown, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => stringsIn(v, out));
    else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
            out.push(k);
            stringsIn(v, out);
        }
    }
    return out;
}

/** Hosts of an Ingress's rules or TLS entries (objects with `host`, or host names). */
export function hostsOf(list: unknown): string[] {
    return Array.isArray(list) ? list.map((h) => (isObject(h) ? h.host : h)).filter((h): h is string => typeof h === "string") : [];
}

/** The engine's default provider of a package: `pulumi:providers:<pkg>::default` or `::default_<version>`. */
export function isDefaultProvider(urn: string | undefined): boolean {
    return urn !== undefined && /::pulumi:providers:[^:]+::default(_[0-9_]+)?$/.test(urn);
}
