/**
 * Reads a stack the way `pulumi up -s <stack>` would see its config, without the Pulumi CLI:
 * `Pulumi.yaml` for the project name and `Pulumi.<stack>.yaml` for the values (or a stack file
 * elsewhere, such as a test fixture). Encrypted (`secure:`) values cannot be decrypted offline, so
 * each needs a placeholder, given explicitly or generated.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { kubeconfigPlaceholder } from "../../components/config/cluster";
import { PlatformConfig, rawConfigFrom } from "../../components/config/schema";
import { StackConfig, parseStack, requiredStackSecretPlaceholders } from "../../components/config/stack";
import { NamedError } from "./errors";

export interface StackOptions {
    /** Placeholder values for secret config keys (key without project prefix). */
    readonly secrets?: Readonly<Record<string, string>>;
    /**
     * Generate a placeholder for every `secure:` value that has no explicit one, and for every
     * required secret key the stack file does not hold (set only on the user's machine).
     */
    readonly placeholderSecrets?: boolean;
    /**
     * Required secret keys (default: the program's own list) given the stack's other config (`project:key` to string), each with the
     * shape a valid placeholder must have.
     */
    readonly requiredSecrets?: (config: Readonly<Record<string, string>>, project: string) => Readonly<Record<string, (token: string) => string>>;
}

export interface LoadedStack {
    readonly project: string;
    readonly stack: string;
    /** Full config map as the Pulumi runtime receives it (`project:key` to string). */
    readonly config: Record<string, string>;
    readonly secretKeys: string[];
    /** Every placeholder value used: none of them may appear in a written plan file. */
    readonly placeholders: string[];
}

/** A stack or project file the plan cannot use; the message is one line meant for the user as is. */
export class StackFileError extends NamedError {}

/** The stack named on the command line has no stack file: a wrong argument rather than a broken file. */
export class UnknownStackError extends StackFileError {}

const isSecure = (v: unknown): v is { secure: string } =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const shapeOf = (v: unknown): string =>
    Array.isArray(v)
        ? "a list"
        : typeof v === "string"
          ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`
          : `a ${typeof v} (${String(v)})`;

/** 1-based `line:col` of a 0-based offset, the way editors and compilers point at a place. */
function lineCol(text: string, offset: number): string {
    const before = text.slice(0, Math.max(0, offset));
    const line = before.split("\n").length;
    return `${line}:${before.length - before.lastIndexOf("\n")}`;
}

/** Where a parser event's node starts: its anchor or tag when it has one, else its content. */
function eventStart(e: yaml.Event): number {
    const own = "start" in e ? e.start : "valueStart" in e ? e.valueStart : -1;
    const starts = [own, "tagStart" in e ? e.tagStart : -1, "anchorStart" in e ? e.anchorStart : -1].filter((n) => n >= 0);
    return starts.length ? Math.min(...starts) : -1;
}

/** Index of the event after the node that starts at `i` (nested collections included). */
function skipNode(events: yaml.Event[], i: number): number {
    if (events[i].type !== yaml.EVENT_MAPPING && events[i].type !== yaml.EVENT_SEQUENCE) return i + 1;
    for (let depth = 0; ; i++) {
        const t = events[i].type;
        if (t === yaml.EVENT_MAPPING || t === yaml.EVENT_SEQUENCE) depth++;
        else if (t === yaml.EVENT_POP && --depth === 0) return i + 1;
    }
}

/**
 * Offsets of the top-level node and of each top-level key's value, read from the parser's events
 * because the loaded document no longer knows where anything was. Only called for a valid file.
 */
function topLevelOffsets(text: string): { top: number; values: Map<string, number> } {
    const events = yaml.parseEvents(text, {});
    const values = new Map<string, number>();
    // events[0] opens the document, events[1] is its top-level node.
    const top = eventStart(events[1]);
    if (events[1].type === yaml.EVENT_MAPPING) {
        for (let i = 2; events[i].type !== yaml.EVENT_POP;) {
            const key = events[i];
            const keyStart = eventStart(key);
            const name = key.type === yaml.EVENT_SCALAR ? yaml.getScalarValue(text, key) : undefined;
            i = skipNode(events, i);
            const valueStart = eventStart(events[i]);
            if (name !== undefined) values.set(name, valueStart >= 0 ? valueStart : keyStart);
            i = skipNode(events, i);
        }
    }
    return { top: top >= 0 ? top : 0, values };
}

/**
 * One YAML file of the project as a top-level map. Every problem is one line, `<file>:<line>:<col>:
 * <problem>` where the parser knows the place, so it reads like a compiler error and never as a
 * stack trace. `expected` says what the file should hold, for the empty and the wrong-shape cases.
 */
function readYamlMap(file: string, label: string, expected: string): { doc: Record<string, unknown>; at: (key?: string) => string } {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (err) {
        throw new StackFileError(`${label}: cannot read it: ${(err as Error).message}`);
    }
    // An empty file is not a parse error to the user: say so without a position.
    if (text.split("\n").every((l) => /^\s*(#.*)?$/.test(l))) throw new StackFileError(`${label} is empty: expected ${expected}`);
    let doc: unknown;
    try {
        doc = yaml.load(text, { filename: label });
    } catch (err) {
        if (!(err instanceof yaml.YAMLException)) throw err;
        const { reason, mark } = err;
        if (!mark) throw new StackFileError(`${label}: ${reason}`);
        // js-yaml names the problem but not the key; the key is what the user searches for.
        const key = reason === "duplicated mapping key" ? /^(.+?):(\s|$)/.exec(text.slice(mark.position).split("\n")[0])?.[1] : undefined;
        throw new StackFileError(`${label}:${mark.line + 1}:${mark.column + 1}: ${reason}${key ? ` ${JSON.stringify(key)}` : ""}`);
    }
    if (doc === null || doc === undefined) throw new StackFileError(`${label} is empty: expected ${expected}`);
    const offsets = topLevelOffsets(text);
    const at = (key?: string) => `${label}:${lineCol(text, key === undefined ? offsets.top : (offsets.values.get(key) ?? offsets.top))}`;
    if (!isMap(doc)) throw new StackFileError(`${at()}: expected ${expected}, got ${shapeOf(doc)}`);
    return { doc, at };
}

export function projectName(root: string): string {
    const expected = "a map with the project's name: and runtime: keys";
    const { doc, at } = readYamlMap(path.join(root, "Pulumi.yaml"), "Pulumi.yaml", expected);
    if (typeof doc.name !== "string" || !doc.name) {
        throw new StackFileError(`${at("name")}: expected the project's name: as a string, got ${doc.name === undefined ? "no name: key" : shapeOf(doc.name)}`);
    }
    return doc.name;
}

/** Stack names that have a stack file in `root`, for the message about one that has none. */
function stacksIn(root: string): string[] {
    return readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** Shapes of placeholders for optional secret keys, so the schema accepts them (a kubeconfig must define the stack's context). */
function optionalSecretPlaceholders(config: Readonly<Record<string, string>>, project: string): Record<string, (token: string) => string> {
    let context: unknown;
    try {
        context = JSON.parse(config[`${project}:cluster`] ?? "{}")?.context;
    } catch {
        // Malformed cluster config is reported by the schema itself.
    }
    return { kubeconfig: (t) => kubeconfigPlaceholder(typeof context === "string" ? context : "placeholder", t) };
}

export function loadStack(root: string, stack: string, opts: StackOptions = {}): LoadedStack {
    const label = `Pulumi.${stack}.yaml`;
    const file = path.join(root, label);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(file)) {
        const stacks = stacksIn(root);
        throw new UnknownStackError(
            `no stack file ${label} in ${root}; ${stacks.length ? `the stacks here are ${stacks.join(", ")}` : "there is no Pulumi.<stack>.yaml here"}`,
        );
    }
    return loadStackFile(root, file, opts);
}

/**
 * Loads the stack file `file` (named `Pulumi.<stack>.yaml`, anywhere) as a stack of the project in
 * `root`: how tests and the offline plan read a stack that is not one of the project's own.
 */
export function loadStackFile(root: string, file: string, opts: StackOptions = {}): LoadedStack {
    const project = projectName(root);
    const label = path.basename(file);
    const stack = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(label)?.[1];
    if (stack === undefined || !existsSync(file)) throw new UnknownStackError(`no stack file ${file} (a stack file is named Pulumi.<stack>.yaml)`);
    const { doc, at } = readYamlMap(file, label, "a map with a config: key holding the stack's settings");
    if (!("config" in doc)) {
        throw new StackFileError(`${at()}: no config: key; the stack's settings go under config: (top-level keys here: ${Object.keys(doc).join(", ")})`);
    }
    // `config:` with nothing under it is an empty config to Pulumi; the program then names what is missing.
    if (doc.config !== null && !isMap(doc.config)) throw new StackFileError(`${at("config")}: config: must be a map of settings, got ${shapeOf(doc.config)}`);
    const raw = (doc.config ?? {}) as Record<string, unknown>;
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    const missing: string[] = [];
    const given = { ...(opts.secrets ?? {}) };
    let required: Readonly<Record<string, (token: string) => string>> = {};
    let shapes: Readonly<Record<string, (token: string) => string>> = {};
    /**
     * Placeholders generated for `secure:` values, filled in once the whole config gives their shapes
     * (a kubeconfig defining the stack's context, the remote-write credentials of its targets). Only a
     * key held whole as one `secure:` value gets its key's shape; a secure leaf inside a structured
     * value gets a bare token.
     */
    const deferred = new Map<string, { key: string; whole: boolean }>();
    const placeholderFor = (key: string, whole: boolean): string | undefined => {
        if (given[key] !== undefined) {
            const value = given[key];
            delete given[key];
            return value;
        }
        if (opts.placeholderSecrets) {
            const marker = `deferred-placeholder-${deferred.size}-${randomBytes(6).toString("hex")}`;
            deferred.set(marker, { key, whole });
            return marker;
        }
        missing.push(key);
        return undefined;
    };
    const generated = (key: string, whole = true): string => {
        const token = `plan-placeholder-${randomBytes(12).toString("hex")}`;
        // The leak check looks for the token, which every shaped placeholder contains.
        placeholders.push(token);
        return whole ? (required[key] ?? shapes[key] ?? ((t: string) => t))(token) : token;
    };

    for (const [fullKey, value] of Object.entries(raw)) {
        const qualified = fullKey.includes(":") ? fullKey : `${project}:${fullKey}`;
        const short = qualified.startsWith(`${project}:`) ? qualified.slice(project.length + 1) : qualified;
        let secret = false;
        // Replace every secure leaf, however deep; Pulumi then treats the whole key as secret.
        const resolve = (v: unknown, whole: boolean): unknown => {
            if (isSecure(v)) {
                secret = true;
                const p = placeholderFor(short, whole);
                if (p !== undefined && !deferred.has(p)) placeholders.push(p);
                return p ?? "";
            }
            if (Array.isArray(v)) return v.map((x) => resolve(x, false));
            if (typeof v === "object" && v !== null) {
                return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, false)]));
            }
            return v;
        };
        const resolved = resolve(value, true);
        config[qualified] = typeof resolved === "object" && resolved !== null ? JSON.stringify(resolved) : String(resolved);
        if (secret) secretKeys.push(qualified);
    }
    // Secret keys the stack file does not hold (set only on the user's machine) can be given too.
    for (const [key, value] of Object.entries(given)) {
        const qualified = key.includes(":") ? key : `${project}:${key}`;
        config[qualified] = value;
        secretKeys.push(qualified);
        placeholders.push(value);
    }
    if (opts.placeholderSecrets) {
        required = (opts.requiredSecrets ?? requiredStackSecretPlaceholders)(config, project);
        shapes = optionalSecretPlaceholders(config, project);
        for (const [marker, { key, whole }] of deferred) {
            const value = generated(key, whole);
            for (const [k, v] of Object.entries(config)) {
                // A secure leaf inside a structured value sits in its JSON as a JSON string.
                if (v === marker) config[k] = value;
                else if (v.includes(marker)) config[k] = v.replace(JSON.stringify(marker), JSON.stringify(value));
            }
        }
        for (const key of Object.keys(required)) {
            const qualified = `${project}:${key}`;
            if (config[qualified] !== undefined) continue;
            config[qualified] = generated(key);
            secretKeys.push(qualified);
        }
    }
    if (missing.length) {
        throw new StackFileError(
            `Pulumi.${stack}.yaml has encrypted values the offline plan cannot decrypt: ${missing.join(", ")}. ` +
                `Pass a placeholder for each (--secret <key>=<value>) or let the plan generate them ` +
                `(--placeholder-secrets or PLAN_PLACEHOLDER_SECRETS=1).`,
        );
    }
    return { project, stack, config, secretKeys, placeholders };
}

/** The program's validated config of a loaded stack, as index.ts parses it, by its role (throws ConfigError). */
export function parseLoadedStack(loaded: LoadedStack): StackConfig {
    return parseStack(
        rawConfigFrom(loaded.config, (k) => loaded.secretKeys.includes(k), loaded.project, loaded.stack),
        loaded.project,
    );
}

/** The validated config of a loaded env stack (throws ConfigError; a cluster stack is refused). */
export function parseStackConfig(loaded: LoadedStack): PlatformConfig {
    const parsed = parseLoadedStack(loaded);
    if (parsed.role !== "env") throw new Error(`stack ${loaded.stack} is a cluster stack (role: cluster), not an env's`);
    return parsed.config;
}
