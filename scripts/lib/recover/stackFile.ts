/** Reading a stack's own file, for the recovery's settings (env, protect, cluster). */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { RecoverError } from "./errors";

/** A stack's Pulumi.<stack>.yaml as recovery reads it (the file and its `config` map). */
export function readStackFile(root: string, stack: string): { file: string; doc: { config?: Record<string, unknown> } } {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    try {
        return { file, doc: (yaml.load(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> } };
    } catch (err) {
        throw new RecoverError(`cannot read ${file}: ${(err as Error).message}`);
    }
}
