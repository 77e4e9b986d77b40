/**
 * The entry of config validation: a stack's `role` picks its schema (components/config/role.ts).
 * An env stack is read by the platform schema (schema.ts), a cluster stack by its own small one
 * (clusterStack.ts); neither knows the other's keys.
 */
import { ClusterStackConfig, parseClusterStackConfig } from "./clusterStack";
import { rawRole } from "./role";
import { PlatformConfig, RawConfig, parsePlatformConfig } from "./schema";
import { requiredSecretPlaceholders } from "./workloads";

export type StackConfig = { readonly role: "env"; readonly config: PlatformConfig } | { readonly role: "cluster"; readonly config: ClusterStackConfig };

export function parseStack(raw: RawConfig, project: string): StackConfig {
    if (rawRole(raw.values.role) === "cluster") return { role: "cluster", config: parseClusterStackConfig(raw, project) };
    // Any other role is read as an env: the env schema reports a mistyped one with every other problem.
    return { role: "env", config: parsePlatformConfig(raw, project) };
}

/** Secret keys whose absence stops the stack (docs/config.md "Secret config"): a cluster stack requires none. */
export function requiredStackSecretPlaceholders(config: Readonly<Record<string, string>>, project: string): Record<string, (token: string) => string> {
    return rawRole(config[`${project}:role`]) === "cluster" ? {} : requiredSecretPlaceholders(config, project);
}
