/** Every resource on one of the stack's explicit providers. */

import { EVERY_STACK, Rule } from "../context";
import { isDefaultProvider, kindOf } from "../values";

export const explicitProviders: Rule = {
    name: "explicit-providers",
    description:
        "Every custom resource is managed by one of the stack's explicit providers, never by an engine default provider (which the program can neither configure nor protect; a default Kubernetes provider applies to whatever kube context is current).",
    lesson: "dev Prometheus showed prod namespaces (an env's objects go to the cluster and context its stack names, and nowhere else)",
    roles: EVERY_STACK,
    check(r) {
        return isDefaultProvider(r.provider)
            ? [`${kindOf(r.type)} ${r.name} is managed by the default provider ${r.provider!.split("::").pop()}; give it the env's explicit provider`]
            : [];
    },
};
