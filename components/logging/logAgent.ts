import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../labels";
import { serviceMonitor } from "../monitoring/serviceMonitor";
import { EnvNames, LogAgentKind } from "../naming";

/**
 * The log agent's metrics, scraped by its env's Prometheus only: the chart's metrics Service (port
 * `http-metrics` in both charts) selected by a ServiceMonitor the program declares with its
 * namespace, since a rendered one would land in no namespace in a first preview before the CRDs exist.
 */
export function logAgentServiceMonitor(
    resourceName: string,
    names: EnvNames,
    kind: LogAgentKind,
    namespace: string,
    opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
    const agent = names.logAgents[kind];
    return serviceMonitor(
        resourceName,
        {
            names,
            name: agent.release,
            namespace,
            labels: platformLabels(names.env, kind),
            selector: { ...agent.podSelector },
            endpoints: [{ port: "http-metrics", interval: "30s", scheme: "http" }],
        },
        opts,
    );
}
