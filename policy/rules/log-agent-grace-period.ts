/** Log agent grace period at most 10 s. */

import { DAEMON_SET, HELM_RELEASE } from "../../components/resourceTypes";
import { EVERY_STACK, Rule } from "../context";
import { at, chartName, describe } from "../values";

export const LOG_AGENTS = ["promtail", "alloy", "grafana-agent", "fluent-bit", "fluentd", "vector"];
export const MAX_LOG_AGENT_GRACE_SECONDS = 10;

export const logAgentGrace: Rule = {
    name: "log-agent-grace-period",
    description: `The log agent's DaemonSet has terminationGracePeriodSeconds of at most ${MAX_LOG_AGENT_GRACE_SECONDS} and no NFS or claim volumes; a log-agent chart is rendered (helm.v4.Chart) so its DaemonSet is checked too.`,
    lesson: "a node took 40 s to shut down (log agent waiting on NFS)",
    roles: EVERY_STACK,
    check(r) {
        if (r.type === HELM_RELEASE && LOG_AGENTS.includes(chartName(r))) {
            return [
                `${describe(r)}: log agent chart ${chartName(r)} is a helm.v3.Release, whose DaemonSet no patch or policy can see; render it with helm.v4.Chart and patch terminationGracePeriodSeconds`,
            ];
        }
        if (r.type !== DAEMON_SET) return [];
        const labels = { ...r.props.metadata?.labels, ...at(r.props, "spec.template.metadata.labels") };
        const agent = LOG_AGENTS.find((a) => labels["app.kubernetes.io/name"] === a || labels.app === a);
        if (!agent) return [];
        const spec = at(r.props, "spec.template.spec") ?? {};
        const out: string[] = [];
        const grace = spec.terminationGracePeriodSeconds;
        if (typeof grace !== "number" || grace > MAX_LOG_AGENT_GRACE_SECONDS) {
            out.push(
                `${describe(r)}: log agent ${agent} must set terminationGracePeriodSeconds to at most ${MAX_LOG_AGENT_GRACE_SECONDS} (has ${grace ?? "the default 30"})`,
            );
        }
        const remote = ((spec.volumes ?? []) as Record<string, any>[]).filter((v) => v.nfs || v.persistentVolumeClaim).map((v) => v.name);
        if (remote.length) out.push(`${describe(r)}: log agent ${agent} must not mount NFS or claims (${remote.join(", ")})`);
        return out;
    },
};
