import * as pulumi from "@pulumi/pulumi";
import { ChartSource } from "../chartSources";
import { PlatformConfig } from "../config/schema";
import { WorkloadSwitches } from "../config/workloads";
import { renderedChart } from "../helm";
import { EnvNames, SYSTEM_NAMESPACE, createdNamespaces } from "../naming";
import { Block, attr, block, expr, helmTplLiteral, printAlloy } from "./alloyConfig";
import { logAgentServiceMonitor } from "./logAgent";
import { PIPELINE_STAGES, POSITIONS_DIR } from "./promtail";

export interface AlloyArgs {
    readonly names: EnvNames;
    /** Where the Alloy chart comes from (pin or mirror). */
    readonly chart: ChartSource;
    readonly namespace: string;
    readonly alloy: PlatformConfig["logging"]["alloy"];
    /** A switched-off workload's namespace is not created, so Alloy does not watch it. */
    readonly workloads: WorkloadSwitches;
}

/** Where the chart mounts the config (`/etc/alloy/config.alloy`) and where Alloy keeps its positions. */
export const ALLOY_STORAGE_DIR = "/var/lib/alloy";
/** Container logs as the kubelet writes them; the same path Promtail reads, so file names (and positions) match. */
const POD_LOGS_DIR = "/var/log/pods";
/** Promtail's positions file, read (never written) once, the first time Alloy starts on a node. */
export const LEGACY_POSITIONS_FILE = `${POSITIONS_DIR}/positions.yaml`;

/** The namespaces Alloy watches: every namespace the env creates, then kube-system. */
export function alloyNamespaces(names: EnvNames, workloads: WorkloadSwitches): string[] {
    return [...Object.values(createdNamespaces(names.namespaces, workloads)), SYSTEM_NAMESPACE];
}

/**
 * The promtail chart's `kubernetes-pods` relabelings (6.17.1 `config.snippets.scrapeConfigs` and
 * `common`), in its order, so both agents give a line the same stream labels: app, instance,
 * component, node_name, namespace, job, pod, container, and the file to tail.
 */
const PROMTAIL_POD_RELABELINGS: readonly Record<string, string | string[]>[] = [
    {
        source_labels: ["__meta_kubernetes_pod_controller_name"],
        regex: "([0-9a-z-.]+?)(-[0-9a-f]{8,10})?",
        target_label: "__tmp_controller_name",
    },
    {
        source_labels: [
            "__meta_kubernetes_pod_label_app_kubernetes_io_name",
            "__meta_kubernetes_pod_label_app",
            "__tmp_controller_name",
            "__meta_kubernetes_pod_name",
        ],
        regex: "^;*([^;]+)(;.*)?$",
        target_label: "app",
    },
    {
        source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_instance", "__meta_kubernetes_pod_label_instance"],
        regex: "^;*([^;]+)(;.*)?$",
        target_label: "instance",
    },
    {
        source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_component", "__meta_kubernetes_pod_label_component"],
        regex: "^;*([^;]+)(;.*)?$",
        target_label: "component",
    },
    { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node_name" },
    { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
    { source_labels: ["namespace", "app"], separator: "/", replacement: "$1", target_label: "job" },
    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
    { source_labels: ["__meta_kubernetes_pod_container_name"], target_label: "container" },
    {
        source_labels: ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"],
        separator: "/",
        replacement: `${POD_LOGS_DIR}/*$1/*.log`,
        target_label: "__path__",
    },
    // Static pods log under their config hash, not their UID.
    {
        source_labels: [
            "__meta_kubernetes_pod_annotationpresent_kubernetes_io_config_hash",
            "__meta_kubernetes_pod_annotation_kubernetes_io_config_hash",
            "__meta_kubernetes_pod_container_name",
        ],
        separator: "/",
        regex: "true/(.*)",
        replacement: `${POD_LOGS_DIR}/*$1/*.log`,
        target_label: "__path__",
    },
];

const RULE_KEYS = ["source_labels", "separator", "regex", "replacement", "target_label", "action"];
const ruleBlock = (r: Record<string, string | string[]>): Block =>
    block(
        "rule",
        RULE_KEYS.filter((k) => r[k] !== undefined).map((k) => attr(k, r[k]!)),
    );

/** PIPELINE_STAGES (Promtail's) as loki.process stages: one definition of CRI parsing and levels. */
function processStages(): Block[] {
    return PIPELINE_STAGES.map((stage: Record<string, any>): Block => {
        if (stage.cri) return block("stage.cri");
        if (stage.match) {
            const inner = stage.match.stages[0];
            const parser = inner.json
                ? block("stage.json", [attr("expressions", inner.json.expressions)])
                : block("stage.logfmt", [attr("mapping", inner.logfmt.mapping)]);
            return block("stage.match", [attr("selector", stage.match.selector), parser]);
        }
        if (stage.template) return block("stage.template", [attr("source", stage.template.source), attr("template", stage.template.template)]);
        if (stage.labels) return block("stage.labels", [attr("values", stage.labels)]);
        throw new Error(`no Alloy stage for Promtail stage ${Object.keys(stage).join(", ")}`);
    });
}

/**
 * The whole Alloy pipeline of one env: pods of the env's namespaces and kube-system on this node,
 * Promtail's relabelings and a keep on the env's namespace pattern as a second fence, the kubelet's
 * log files tailed from the positions Promtail left, CRI parsing and levels, and a push to the env's
 * Loki by cluster DNS name.
 */
export function alloyConfig(names: EnvNames, workloads: WorkloadSwitches): string {
    const blocks: Block[] = [
        block("logging", [attr("level", "info"), attr("format", "logfmt")]),
        block(
            "discovery.kubernetes",
            [
                attr("role", "pod"),
                block("namespaces", [attr("names", alloyNamespaces(names, workloads))]),
                // Only this node's pods: their log files are the only ones this pod can read.
                block("selectors", [attr("role", "pod"), attr("field", expr('"spec.nodeName=" + sys.env("HOSTNAME")'))]),
            ],
            "pods",
        ),
        block(
            "discovery.relabel",
            [
                attr("targets", expr("discovery.kubernetes.pods.targets")),
                block("rule", [attr("source_labels", ["__meta_kubernetes_namespace"]), attr("regex", names.logNamespaceRegex), attr("action", "keep")]),
                ...PROMTAIL_POD_RELABELINGS.map(ruleBlock),
            ],
            "pods",
        ),
        block("local.file_match", [attr("path_targets", expr("discovery.relabel.pods.output"))], "pods"),
        block(
            "loki.source.file",
            [
                attr("targets", expr("local.file_match.pods.targets")),
                attr("forward_to", expr("[loki.process.pods.receiver]")),
                attr("legacy_positions_file", LEGACY_POSITIONS_FILE),
            ],
            "pods",
        ),
        block("loki.process", [attr("forward_to", expr("[loki.write.loki.receiver]")), ...processStages()], "pods"),
        block("loki.write", [block("endpoint", [attr("url", names.endpoints.lokiPush)])], "loki"),
    ];
    return printAlloy([`Alloy of env ${names.env}, generated by mlops-platform (components/logging/alloy.ts): do not edit.`], blocks);
}

const hostPathVolume = (name: string, path: string, type?: string) => ({ name, hostPath: { path, ...(type ? { type } : {}) } });

export function alloyValues(args: AlloyArgs): Record<string, unknown> {
    const { names } = args;
    return {
        // The chart's PodLogs CRD would be applied by this env's helm.v4.Chart and deleted with it,
        // under the other env's feet; the pipeline uses no PodLogs.
        crds: { create: false },
        alloy: {
            configMap: { create: true, content: helmTplLiteral(alloyConfig(names, args.workloads)) },
            // A DaemonSet of node-local tailers shares no work: no cluster, and were one enabled, it
            // would be named for the env.
            clustering: { enabled: false, name: names.releases.alloy },
            storagePath: ALLOY_STORAGE_DIR,
            enableReporting: false,
            resources: args.alloy.resources,
            mounts: {
                // Not all of /var/log: the kubelet's pod logs only, and Docker's files they may link to.
                varlog: false,
                dockercontainers: true,
                extra: [
                    { name: "pods", mountPath: POD_LOGS_DIR, readOnly: true },
                    { name: "storage", mountPath: ALLOY_STORAGE_DIR },
                    { name: "promtail-positions", mountPath: POSITIONS_DIR, readOnly: true },
                ],
            },
        },
        // A config change rolls the DaemonSet (the chart's checksum annotation) instead of a reloader
        // sidecar: one container per pod, sized by logging.alloy.resources; positions stay on the node.
        configReloader: { enabled: false },
        controller: {
            type: "daemonset",
            // A node must not wait on the log agent when it shuts down.
            terminationGracePeriodSeconds: 10,
            volumes: {
                extra: [
                    hostPathVolume("pods", POD_LOGS_DIR),
                    hostPathVolume("storage", names.hostPaths.alloyStorage, "DirectoryOrCreate"),
                    hostPathVolume("promtail-positions", names.hostPaths.promtailPositions, "DirectoryOrCreate"),
                ],
            },
        },
        rbac: {
            create: true,
            // Instead of the chart's defaults (Secrets and ConfigMaps of every namespace among them):
            // discovery.kubernetes watches pods, nothing else. The chart writes both lists into one
            // ClusterRole and renders invalid YAML for an empty one, so the verbs are split over them.
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }],
            clusterRules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
        },
        // The chart's Service (`<fullname>`, which names the Prometheus job), but not its
        // ServiceMonitor: that one the program declares itself with an explicit namespace.
        service: { enabled: true },
        serviceMonitor: { enabled: false },
    };
}

/**
 * Grafana Alloy for one env, Promtail's successor. Rendered with helm.v4.Chart (the chart uses no
 * hooks) so the policy pack sees its DaemonSet, like Promtail's.
 */
export class Alloy extends pulumi.ComponentResource {
    readonly releaseName: string;
    readonly artifacts: Record<string, string>;

    constructor(name: string, args: AlloyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:logging:Alloy", name, {}, opts);
        this.releaseName = args.names.logAgents.alloy.release;
        const chart = renderedChart(
            this.releaseName,
            { source: args.chart, releaseName: this.releaseName, namespace: args.namespace, values: alloyValues(args) },
            { parent: this },
        );
        logAgentServiceMonitor(`${name}-servicemonitor`, args.names, "alloy", args.namespace, { parent: this, dependsOn: [chart] });
        this.artifacts = { "alloy/config.alloy": alloyConfig(args.names, args.workloads) };
        this.registerOutputs({ releaseName: this.releaseName, patches: [], chartSource: args.chart, artifacts: this.artifacts });
    }
}
