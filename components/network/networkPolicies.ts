import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WORKLOAD_NAMES, WorkloadName, WorkloadSwitches } from "../config/workloads";
import { platformLabels } from "../labels";
import { EnvNames, LOKI_COMPONENT_TARGETS, LogAgentKind, LokiComponent, SYSTEM_NAMESPACE } from "../naming";

export interface NetworkPoliciesArgs {
    readonly names: EnvNames;
    /** Namespace of the ingress controller pods. */
    readonly ingressControllerNamespace: string;
    /** Default-deny in the workload namespaces (fastapi, mlflow, airflow) plus the allowances they need. */
    readonly defaultDenyWorkloads: boolean;
    /** Egress destinations outside the cluster for the workloads (external PostgreSQL, S3). */
    readonly externalEgressCidrs: readonly string[];
    /** Switched-off workloads get no policies (their namespace does not exist) and no one may call them. */
    readonly workloads: WorkloadSwitches;
    /** The env's log agent: the only pods whose pushes Loki accepts. */
    readonly logAgent: LogAgentKind;
}

type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** Loki's HTTP port: push, query and /metrics all go through it. */
export const LOKI_HTTP_PORT = 3100;
/** The memcached exporter beside each cache pod of distributed Loki (the chart's `http-metrics` port there). */
export const MEMCACHED_EXPORTER_PORT = 9150;
/**
 * Container ports the workloads listen on (NetworkPolicy ports are pod ports, not Service ports):
 * FastAPI's Service maps 80 to 8000, MLflow and the Airflow API server serve on their Service port.
 */
export const WORKLOAD_POD_PORTS = { fastapi: 8000, mlflow: 5000, airflow: 8080 } as const satisfies Record<WorkloadName, number>;

/** Who calls whom inside an env: Airflow calls MLflow and FastAPI (model reloads), FastAPI calls MLflow. */
export const WORKLOAD_CALLS: { readonly [W in WorkloadName]: readonly WorkloadName[] } = { fastapi: ["mlflow"], mlflow: [], airflow: ["mlflow", "fastapi"] };

/** The label Kubernetes sets on every namespace (1.22+): selects a namespace by exact name. */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
const inNamespace = (namespace: string, podLabels?: Record<string, string>): Peer => ({
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
});
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

/** Pod labels the charts set (their selector labels), per env. */
export function podSelectors(names: EnvNames, logAgent: LogAgentKind) {
    return {
        // loki chart: loki.selectorLabels = name (chart name) + instance (release).
        loki: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": names.releases.loki },
        // promtail chart: promtail.selectorLabels; alloy chart: alloy.selectorLabels.
        logAgent: { ...names.logAgents[logAgent].podSelector },
        // grafana subchart of kube-prometheus-stack: instance is the KPS release.
        grafana: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": names.releases.monitoring },
        // Prometheus pods made by the env's operator; the namespace makes it this env's.
        prometheus: { "app.kubernetes.io/name": "prometheus" },
        dns: { "k8s-app": "kube-dns" },
    };
}

/**
 * Who may reach the env's Loki: its log agent pushes, its Grafana queries, Prometheus scrapes, the
 * ingress controller serves the read paths of loki-<env>.<domain>, and Loki's pods talk to each
 * other (in distributed mode gRPC, the memberlist ring and the caches). Nothing else, no other env.
 */
function lokiPolicySpecs(names: EnvNames, logAgent: LogAgentKind, controller: Peer, prometheus: Peer): Record<string, PolicySpec> {
    const ns = names.namespaces;
    const pods = podSelectors(names, logAgent);
    const agent = inNamespace(ns.observability, pods.logAgent);
    const grafana = inNamespace(ns.monitoring, pods.grafana);
    const lokiPods = inNamespace(ns.observability, pods.loki);
    const policy = `${names.releases.loki}-ingress`;
    if (names.loki.mode === "monolithic") {
        // One pod serves everything, the ruler included.
        return {
            [policy]: {
                podSelector: { matchLabels: pods.loki },
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [agent], ports: tcp(LOKI_HTTP_PORT) },
                    { from: [grafana], ports: tcp(LOKI_HTTP_PORT) },
                    { from: [lokiPods] },
                    { from: [prometheus], ports: tcp(LOKI_HTTP_PORT) },
                    { from: [controller], ports: tcp(LOKI_HTTP_PORT) },
                ],
            },
        };
    }
    // Policies add up per pod: every Loki pod (caches included) gets the first, and a component that
    // serves a caller outside Loki gets that one caller on top.
    const component = (c: LokiComponent) => ({ matchLabels: { ...pods.loki, "app.kubernetes.io/component": LOKI_COMPONENT_TARGETS[c] } });
    const http = tcp(LOKI_HTTP_PORT);
    return {
        [policy]: {
            podSelector: { matchLabels: pods.loki },
            policyTypes: ["Ingress"],
            ingress: [{ from: [lokiPods] }, { from: [prometheus], ports: tcp(LOKI_HTTP_PORT, MEMCACHED_EXPORTER_PORT) }],
        },
        // Pushes reach the distributors only.
        [`${names.releases.loki}-push`]: {
            podSelector: component("distributor"),
            policyTypes: ["Ingress"],
            ingress: [{ from: [agent], ports: http }],
        },
        [`${names.releases.loki}-query`]: {
            podSelector: component("queryFrontend"),
            policyTypes: ["Ingress"],
            ingress: [
                { from: [grafana], ports: http },
                { from: [controller], ports: http },
            ],
        },
        // The public rules API (the Ingress routes it to the ruler).
        [`${names.releases.loki}-rules`]: {
            podSelector: component("ruler"),
            policyTypes: ["Ingress"],
            ingress: [{ from: [controller], ports: http }],
        },
    };
}

/** Every NetworkPolicy spec of one env by namespace and policy name (exported for tests and the plan). */
export function networkPolicySpecs(args: NetworkPoliciesArgs): Record<string, Record<string, PolicySpec>> {
    const { names } = args;
    const ns = names.namespaces;
    const pods = podSelectors(names, args.logAgent);
    const controller = inNamespace(args.ingressControllerNamespace);
    const prometheus = inNamespace(ns.monitoring, pods.prometheus);

    const specs: Record<string, Record<string, PolicySpec>> = { [ns.observability]: lokiPolicySpecs(names, args.logAgent, controller, prometheus) };
    if (!args.defaultDenyWorkloads) return specs;

    const on = WORKLOAD_NAMES.filter((w) => args.workloads[w]);
    const workloads = on.map((w) => ({
        namespace: ns[w],
        port: WORKLOAD_POD_PORTS[w],
        callers: on.filter((caller) => WORKLOAD_CALLS[caller].includes(w)).map((caller) => ns[caller]),
        calls: WORKLOAD_CALLS[w].filter((callee) => args.workloads[callee]).map((callee) => ({ namespace: ns[callee], port: WORKLOAD_POD_PORTS[callee] })),
    }));
    for (const w of workloads) {
        specs[w.namespace] = {
            "default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
            "allow-dns": {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: [inNamespace(SYSTEM_NAMESPACE, pods.dns)], ports: [{ protocol: "UDP", port: 53 }, ...tcp(53)] }],
            },
            // Components of one workload (Airflow's scheduler, workers, API server, ...) talk to each other.
            "allow-same-namespace": {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [{ podSelector: {} }] }],
                egress: [{ to: [{ podSelector: {} }] }],
            },
            "allow-ingress-controller": { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [controller], ports: tcp(w.port) }] },
            // Prometheus may scrape whatever its monitors point at in the namespace.
            "allow-prometheus": { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [prometheus] }] },
            ...(w.callers.length
                ? {
                      "allow-env-callers": {
                          podSelector: {},
                          policyTypes: ["Ingress"],
                          ingress: [{ from: w.callers.map((c) => inNamespace(c)), ports: tcp(w.port) }],
                      },
                  }
                : {}),
            ...(w.calls.length
                ? {
                      "allow-env-calls": {
                          podSelector: {},
                          policyTypes: ["Egress"],
                          egress: w.calls.map((c) => ({ to: [inNamespace(c.namespace)], ports: tcp(c.port) })),
                      },
                  }
                : {}),
            ...(args.externalEgressCidrs.length
                ? {
                      "allow-external-egress": {
                          podSelector: {},
                          policyTypes: ["Egress"],
                          egress: [{ to: args.externalEgressCidrs.map((cidr) => ({ ipBlock: { cidr } })) }],
                      },
                  }
                : {}),
        };
    }
    return specs;
}

/**
 * The env's NetworkPolicies: Loki admits only its env's agent, Grafana, ruler, Prometheus and the
 * ingress controller; with `defaultDenyWorkloads`, the workload namespaces deny everything except
 * DNS, their own pods, the ingress controller, Prometheus, same-env callers and external egress.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
    readonly policyNames: string[];

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:network:NetworkPolicies", name, {}, opts);
        this.policyNames = [];
        for (const [namespace, policies] of Object.entries(networkPolicySpecs(args))) {
            for (const [policyName, spec] of Object.entries(policies)) {
                new k8s.networking.v1.NetworkPolicy(
                    `${namespace}-${policyName}`,
                    {
                        metadata: { name: policyName, namespace, labels: platformLabels(args.names.env, "network-policy") },
                        spec,
                    },
                    { parent: this },
                );
                this.policyNames.push(`${namespace}/${policyName}`);
            }
        }
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
