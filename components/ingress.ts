import { PlatformConfig } from "./config/schema";

/**
 * Annotations every platform Ingress gets: the cert-manager issuer that fills the TLS secret (when
 * one is configured), HTTPS redirect, and the client allow-list (nginx) when the stack sets one.
 */
export function ingressAnnotations(ingress: PlatformConfig["ingress"]): Record<string, string> {
    return {
        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        ...(ingress.clusterIssuer ? { "cert-manager.io/cluster-issuer": ingress.clusterIssuer } : {}),
        ...(ingress.sourceRanges.length
            ? { "nginx.ingress.kubernetes.io/whitelist-source-range": ingress.sourceRanges.join(",") }
            : {}),
    };
}
