/** No cross-env URL, host or namespace. */

import { ENV_LABEL } from "../../components/naming";
import { ENV_STACKS, Rule } from "../context";
import { describe, objectsIn, stringsIn } from "../values";

const crossEnvPattern = (env: string) => new RegExp(`[a-z0-9]-${env}(?![a-z0-9])`);

export const noCrossEnv: Rule = {
    name: "no-cross-env-reference",
    description: "No resource of one env names another env's namespace, host, service URL or release (`<name>-<other env>`), nor carries its env label.",
    lesson: "dev Prometheus showed prod namespaces; Promtail positions shared between envs",
    roles: ENV_STACKS,
    check(r, ctx) {
        const out: string[] = [];
        const strings = stringsIn(r.props);
        for (const other of ctx.otherEnvs) {
            const pattern = crossEnvPattern(other);
            const hits = [...new Set(strings.filter((s) => pattern.test(s)))];
            if (hits.length) out.push(`${describe(r)} in env ${ctx.env} references env ${other}: ${hits.slice(0, 3).join(", ")}`);
            const labelled = objectsIn(r.props).filter(({ obj }) => obj[ENV_LABEL] === other);
            if (labelled.length) out.push(`${describe(r)} in env ${ctx.env} selects or carries ${ENV_LABEL}=${other} at ${labelled[0]!.path || "<root>"}`);
        }
        return out;
    },
};
