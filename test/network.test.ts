/** NetworkPolicies of both stacks: exact selectors and ports, as the plan records them. */
import { describe, expect, it } from "vitest";
import { Plan } from "../scripts/lib/planWriter";
import { MINIMAL_CONFIG, StackRun, runLoaded, stackFromConfig, useBothStacks } from "./support/harness";
import { NETWORK_POLICY } from "../components/resourceTypes";

const runs: Record<string, StackRun> = useBothStacks();

/** `<namespace>/<name>` to spec of every NetworkPolicy in the plan. */
function policies(plan: Plan): Record<string, any> {
    return Object.fromEntries(
        plan.resources
            .filter((r) => r.type === NETWORK_POLICY)
            .map((r) => [`${(r.inputs as any).metadata.namespace}/${(r.inputs as any).metadata.name}`, (r.inputs as any).spec]),
    );
}

const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
const pod = (name: string, labels: Record<string, string>) => ({ ...ns(name), podSelector: { matchLabels: labels } });
const tcp = (port: number) => [{ protocol: "TCP", port }];

describe.each(["dev", "prod"])("Loki of %s", (env) => {
    it("accepts pushes only from its env's Promtail and queries only from its env's Grafana, ruler, Prometheus and ingress controller", () => {
        const loki = { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": `loki-${env}` };
        expect(policies(runs[env].plan)[`observability-${env}/loki-${env}-ingress`]).toEqual({
            podSelector: { matchLabels: loki },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [pod(`observability-${env}`, { "app.kubernetes.io/name": "promtail", "app.kubernetes.io/instance": `promtail-${env}` })],
                    ports: tcp(3100),
                },
                {
                    from: [pod(`monitoring-${env}`, { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": `monitoring-${env}` })],
                    ports: tcp(3100),
                },
                { from: [pod(`observability-${env}`, loki)] },
                { from: [pod(`monitoring-${env}`, { "app.kubernetes.io/name": "prometheus" })], ports: tcp(3100) },
                { from: [ns("ingress-nginx")], ports: tcp(3100) },
            ],
        });
    });
});

describe("workload namespaces", () => {
    it("are open in dev (defaultDenyWorkloads follows protect) and default-deny in prod", () => {
        expect(Object.keys(policies(runs.dev.plan))).toEqual(["observability-dev/loki-dev-ingress"]);
        // Registration order follows the namespaces' creation, so compare as sorted lists.
        const common = ["default-deny", "allow-dns", "allow-same-namespace", "allow-ingress-controller", "allow-prometheus"];
        const expected = [
            "observability-prod/loki-prod-ingress",
            ...[...common, "allow-env-callers", "allow-env-calls", "allow-external-egress"].map((p) => `fastapi-prod/${p}`),
            ...[...common, "allow-env-callers", "allow-external-egress"].map((p) => `mlflow-prod/${p}`),
            ...[...common, "allow-env-calls", "allow-external-egress"].map((p) => `airflow-prod/${p}`),
        ];
        expect(Object.keys(policies(runs.prod.plan)).sort()).toEqual(expected.sort());
    });

    it("deny everything in prod but DNS, own pods, the ingress controller, Prometheus, same-env callers and external egress", () => {
        const p = policies(runs.prod.plan);
        const all = { podSelector: {} };
        expect(p["fastapi-prod/default-deny"]).toEqual({ ...all, policyTypes: ["Ingress", "Egress"] });
        expect(p["fastapi-prod/allow-dns"]).toEqual({
            ...all,
            policyTypes: ["Egress"],
            egress: [{ to: [pod("kube-system", { "k8s-app": "kube-dns" })], ports: [{ protocol: "UDP", port: 53 }, ...tcp(53)] }],
        });
        expect(p["airflow-prod/allow-same-namespace"]).toEqual({
            ...all,
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: {} }] }],
            egress: [{ to: [{ podSelector: {} }] }],
        });
        expect(p["fastapi-prod/allow-ingress-controller"].ingress).toEqual([{ from: [ns("ingress-nginx")], ports: tcp(8000) }]);
        expect(p["mlflow-prod/allow-ingress-controller"].ingress).toEqual([{ from: [ns("ingress-nginx")], ports: tcp(5000) }]);
        expect(p["airflow-prod/allow-ingress-controller"].ingress).toEqual([{ from: [ns("ingress-nginx")], ports: tcp(8080) }]);
        expect(p["mlflow-prod/allow-prometheus"].ingress).toEqual([{ from: [pod("monitoring-prod", { "app.kubernetes.io/name": "prometheus" })] }]);
        // Airflow calls MLflow and FastAPI; FastAPI calls MLflow; nothing else crosses namespaces.
        expect(p["mlflow-prod/allow-env-callers"].ingress).toEqual([{ from: [ns("fastapi-prod"), ns("airflow-prod")], ports: tcp(5000) }]);
        expect(p["fastapi-prod/allow-env-callers"].ingress).toEqual([{ from: [ns("airflow-prod")], ports: tcp(8000) }]);
        expect(p["fastapi-prod/allow-env-calls"].egress).toEqual([{ to: [ns("mlflow-prod")], ports: tcp(5000) }]);
        expect(p["airflow-prod/allow-env-calls"].egress).toEqual([
            { to: [ns("mlflow-prod")], ports: tcp(5000) },
            { to: [ns("fastapi-prod")], ports: tcp(8000) },
        ]);
        expect(p["mlflow-prod/allow-external-egress"].egress).toEqual([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }]);
    });

    it("take the controller namespace, the default-deny switch and the egress CIDRs from config", async () => {
        const { plan } = await runLoaded(
            stackFromConfig({
                ...MINIMAL_CONFIG,
                ingress: { controllerNamespace: "kube-ingress" },
                network: { defaultDenyWorkloads: true, externalEgressCidrs: ["10.20.0.0/16", "10.30.1.5/32"] },
            }),
        );
        const p = policies(plan);
        expect(p["mlflow-dev/allow-ingress-controller"].ingress).toEqual([{ from: [ns("kube-ingress")], ports: tcp(5000) }]);
        expect(p["observability-dev/loki-dev-ingress"].ingress[4]).toEqual({ from: [ns("kube-ingress")], ports: tcp(3100) });
        expect(p["airflow-dev/allow-external-egress"].egress).toEqual([{ to: [{ ipBlock: { cidr: "10.20.0.0/16" } }, { ipBlock: { cidr: "10.30.1.5/32" } }] }]);
    });

    it("rejects a malformed egress CIDR", async () => {
        const failure = runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, network: { externalEgressCidrs: ["10.20.0.0"] } }));
        await expect(failure).rejects.toMatchObject({ cause: { name: "ConfigError" } });
        await expect(failure).rejects.toThrow('mlops-platform:network.externalEgressCidrs[0]: expected an IPv4 CIDR such as 10.20.0.0/16, got "10.20.0.0"');
    });
});

describe("Loki of an env running Alloy", () => {
    it("accepts pushes from its env's Alloy pods instead of Promtail's", async () => {
        const { plan } = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, logging: { agent: "alloy" } }));
        expect(policies(plan)["observability-dev/loki-dev-ingress"].ingress[0]).toEqual({
            from: [pod("observability-dev", { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "alloy-dev" })],
            ports: tcp(3100),
        });
    });
});
