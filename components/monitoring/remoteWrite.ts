import * as pulumi from "@pulumi/pulumi";
import { AUTH_FIELDS, RemoteWriteCredentials, RemoteWriteTarget } from "../config/remoteWrite";
import { EnvNames } from "../naming";

type Field = "username" | "password" | "token";

/** Key of one credential field of one target in the env's remote-write Secret. */
export const remoteWriteSecretKey = (target: string, field: Field) => `${target}-${field}`;

/**
 * `prometheusSpec.remoteWrite` entries (the operator's RemoteWriteSpec). Credentials are
 * references to keys of the env's remote-write Secret, which the operator reads from the
 * Prometheus object's own namespace; the values themselves never enter chart values.
 */
export function remoteWriteValues(names: EnvNames, targets: readonly RemoteWriteTarget[]): Record<string, unknown>[] {
    const ref = (target: string, field: Field) => ({ name: names.secrets.prometheusRemoteWrite, key: remoteWriteSecretKey(target, field) });
    const nonEmpty = (key: string, value: object) => (Object.keys(value).length ? { [key]: value } : {});
    return targets.map((t) => ({
        name: t.name,
        url: t.url,
        ...(t.auth === "basic" ? { basicAuth: { username: ref(t.name, "username"), password: ref(t.name, "password") } } : {}),
        ...(t.auth === "bearer" ? { authorization: { type: "Bearer", credentials: ref(t.name, "token") } } : {}),
        ...nonEmpty("headers", t.headers),
        ...nonEmpty("queueConfig", t.queueConfig),
        ...(t.writeRelabelConfigs.length ? { writeRelabelConfigs: t.writeRelabelConfigs } : {}),
    }));
}

/** Whether any target needs the remote-write Secret. */
export const needsRemoteWriteSecret = (targets: readonly RemoteWriteTarget[]) => targets.some((t) => t.auth !== "none");

/**
 * The remote-write Secret's data: every credential field of every target with auth. The keys
 * follow from plain config (known in a first preview); each value is read from the secret config.
 */
export function remoteWriteSecretData(
    targets: readonly RemoteWriteTarget[],
    credentials: pulumi.Output<Readonly<Record<string, RemoteWriteCredentials>>>,
): Record<string, pulumi.Output<string>> {
    return Object.fromEntries(
        targets.flatMap((t) =>
            t.auth === "none"
                ? []
                : AUTH_FIELDS[t.auth].map((field) => [
                      remoteWriteSecretKey(t.name, field),
                      credentials.apply((c) => (c[t.name] as Record<string, string> | undefined)?.[field] ?? ""),
                  ]),
        ),
    );
}
