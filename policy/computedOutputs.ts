/**
 * What a provider computes, as opposed to what the program decides. A stack policy under the real
 * engine receives each resource's inputs merged with its provider's outputs; in a preview of a new
 * resource every output not computed yet is the unknown marker (../shared/engine/README.md, item 7:
 * `RandomPassword.bcryptHash`, `RandomBytes.base64`, `helm.v3.Release.resourceNames`, `status`, …).
 * The rules judge the program's decisions only, so these properties are taken out before any rule
 * reads a resource, on a new stack and on a deployed one alike. Every other unknown stays unknown,
 * and a rule that meets one fails closed.
 *
 * The lists come from the providers' schemas (a property of the resource that is not one of its
 * inputs, or an input the program never sets and the provider fills in), and the engine fixtures in
 * test/fixtures/engine show each of them unknown in a real first preview.
 */
import { HELM_CHART, HELM_RELEASE, RANDOM_BYTES, RANDOM_PASSWORD } from "../components/resourceTypes";

/** Server-set metadata of every Kubernetes object: the API server writes it, never the program. */
const SERVER_SET_METADATA = [
    "metadata.uid",
    "metadata.resourceVersion",
    "metadata.creationTimestamp",
    "metadata.generation",
    "metadata.managedFields",
    "metadata.selfLink",
    "metadata.deletionTimestamp",
    "metadata.deletionGracePeriodSeconds",
] as const;

/** Dotted paths of provider-computed properties, by resource type. */
const BY_TYPE: Readonly<Record<string, readonly string[]>> = {
    [HELM_RELEASE]: ["status", "resourceNames"],
    [HELM_CHART]: ["resources"],
    // The provider sets `id` ("none") as a property of its own, unknown until created.
    [RANDOM_PASSWORD]: ["result", "bcryptHash", "id"],
    "random:index/randomString:RandomString": ["result", "id"],
    [RANDOM_BYTES]: ["base64", "hex"],
    "random:index/randomId:RandomId": ["b64Std", "b64Url", "dec", "hex"],
    "random:index/randomUuid:RandomUuid": ["result"],
    "random:index/randomInteger:RandomInteger": ["result"],
};

/** Kubernetes object types: everything of the kubernetes package that is not a Helm or YAML wrapper. */
export const isKubernetesObject = (type: string) => type.startsWith("kubernetes:") && !/^kubernetes:(helm\.sh|yaml|kustomize)\//.test(type);

/** The dotted paths of what the provider computes for a resource of `type`. */
export function computedOutputPaths(type: string): readonly string[] {
    return BY_TYPE[type] ?? (isKubernetesObject(type) ? ["status", ...SERVER_SET_METADATA] : []);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A copy of `props` without the provider-computed properties of `type`; `props` is not changed. */
export function withoutComputedOutputs(type: string, props: Record<string, unknown>): Record<string, unknown> {
    const paths = computedOutputPaths(type);
    if (!paths.some((p) => p.split(".")[0]! in props)) return props;
    const out: Record<string, unknown> = { ...props };
    for (const path of paths) {
        const keys = path.split(".");
        let cur = out;
        for (const [i, key] of keys.entries()) {
            if (!(key in cur)) break;
            if (i === keys.length - 1) {
                delete cur[key];
                break;
            }
            const next = cur[key];
            if (!isObject(next)) break;
            // Copy on the way down, so the caller's nested objects stay as they were.
            cur = cur[key] = { ...next };
        }
    }
    return out;
}
