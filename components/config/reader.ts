/**
 * A small validating reader for structured stack config. It never throws while reading: every
 * problem is collected with the config key, what was expected and what was given, so a user sees
 * all mistakes of a stack file at once. Unknown keys are problems too: a mistyped key that is
 * silently ignored is exactly how the original platform lost its isolation.
 */

export type ConfigProblem =
    | {
          /** Dotted path as used by `pulumi config set --path`, e.g. `storage.nfs.server`. */
          readonly key: string;
          readonly expected: string;
          readonly got: string;
      }
    | {
          /** A key of another namespace, in full (`kubernetes:context`). */
          readonly key: string;
          /** Why the key has no effect and what to set instead. */
          readonly message: string;
      };

function problemLine(project: string, p: ConfigProblem): string {
    return "message" in p ? `  - ${p.key}: ${p.message}` : `  - ${project}:${p.key}: expected ${p.expected}, got ${p.got}`;
}

export class ConfigError extends Error {
    constructor(
        readonly project: string,
        readonly problems: readonly ConfigProblem[],
    ) {
        super(
            `invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` + problems.map((p) => problemLine(project, p)).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Renders a given value for an error message without ever echoing a secret. */
export function describeValue(value: unknown, secret = false): string {
    if (value === undefined) return "nothing (key not set)";
    if (secret) return "a value (not shown: secret)";
    if (value === null) return "null";
    if (typeof value === "string") return value === "" ? "an empty string" : JSON.stringify(value);
    if (Array.isArray(value)) return `a list ${truncate(JSON.stringify(value))}`;
    if (typeof value === "object") return `an object ${truncate(JSON.stringify(value))}`;
    return `${typeof value} ${String(value)}`;
}

function truncate(s: string): string {
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export class Problems {
    readonly list: ConfigProblem[] = [];
    add(key: string, expected: string, got: string): void {
        this.list.push({ key, expected, got });
    }
    /** A key outside the project's namespace (`kubernetes:context`) that the program never reads. */
    addForeign(fullKey: string, message: string): void {
        this.list.push({ key: fullKey, message });
    }
}

interface ScalarOpts<T> {
    /** Phrase completing "expected ...". */
    expected: string;
    default?: T;
    required?: boolean;
}

interface StringOpts extends ScalarOpts<string> {
    /** Never echo the value in a message, even if it was (wrongly) set as plaintext. */
    sensitive?: boolean;
    pattern?: RegExp;
    oneOf?: readonly string[];
    check?: (value: string) => boolean;
}

/** Reads one config object; call `done()` to report keys nobody read. */
export class ObjectReader {
    private readonly read = new Set<string>();
    private readonly data: Record<string, unknown>;

    constructor(
        readonly problems: Problems,
        readonly path: string,
        data: unknown,
        readonly secretKeys: ReadonlySet<string> = new Set(),
    ) {
        this.data = isPlainObject(data) ? data : {};
    }

    keyOf(name: string): string {
        return this.path ? `${this.path}.${name}` : name;
    }

    has(name: string): boolean {
        return this.data[name] !== undefined;
    }

    private take(name: string): unknown {
        this.read.add(name);
        return this.data[name];
    }

    string(name: string, opts: StringOpts): string {
        const raw = this.take(name);
        const key = this.keyOf(name);
        if (raw === undefined || raw === null) {
            if (opts.default !== undefined) return opts.default;
            if (opts.required) this.problems.add(key, opts.expected, describeValue(raw));
            return "";
        }
        const secret = opts.sensitive === true || this.secretKeys.has(key);
        const value = typeof raw === "number" ? String(raw) : raw;
        if (typeof value !== "string") {
            this.problems.add(key, opts.expected, describeValue(raw, secret));
            return "";
        }
        const ok = (!opts.pattern || opts.pattern.test(value)) && (!opts.oneOf || opts.oneOf.includes(value)) && (!opts.check || opts.check(value));
        if (!ok) this.problems.add(key, opts.expected, describeValue(value, secret));
        return value;
    }

    bool(name: string, opts: ScalarOpts<boolean>): boolean {
        const raw = this.take(name);
        if (raw === undefined || raw === null) {
            if (opts.required) this.problems.add(this.keyOf(name), opts.expected, describeValue(raw));
            return opts.default ?? false;
        }
        // Top-level Pulumi config scalars arrive as strings.
        if (raw === true || raw === "true") return true;
        if (raw === false || raw === "false") return false;
        this.problems.add(this.keyOf(name), opts.expected, describeValue(raw));
        return opts.default ?? false;
    }

    int(name: string, opts: ScalarOpts<number> & { min?: number; max?: number }): number {
        const raw = this.take(name);
        const key = this.keyOf(name);
        if (raw === undefined || raw === null) {
            if (opts.required) this.problems.add(key, opts.expected, describeValue(raw));
            return opts.default ?? 0;
        }
        const n = typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
        if (typeof n !== "number" || !Number.isInteger(n) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
            this.problems.add(key, opts.expected, describeValue(raw));
            return opts.default ?? 0;
        }
        return n;
    }

    stringList(name: string, opts: { expected: string; item?: (s: string) => boolean; default?: string[] }): string[] {
        const raw = this.take(name);
        const key = this.keyOf(name);
        if (raw === undefined || raw === null) return opts.default ?? [];
        if (!Array.isArray(raw)) {
            this.problems.add(key, opts.expected, describeValue(raw));
            return opts.default ?? [];
        }
        raw.forEach((item, i) => {
            if (typeof item !== "string" || (opts.item && !opts.item(item))) {
                this.problems.add(`${key}[${i}]`, opts.expected, describeValue(item));
            }
        });
        return raw.filter((x): x is string => typeof x === "string");
    }

    /** A nested object; missing is allowed (all its fields then take defaults or report as required). */
    object(name: string): ObjectReader {
        const raw = this.take(name);
        const key = this.keyOf(name);
        if (raw !== undefined && raw !== null && !isPlainObject(raw)) {
            this.problems.add(key, "an object", describeValue(raw));
        }
        return new ObjectReader(this.problems, key, raw, this.secretKeys);
    }

    /** A list of objects, each read by its own reader at `key[i]`; missing is an empty list. */
    objectList(name: string): ObjectReader[] {
        const raw = this.take(name);
        const key = this.keyOf(name);
        if (raw === undefined || raw === null) return [];
        if (!Array.isArray(raw)) {
            this.problems.add(key, "a list of objects", describeValue(raw));
            return [];
        }
        return raw.map((item, i) => {
            if (!isPlainObject(item)) this.problems.add(`${key}[${i}]`, "an object", describeValue(item));
            return new ObjectReader(this.problems, `${key}[${i}]`, item, this.secretKeys);
        });
    }

    /** Names optional keys this object may hold, so a mistyped key's message lists them although they are absent. */
    declare(...names: string[]): void {
        for (const n of names) this.read.add(n);
    }

    /** The raw value of a key, marked as read; for values a caller checks itself (secrets it must never echo). */
    raw(name: string): unknown {
        return this.take(name);
    }

    /** The keys present in this object, in order, each marked as read. */
    keys(): string[] {
        const present = Object.keys(this.data).filter((k) => this.data[k] !== undefined);
        for (const k of present) this.read.add(k);
        return present;
    }

    /** Takes every key not read so far as known without reading or checking it (settings kept for later). */
    acceptRest(): void {
        for (const k of Object.keys(this.data)) this.read.add(k);
    }

    /** Reports every key present in the data that no reader asked for. */
    done(): void {
        const known = [...this.read].sort();
        for (const k of Object.keys(this.data)) {
            if (!this.read.has(k)) {
                this.problems.add(this.keyOf(k), known.length ? `one of the known keys (${known.join(", ")})` : "no keys here", `unknown key "${k}"`);
            }
        }
    }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
