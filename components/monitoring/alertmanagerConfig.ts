import { PlatformConfig } from "../config/schema";
import { CHART_JOBS, EnvNames, SHARED_NAMESPACE_REGEX } from "../naming";

/** The receiver that swallows alerts nobody should be paged for. */
export const NULL_RECEIVER = "null";

/** Key of the webhook URL inside the Slack Secret. */
export const SLACK_WEBHOOK_KEY = "url";

/** Key of the message templates inside the Alertmanager config Secret. */
export const SLACK_TEMPLATE_KEY = "slack.tmpl";

/**
 * Where the operator puts what Alertmanager reads: every key of the config Secret lands in
 * `/etc/alertmanager/config/`, and each Secret listed in `alertmanagerSpec.secrets` is mounted
 * at `/etc/alertmanager/secrets/<name>/`.
 */
export const ALERTMANAGER_CONFIG_DIR = "/etc/alertmanager/config";
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";

export const slackWebhookFile = (names: EnvNames) => `${ALERTMANAGER_SECRETS_DIR}/${names.secrets.alertmanagerSlack}/${SLACK_WEBHOOK_KEY}`;

/**
 * Slack message templates in Alertmanager's template language. The env tag is baked in at build
 * time; everything else is read from the notification data, so one template serves every alert.
 */
export function slackTemplates(names: EnvNames): string {
    const tag = `[${names.env.toUpperCase()}]`;
    return `{{/* Slack messages of the ${names.env} Alertmanager. */}}
{{ define "platform.slack.title" -}}
${tag}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}{{ with .CommonLabels.namespace }} in {{ . }}{{ end }}
{{- end }}

{{ define "platform.slack.text" -}}
{{ range .Alerts -}}
*{{ .Status | toUpper }}* {{ if .Labels.severity }}\`{{ .Labels.severity }}\` {{ end }}{{ .Annotations.summary }}
{{ with .Annotations.description }}{{ . }}
{{ end }}{{ with .Annotations.runbook_url }}Runbook: {{ . }}
{{ end }}{{ with .Labels.namespace }}Namespace: {{ . }}
{{ end }}Started: {{ .StartsAt.Format "2006-01-02 15:04:05 MST" }}{{ if eq .Status "resolved" }}, resolved: {{ .EndsAt.Format "2006-01-02 15:04:05 MST" }}{{ end }}
{{ end -}}
{{- end }}

{{ define "platform.slack.color" -}}
{{ if eq .Status "firing" }}{{ if eq .CommonLabels.severity "critical" }}danger{{ else }}warning{{ end }}{{ else }}good{{ end }}
{{- end }}
`;
}

/**
 * Matcher sets (one route each) of the alerts about infrastructure both envs watch alike, so that
 * both Alertmanagers receive them:
 * - kube-system, and alerts without a namespace label (absent() and cluster-wide aggregations);
 * - node-exporter's `Node*` host alerts and kube-state-metrics' `KubeNode*` node alerts, whose
 *   series carry the env's monitoring namespace as a target label. Other alerts of those jobs
 *   (TargetDown of the env's own exporter, a crash-looping pod) stay with the env.
 */
export function sharedInfrastructureMatchers(names: EnvNames): string[][] {
    const monitoring = `namespace="${names.namespaces.monitoring}"`;
    return [
        // Alertmanager anchors the regex; a missing label matches as "", which the trailing `?` allows.
        [`namespace=~"${SHARED_NAMESPACE_REGEX}"`],
        ['alertname=~"Node.+"', `job="${CHART_JOBS.nodeExporter}"`, monitoring],
        ['alertname=~"KubeNode.+"', `job="${CHART_JOBS.kubeStateMetrics}"`, monitoring],
    ];
}

/** The receiver of shared-infrastructure alerts: the env's Slack in the one env that pages for them. */
export const sharedInfrastructureReceiver = (names: EnvNames, sharedInfrastructure: boolean) => (sharedInfrastructure ? names.receivers.slack : NULL_RECEIVER);

/**
 * The Alertmanager configuration of one env, as the object written to `alertmanager.yaml`. It holds
 * no secret: the Slack webhook is read from a mounted file, so the config can be shown in the
 * offline plan and the webhook rotates without touching it.
 *
 * Routing, first match wins:
 * 1. Watchdog and InfoInhibitor fire permanently by design: `null`, never a human channel.
 * 2. Shared infrastructure (see `sharedInfrastructureMatchers`): the env's Slack receiver if
 *    `alerting.sharedInfrastructure` is set, else `null`. Both envs' Prometheus see it, so without
 *    this one problem would page two channels.
 * 3. Alerts of the env's namespaces (`*-<env>`): the env's Slack receiver.
 * 4. Everything else (another env's namespace, `default`, ...) falls through to the root's `null`:
 *    this Alertmanager only ever pages for its own env.
 */
export function alertmanagerConfig(names: EnvNames, alerting: PlatformConfig["alerting"]): Record<string, unknown> {
    const slack = names.receivers.slack;
    const shared = sharedInfrastructureReceiver(names, alerting.sharedInfrastructure);
    return {
        route: {
            receiver: NULL_RECEIVER,
            group_by: [...alerting.groupBy],
            group_wait: alerting.groupWait,
            group_interval: alerting.groupInterval,
            repeat_interval: alerting.repeatInterval,
            routes: [
                { matchers: ['alertname=~"Watchdog|InfoInhibitor"'], receiver: NULL_RECEIVER, continue: false },
                ...sharedInfrastructureMatchers(names).map((matchers) => ({ matchers, receiver: shared, continue: false })),
                { matchers: [`namespace=~"${names.envNamespaceRegex}"`], receiver: slack, continue: false },
            ],
        },
        // The kube-prometheus InfoInhibitor convention: info alerts are muted while a warning or
        // critical alert for the same namespace fires.
        inhibit_rules: [
            {
                source_matchers: ['severity=~"warning|critical"'],
                target_matchers: ['severity="info"'],
                equal: ["namespace", "alertname"],
            },
            {
                source_matchers: ['alertname="InfoInhibitor"'],
                target_matchers: ['severity="info"'],
                equal: ["namespace"],
            },
        ],
        receivers: [
            { name: NULL_RECEIVER },
            {
                name: slack,
                slack_configs: [
                    {
                        api_url_file: slackWebhookFile(names),
                        ...(alerting.slack.channel ? { channel: alerting.slack.channel } : {}),
                        send_resolved: true,
                        title: '{{ template "platform.slack.title" . }}',
                        text: '{{ template "platform.slack.text" . }}',
                        color: '{{ template "platform.slack.color" . }}',
                    },
                ],
            },
        ],
        templates: [`${ALERTMANAGER_CONFIG_DIR}/*.tmpl`],
    };
}
