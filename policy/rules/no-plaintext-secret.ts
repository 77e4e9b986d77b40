/** No plaintext secret in chart values or ConfigMaps. */

import * as yaml from "js-yaml";
import { CONFIG_MAP } from "../../components/resourceTypes";
import { EVERY_STACK, Rule } from "../context";
import { describe, isChart, objectsIn, valuesOf } from "../values";

/** Keys whose value is a credential even though the name ends like a reference (`apiKey`). */
const CREDENTIAL_KEY = /(client[_-]?secret|api[_-]?key|secret[_-]?(access[_-]?)?key|access[_-]?key|private[_-]?key)$/i;
/** Keys that name where a credential lives (a Secret, a key in it, a file), not the credential. */
const REFERENCE_KEY = /(^existing|(key|name|ref|file|path|secret|secrets)$)/i;
const SENSITIVE_KEY = /(password|passwd|token|secret|webhook|api[_-]?url|credential)/i;
/** Values that are references resolved elsewhere: env or file expansion, templates. */
const REFERENCE_VALUE = /^\$|\{\{|\$__(file|env)\{/;

export function isSensitiveKey(key: string): boolean {
    if (CREDENTIAL_KEY.test(key)) return true;
    if (REFERENCE_KEY.test(key)) return false;
    return SENSITIVE_KEY.test(key);
}

function plaintextSecrets(value: unknown, path: string): string[] {
    const found: string[] = [];
    for (const { path: p, obj } of objectsIn(value, path)) {
        // `{secretName, secretKey}` (Airflow's `secret` list and similar) names a key inside a Secret.
        const secretRef = typeof obj.secretName === "string";
        for (const [k, v] of Object.entries(obj)) {
            if (secretRef && k === "secretKey") continue;
            if (typeof v === "string" && v.trim() !== "" && isSensitiveKey(k) && !REFERENCE_VALUE.test(v.trim())) found.push(p ? `${p}.${k}` : k);
        }
    }
    return found;
}

/** A ConfigMap entry may itself be a YAML or JSON document (a config file). */
function parsedDocument(text: string): unknown {
    try {
        return yaml.load(text);
    } catch {
        return undefined;
    }
}

export const noPlaintextSecret: Rule = {
    name: "no-plaintext-secret",
    description: "No password, token, secret, webhook or API key is written literally into chart values or a ConfigMap; reference an existing Secret instead.",
    lesson: "secret created in the wrong namespace (secrets are created by the program in their consumer's namespace and only referenced)",
    roles: EVERY_STACK,
    check(r) {
        let found: string[] = [];
        if (isChart(r)) found = plaintextSecrets(valuesOf(r), "values");
        else if (r.type === CONFIG_MAP) {
            const data = (r.props.data ?? {}) as Record<string, unknown>;
            found = plaintextSecrets(data, "data");
            for (const [k, v] of Object.entries(data)) {
                if (typeof v === "string" && v.includes("\n")) found.push(...plaintextSecrets(parsedDocument(v), `data.${k}`));
            }
        }
        return found.length ? [`${describe(r)} holds plaintext secrets at ${found.join(", ")}; reference an existing Secret instead`] : [];
    },
};
