import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IngressAuthConfig } from "./config/ingressAuth";
import { PlatformConfig } from "./config/schema";
import { EnvNames } from "./naming";

/**
 * Annotations every platform Ingress gets: the cert-manager issuer that fills the TLS secret (when
 * one is configured), HTTPS redirect, and the client allow-list (nginx) when the stack sets one.
 */
export function ingressAnnotations(ingress: PlatformConfig["ingress"]): Record<string, string> {
    return {
        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        ...(ingress.clusterIssuer ? { "cert-manager.io/cluster-issuer": ingress.clusterIssuer } : {}),
        ...(ingress.sourceRanges.length ? { "nginx.ingress.kubernetes.io/whitelist-source-range": ingress.sourceRanges.join(",") } : {}),
    };
}

/** The realm a browser's login prompt shows: which env's credentials to give. */
export const ingressAuthRealm = (env: string) => `mlops-platform ${env}`;

/**
 * Annotations that make ingress-nginx authenticate every request before it reaches the backend.
 * Basic: the htpasswd Secret is named, never its content, so the values stay plain and known in a
 * first preview; the Secret must exist in the Ingress's own namespace. External: nginx asks the
 * auth service (`auth-url`) about each request and sends a refused browser to `auth-signin`.
 * With `ingress.sourceRanges` both apply (nginx's default `satisfy all`).
 */
export function ingressAuthAnnotations(auth: IngressAuthConfig, names: EnvNames): Record<string, string> {
    if (auth.mode === "external") {
        return {
            "nginx.ingress.kubernetes.io/auth-url": auth.url,
            ...(auth.signin ? { "nginx.ingress.kubernetes.io/auth-signin": auth.signin } : {}),
        };
    }
    return {
        "nginx.ingress.kubernetes.io/auth-type": "basic",
        "nginx.ingress.kubernetes.io/auth-secret": names.secrets.ingressHtpasswd,
        "nginx.ingress.kubernetes.io/auth-realm": ingressAuthRealm(names.env),
    };
}

/** Annotations of an Ingress that publishes an API without a login of its own (Prometheus, Alertmanager, Loki). */
export function authenticatedIngressAnnotations(ingress: PlatformConfig["ingress"], names: EnvNames): Record<string, string> {
    return { ...ingressAnnotations(ingress), ...ingressAuthAnnotations(ingress.auth, names) };
}

export interface IngressPath {
    readonly path: string;
    readonly pathType: "Exact" | "Prefix";
}

/**
 * An HTTPS-only Ingress for one host and Service port. Only the listed paths are routed: a service's
 * `/metrics` stays reachable by Prometheus inside the cluster and is never published.
 */
export function tlsIngress(
    resourceName: string,
    args: {
        readonly ingress: PlatformConfig["ingress"];
        readonly name: string;
        readonly namespace: string;
        readonly labels: Record<string, string>;
        readonly host: string;
        readonly tlsSecret: string;
        readonly service: { readonly name: string; readonly portName: string };
        readonly paths: readonly IngressPath[];
        readonly extraAnnotations?: Record<string, string>;
    },
    opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.Ingress {
    return new k8s.networking.v1.Ingress(
        resourceName,
        {
            metadata: {
                name: args.name,
                namespace: args.namespace,
                labels: args.labels,
                annotations: { ...ingressAnnotations(args.ingress), ...(args.extraAnnotations ?? {}) },
            },
            spec: {
                ingressClassName: args.ingress.className,
                tls: [{ hosts: [args.host], secretName: args.tlsSecret }],
                rules: [
                    {
                        host: args.host,
                        http: {
                            paths: args.paths.map((p) => ({
                                path: p.path,
                                pathType: p.pathType,
                                backend: { service: { name: args.service.name, port: { name: args.service.portName } } },
                            })),
                        },
                    },
                ],
            },
        },
        opts,
    );
}
