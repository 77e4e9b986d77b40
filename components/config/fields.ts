/**
 * Field readers and patterns shared by the config schema's sections, so every section reports the
 * same kind of mistake with the same words.
 */
import { ObjectReader, describeValue } from "./reader";
import { parseBytes, parseDuration, parseMillicores } from "./quantities";

export interface ResourceList {
    readonly cpu: string;
    readonly memory: string;
}

export interface Resources {
    readonly requests: ResourceList;
    readonly limits: ResourceList;
}

export type ReclaimPolicy = "Delete" | "Retain";

export const r = (cpu: string, memory: string, limitCpu: string, limitMemory: string): Resources => ({
    requests: { cpu, memory },
    limits: { cpu: limitCpu, memory: limitMemory },
});

export const ENV_PATTERN = /^[a-z][a-z0-9]{1,11}$/;
export const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
export const ABS_PATH = /^\/[^\s]*$/;
/** `scheme://user[:password]@host…`, whatever the scheme. */
export const CREDENTIALS_IN_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*@/;

export function isCidr(s: string): boolean {
    const [ip, bits, ...rest] = s.split("/");
    return rest.length === 0 && IPV4.test(ip) && /^\d{1,2}$/.test(bits ?? "") && Number(bits) <= 32;
}

export function readResources(parent: ObjectReader, name: string, defaults: Resources): Resources {
    const obj = parent.object(name);
    const list = (kind: "requests" | "limits"): ResourceList => {
        const o = obj.object(kind);
        const cpu = o.string("cpu", {
            expected: 'a CPU quantity such as "250m" or "1"',
            default: defaults[kind].cpu,
            check: (v) => parseMillicores(v) !== undefined,
        });
        const memory = o.string("memory", {
            expected: 'a memory quantity such as "256Mi" or "1Gi"',
            default: defaults[kind].memory,
            check: (v) => parseBytes(v) !== undefined,
        });
        o.done();
        return { cpu, memory };
    };
    const requests = list("requests");
    const limits = list("limits");
    obj.done();
    const rc = parseMillicores(requests.cpu);
    const lc = parseMillicores(limits.cpu);
    if (rc !== undefined && lc !== undefined && rc > lc) {
        parent.problems.add(obj.keyOf("requests.cpu"), `at most limits.cpu (${limits.cpu})`, describeValue(requests.cpu));
    }
    const rm = parseBytes(requests.memory);
    const lm = parseBytes(limits.memory);
    if (rm !== undefined && lm !== undefined && rm > lm) {
        parent.problems.add(obj.keyOf("requests.memory"), `at most limits.memory (${limits.memory})`, describeValue(requests.memory));
    }
    return { requests, limits };
}

export function storageSize(o: ObjectReader, def: string, key = "storageSize"): string {
    return o.string(key, {
        expected: 'a storage quantity such as "10Gi"',
        default: def,
        check: (v) => (parseBytes(v) ?? 0) > 0,
    });
}

export function duration(o: ObjectReader, name: string, def: string, what: string): string {
    return o.string(name, {
        expected: `a ${what} duration such as "${def}" (number and one unit of s, m, h, d, w)`,
        default: def,
        check: (v) => parseDuration(v) !== undefined,
    });
}

/**
 * A top-level key that must hold a secret: a plaintext value is a problem (it would sit unencrypted
 * in the stack file), and the value is never echoed. Returns undefined when the key is not set.
 */
export function secretString(
    top: ObjectReader,
    secretKeys: ReadonlySet<string>,
    key: string,
    opts: { expected: string; required?: boolean; check?: (v: string) => boolean },
): string | undefined {
    if (!top.has(key)) {
        top.string(key, { expected: `${opts.expected}, set with pulumi config set --secret ${key}`, required: opts.required });
        return undefined;
    }
    if (!secretKeys.has(key)) {
        top.problems.add(key, `a secret value (pulumi config set --secret ${key})`, "a plaintext value (not shown)");
    }
    return top.string(key, { expected: opts.expected, sensitive: true, check: opts.check });
}

/** Whether `value` names `env` as one of its words (split at anything but letters and digits): `/srv/nfs/dev`, `mlflow_dev`. */
export function namesEnv(value: string, env: string): boolean {
    return value.split(/[^A-Za-z0-9]+/).includes(env);
}

/**
 * Reports `name` of `o` unless its value names the env. Databases, directories and object prefixes
 * live outside the cluster, where nothing else keeps two envs apart: a stack file copied from
 * another env must fail here rather than share that env's data. `value` is checked only once it is
 * otherwise valid (`valid`), so a malformed value is reported once.
 */
export function requireEnvName(o: ObjectReader, name: string, value: string, env: string, what: string, example: string, valid = true): void {
    // An env that is no env name is reported once, as such, not once per name that lacks it.
    if (!valid || value === "" || !ENV_PATTERN.test(env) || namesEnv(value, env)) return;
    o.problems.add(o.keyOf(name), `${what} that names the env "${env}" as a word (such as ${example}), so no two envs share it`, describeValue(value));
}
