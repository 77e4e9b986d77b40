/**
 * Post-render patches: changes the program makes to objects a chart renders, for settings the
 * chart has no values key for. They are data first (so the offline plan can list them for a
 * reviewer) and a Pulumi transform second (so the same data is what runs).
 */
import * as pulumi from "@pulumi/pulumi";

export interface RenderedPatch {
    /** Kubernetes kind of the rendered object, e.g. `DaemonSet`. */
    readonly kind: string;
    /** metadata.name of the rendered object. */
    readonly name: string;
    /** Dotted field path to the value it must have, e.g. `spec.template.spec.terminationGracePeriodSeconds`. */
    readonly set: Readonly<Record<string, unknown>>;
}

/** Returns a copy of `obj` with `value` at the dotted `path`, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
    const [head, ...rest] = path.split(".");
    const copy = { ...obj };
    if (rest.length === 0) {
        copy[head] = value;
    } else {
        const child = copy[head];
        copy[head] = setPath(typeof child === "object" && child !== null ? (child as Record<string, unknown>) : {}, rest.join("."), value);
    }
    return copy;
}

/** Kind of a Kubernetes resource type token such as `kubernetes:apps/v1:DaemonSet`. */
function kindOf(type: string): string | undefined {
    return type.startsWith("kubernetes:") ? type.split(":").pop() : undefined;
}

/** The transform that applies `patches` to matching rendered objects and leaves everything else alone. */
export function patchTransform(patches: readonly RenderedPatch[]): pulumi.ResourceTransform {
    return (args) => {
        const kind = kindOf(args.type);
        const name = args.props?.metadata?.name;
        const matching = patches.filter((p) => p.kind === kind && p.name === name);
        if (matching.length === 0) return undefined;
        let props = args.props as Record<string, unknown>;
        for (const patch of matching) {
            for (const [path, value] of Object.entries(patch.set)) props = setPath(props, path, value);
        }
        return { props, opts: args.opts };
    };
}
