import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/schema";
import { renderedChart } from "../helm";
import { EnvNames } from "../naming";
import { RenderedPatch } from "../patches";
import { ChartSource } from "../chartSources";
import { logAgentServiceMonitor } from "./logAgent";

export interface PromtailArgs {
    readonly names: EnvNames;
    /** Where the Promtail chart comes from (pin or mirror). */
    readonly chart: ChartSource;
    readonly namespace: string;
    readonly promtail: PlatformConfig["logging"]["promtail"];
}

/** Where the positions file sits inside the container; the hostPath behind it is per env. */
export const POSITIONS_DIR = "/run/promtail";

/**
 * Log-level extraction: JSON lines (Airflow, structured apps) and logfmt lines each get their own
 * parser, and the level becomes a lower-case `level` label (`unknown` when a line carries none).
 */
export const PIPELINE_STAGES = [
    { cri: {} },
    {
        match: {
            selector: '{namespace=~".+"} |~ "^\\\\s*\\\\{"',
            stages: [{ json: { expressions: { level: "level || severity || levelname" } } }],
        },
    },
    {
        match: {
            selector: '{namespace=~".+"} !~ "^\\\\s*\\\\{"',
            stages: [{ logfmt: { mapping: { level: "" } } }],
        },
    },
    { template: { source: "level", template: "{{ if .Value }}{{ ToLower .Value }}{{ else }}unknown{{ end }}" } },
    { labels: { level: "" } },
];

export function promtailValues(args: PromtailArgs): Record<string, unknown> {
    const { names } = args;
    return {
        config: {
            // Cluster DNS name of the same env's Loki; never a short name that could resolve elsewhere.
            clients: [{ url: names.endpoints.lokiPush }],
            positions: { filename: `${POSITIONS_DIR}/positions.yaml` },
            logLevel: "info",
            snippets: {
                pipelineStages: PIPELINE_STAGES,
                // Appended after the chart's own relabelings: drop every pod outside the env and kube-system.
                extraRelabelConfigs: [{ action: "keep", source_labels: ["__meta_kubernetes_namespace"], regex: names.logNamespaceRegex }],
            },
        },
        // The chart's defaults with the positions hostPath made per-env; all hostPath, no NFS.
        defaultVolumes: [
            { name: "run", hostPath: { path: names.hostPaths.promtailPositions, type: "DirectoryOrCreate" } },
            { name: "containers", hostPath: { path: "/var/lib/docker/containers" } },
            { name: "pods", hostPath: { path: "/var/log/pods" } },
        ],
        defaultVolumeMounts: [
            { name: "run", mountPath: POSITIONS_DIR },
            { name: "containers", mountPath: "/var/lib/docker/containers", readOnly: true },
            { name: "pods", mountPath: "/var/log/pods", readOnly: true },
        ],
        resources: args.promtail.resources,
        // The chart's metrics Service (`<release>-metrics`, which names the Prometheus job), but not
        // its ServiceMonitor: that one the program declares itself with an explicit namespace.
        service: { enabled: true },
        serviceMonitor: { enabled: false },
    };
}

/**
 * A node must not wait on the log agent when it shuts down. The chart has no values key for the
 * DaemonSet's grace period, so the rendered DaemonSet is patched (the plan lists this patch).
 */
export function promtailPatches(names: EnvNames): RenderedPatch[] {
    return [{ kind: "DaemonSet", name: names.releases.promtail, set: { "spec.template.spec.terminationGracePeriodSeconds": 10 } }];
}

/**
 * Promtail for one env. Rendered with helm.v4.Chart (the chart uses no hooks) so the grace-period
 * patch applies to the rendered DaemonSet.
 */
export class Promtail extends pulumi.ComponentResource {
    readonly releaseName: string;
    readonly patches: RenderedPatch[];

    constructor(name: string, args: PromtailArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:logging:Promtail", name, {}, opts);
        this.releaseName = args.names.releases.promtail;
        this.patches = promtailPatches(args.names);
        const chart = renderedChart(
            this.releaseName,
            {
                source: args.chart,
                releaseName: this.releaseName,
                namespace: args.namespace,
                values: promtailValues(args),
                patches: this.patches,
            },
            { parent: this },
        );
        logAgentServiceMonitor(`${name}-servicemonitor`, args.names, "promtail", args.namespace, { parent: this, dependsOn: [chart] });
        this.registerOutputs({ releaseName: this.releaseName, patches: this.patches, chartSource: args.chart });
    }
}
