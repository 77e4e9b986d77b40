import { ENV_LABEL } from "./naming";

/** Labels on every object the program creates directly (charts label their own objects). */
export function platformLabels(env: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/part-of": "mlops-platform",
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/component": component,
        [ENV_LABEL]: env,
    };
}
