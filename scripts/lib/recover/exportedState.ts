/**
 * The document `pulumi stack export` prints (deployment format version 3), read only: recovery
 * never writes a state back; Pulumi's own `pulumi refresh` settles the pending operations.
 */
import { RecoverError } from "./errors";

/** A resource as a checkpoint stores it (the fields recovery reads). */
export interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly custom?: boolean;
    readonly id?: string;
    readonly parent?: string;
    readonly provider?: string;
    readonly inputs?: Record<string, unknown>;
    readonly dependencies?: readonly string[];
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

export interface PendingOperation {
    readonly resource: StateResource;
    /** creating, updating, deleting, reading or importing. */
    readonly type: string;
}

export interface ExportedState {
    readonly resources: readonly StateResource[];
    readonly pending: readonly PendingOperation[];
}

export const SUPPORTED_EXPORT_VERSION = 3;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseExportedState(text: string, source: string): ExportedState {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err) {
        throw new RecoverError(`${source} is not JSON: ${(err as Error).message}`);
    }
    if (!isObject(doc) || !isObject(doc.deployment)) {
        throw new RecoverError(`${source} is not the output of \`pulumi stack export\`: no "deployment" object`);
    }
    if (doc.version !== SUPPORTED_EXPORT_VERSION) {
        throw new RecoverError(`${source}: deployment version ${JSON.stringify(doc.version)} is not supported (expected ${SUPPORTED_EXPORT_VERSION})`);
    }
    const { resources = [], pending_operations: pending = [] } = doc.deployment;
    if (!Array.isArray(resources) || !resources.every((r) => isObject(r) && typeof r.urn === "string" && typeof r.type === "string")) {
        throw new RecoverError(`${source}: deployment.resources is not a list of resources with urn and type`);
    }
    if (
        !Array.isArray(pending) ||
        !pending.every((p) => isObject(p) && typeof p.type === "string" && isObject(p.resource) && typeof p.resource.urn === "string")
    ) {
        throw new RecoverError(`${source}: deployment.pending_operations is not a list of {resource, type}`);
    }
    return { resources: resources as StateResource[], pending: pending as PendingOperation[] };
}
