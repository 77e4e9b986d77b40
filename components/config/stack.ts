/**
 * The entry of config validation: a stack's `role` picks its schema (components/config/role.ts).
 * An env stack is read by the platform schema (schema.ts), the cluster stack by its own small one
 * (cluster.ts); neither knows the other's keys.
 */
import { ClusterConfig, parseClusterConfig } from "./cluster";
import { rawRole } from "./role";
import { PlatformConfig, RawConfig, parsePlatformConfig } from "./schema";
import { requiredSecretPlaceholders } from "./workloads";

export type StackConfig = { readonly role: "env"; readonly config: PlatformConfig } | { readonly role: "cluster"; readonly config: ClusterConfig };

export function parseStackConfig(raw: RawConfig, project: string): StackConfig {
    if (rawRole(raw.values.role) === "cluster") return { role: "cluster", config: parseClusterConfig(raw, project) };
    // Any other role is read as an env: the env schema reports a mistyped one with every other problem.
    return { role: "env", config: parsePlatformConfig(raw, project) };
}

/** Secret keys whose absence stops the stack (README "Secret config"): the cluster stack reads none. */
export function requiredStackSecretPlaceholders(config: Readonly<Record<string, string>>, project: string): Record<string, (token: string) => string> {
    return rawRole(config[`${project}:role`]) === "cluster" ? {} : requiredSecretPlaceholders(config, project);
}
