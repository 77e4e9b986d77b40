/**
 * The document `pulumi stack export` prints (deployment format version 3) and the one edit
 * recovery makes to it: dropping `deployment.pending_operations`. The edit is made on the text, not
 * by re-serialising the parsed object, so every other byte (indentation, key order, escapes such as
 * `\u003c`, number spelling, encrypted secret values) is exactly what Pulumi exported and will read
 * back with `pulumi stack import`.
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

/** Offsets of one object member: `"key": value`, key quotes included, value end exclusive. */
interface Member {
    readonly key: string;
    readonly keyStart: number;
    readonly valueStart: number;
    readonly valueEnd: number;
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);

function skipWhitespace(text: string, i: number): number {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
    return i;
}

function stringEnd(text: string, i: number): number {
    for (let j = i + 1; j < text.length; j++) {
        if (text[j] === "\\") j++;
        else if (text[j] === '"') return j + 1;
    }
    throw new Error("unterminated string");
}

/** End (exclusive) of the JSON value that starts at `i`; the text is known to be valid JSON. */
function valueEnd(text: string, i: number): number {
    const c = text[i];
    if (c === '"') return stringEnd(text, i);
    if (c !== "{" && c !== "[") {
        let j = i;
        while (j < text.length && !WHITESPACE.has(text[j]!) && text[j] !== "," && text[j] !== "}" && text[j] !== "]") j++;
        return j;
    }
    let depth = 0;
    for (let j = i; j < text.length; j++) {
        const d = text[j];
        if (d === '"') j = stringEnd(text, j) - 1;
        else if (d === "{" || d === "[") depth++;
        else if (d === "}" || d === "]") {
            depth--;
            if (depth === 0) return j + 1;
        }
    }
    throw new Error("unterminated value");
}

function membersOf(text: string, objectStart: number): Member[] {
    const members: Member[] = [];
    let i = skipWhitespace(text, objectStart + 1);
    while (text[i] !== "}") {
        const keyStart = i;
        const keyEnd = stringEnd(text, i);
        const valueStart = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
        const end = valueEnd(text, valueStart);
        members.push({ key: JSON.parse(text.slice(keyStart, keyEnd)) as string, keyStart, valueStart, valueEnd: end });
        i = skipWhitespace(text, end);
        if (text[i] === ",") i = skipWhitespace(text, i + 1);
    }
    return members;
}

/**
 * The exported text without `deployment.pending_operations`, byte for byte the same otherwise;
 * unchanged when there is none. The result is checked to parse to the same document minus that key.
 */
export function withoutPendingOperations(text: string): string {
    const original = JSON.parse(text) as { deployment: Record<string, unknown> };
    const deployment = membersOf(text, skipWhitespace(text, 0)).find((m) => m.key === "deployment");
    if (!deployment) throw new RecoverError('no "deployment" object');
    const members = membersOf(text, deployment.valueStart);
    const k = members.findIndex((m) => m.key === "pending_operations");
    if (k < 0) return text;
    // Cut from the end of the previous value, so the comma and the line break before the removed
    // member go with it and the following member keeps its own leading whitespace.
    const [from, to] =
        k > 0
            ? [members[k - 1]!.valueEnd, members[k]!.valueEnd]
            : members.length > 1
              ? [members[0]!.keyStart, members[1]!.keyStart]
              : [members[0]!.keyStart, members[0]!.valueEnd];
    const cleaned = text.slice(0, from) + text.slice(to);

    delete original.deployment.pending_operations;
    if (JSON.stringify(JSON.parse(cleaned)) !== JSON.stringify(original)) {
        throw new RecoverError("removing pending_operations changed more than that key (please report this state file's shape)");
    }
    return cleaned;
}
