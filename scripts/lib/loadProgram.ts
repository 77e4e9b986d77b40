import * as path from "node:path";

/**
 * Loads index.ts as a fresh module: the program reads its config at load time, so every run
 * (another stack, another benchmark iteration) must evaluate it again. Only the project's own
 * modules are dropped from the cache; @pulumi/pulumi must stay a single instance.
 */
export function loadProgramFresh(root: string): () => Promise<Record<string, unknown>> {
    return async () => {
        for (const key of Object.keys(require.cache)) {
            if (key.startsWith(root) && !key.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[key];
        }
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- Pulumi loads index.ts the same way
        return require(path.join(root, "index.ts")) as Record<string, unknown>;
    };
}
