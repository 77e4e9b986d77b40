import { PlatformConfig } from "../config/schema";

/** The receiver that swallows alerts nobody should be paged for. */
export const NULL_RECEIVER = "null";

/**
 * The Alertmanager configuration of one env, as the object written to `alertmanager.yaml`.
 * Watchdog fires permanently by design (it proves the pipeline works), so it is routed to the
 * `null` receiver first and can never reach a human channel.
 */
export function alertmanagerConfig(alerting: PlatformConfig["alerting"]): Record<string, unknown> {
    return {
        route: {
            receiver: NULL_RECEIVER,
            group_by: [...alerting.groupBy],
            group_wait: alerting.groupWait,
            group_interval: alerting.groupInterval,
            repeat_interval: alerting.repeatInterval,
            routes: [{ matchers: ['alertname="Watchdog"'], receiver: NULL_RECEIVER, continue: false }],
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
        receivers: [{ name: NULL_RECEIVER }],
    };
}
