import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WorkloadSwitches } from "../../config/workloads";
import { platformLabels } from "../../labels";
import { EnvNames } from "../../naming";
import { envDashboards } from "./definitions";
import { DASHBOARD_SIDECAR_LABEL, dashboardJson } from "./grafana";

export interface DashboardsArgs {
    readonly names: EnvNames;
    /** The env's monitoring namespace: the only one its Grafana sidecar searches. */
    readonly namespace: string;
    /** A switched-off workload has no dashboard. */
    readonly workloads: WorkloadSwitches;
}

/** The env's dashboards as ConfigMaps that Grafana's sidecar loads. */
export class Dashboards extends pulumi.ComponentResource {
    readonly artifacts: Record<string, string>;

    constructor(name: string, args: DashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:monitoring:Dashboards", name, {}, opts);
        const { names } = args;
        this.artifacts = {};
        for (const dashboard of envDashboards(names, args.workloads)) {
            const json = `${JSON.stringify(dashboardJson(dashboard), null, 2)}\n`;
            const file = `${dashboard.uid}.json`;
            new k8s.core.v1.ConfigMap(
                `${name}-${dashboard.uid}`,
                {
                    metadata: {
                        name: `dashboard-${dashboard.uid}`,
                        namespace: args.namespace,
                        labels: { ...platformLabels(names.env, "grafana"), [DASHBOARD_SIDECAR_LABEL.label]: DASHBOARD_SIDECAR_LABEL.labelValue },
                    },
                    data: { [file]: json },
                },
                { parent: this },
            );
            this.artifacts[`dashboards/${file}`] = json;
        }
        this.registerOutputs({ artifacts: this.artifacts });
    }
}
