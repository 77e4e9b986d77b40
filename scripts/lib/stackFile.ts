/**
 * Reads a stack the way `pulumi up -s <stack>` would see its config, without the Pulumi CLI:
 * `Pulumi.yaml` for the project name and `Pulumi.<stack>.yaml` for the values. Encrypted (`secure:`)
 * values cannot be decrypted offline, so each needs a placeholder, given explicitly or generated.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { requiredStackSecretPlaceholders } from "../../components/config/stack";

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

export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

const isSecure = (v: unknown): v is { secure: string } =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;

export function projectName(root: string): string {
    const doc = yaml.load(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name?: string };
    if (!doc?.name) throw new StackFileError("Pulumi.yaml has no project name");
    return doc.name;
}

export function loadStack(root: string, stack: string, opts: StackOptions = {}): LoadedStack {
    const project = projectName(root);
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(file)) {
        throw new StackFileError(`no stack file Pulumi.${stack}.yaml in ${root}`);
    }
    const doc = (yaml.load(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const raw = doc.config ?? {};
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    const missing: string[] = [];
    const given = { ...(opts.secrets ?? {}) };
    let required: Readonly<Record<string, (token: string) => string>> = {};

    const placeholderFor = (key: string): string | undefined => {
        if (given[key] !== undefined) {
            const value = given[key];
            delete given[key];
            return value;
        }
        if (opts.placeholderSecrets) return generated(key);
        missing.push(key);
        return undefined;
    };
    const generated = (key: string): string => {
        const token = `plan-placeholder-${randomBytes(12).toString("hex")}`;
        // The leak check looks for the token, which every shaped placeholder contains.
        placeholders.push(token);
        return (required[key] ?? ((t: string) => t))(token);
    };

    for (const [fullKey, value] of Object.entries(raw)) {
        const qualified = fullKey.includes(":") ? fullKey : `${project}:${fullKey}`;
        const short = qualified.startsWith(`${project}:`) ? qualified.slice(project.length + 1) : qualified;
        let secret = false;
        // Replace every secure leaf, however deep; Pulumi then treats the whole key as secret.
        const resolve = (v: unknown): unknown => {
            if (isSecure(v)) {
                secret = true;
                const p = placeholderFor(short);
                if (p !== undefined) placeholders.push(p);
                return p ?? "";
            }
            if (Array.isArray(v)) return v.map(resolve);
            if (typeof v === "object" && v !== null) {
                return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
            }
            return v;
        };
        const resolved = resolve(value);
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
