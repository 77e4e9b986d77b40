/**
 * Nothing is published without authentication: the Prometheus, Alertmanager and Loki Ingresses of
 * both stacks carry ingress-nginx basic auth with credentials generated once per env, or, by
 * config, an external auth service; Grafana keeps its own login.
 */
import { describe, expect, it } from "vitest";
import { MOCK_BCRYPT_HASH, MOCK_RANDOM_RESULT, ResourceRecord, isSecretValue } from "../scripts/lib/mockRuntime";
import { loadStack } from "../scripts/lib/stackFile";
import {
    MINIMAL_CONFIG,
    ROOT,
    StackRun,
    allStrings,
    basicAuthAnnotations,
    runLoaded,
    runLoadedFresh,
    stackFromConfig,
    useBothStacks,
    valuesOf,
} from "./support/harness";
import { RANDOM_PASSWORD, SECRET } from "../components/resourceTypes";

const runs = useBothStacks();

const underIngressAuth = (run: StackRun, env: string) => run.run.resources.filter((r) => r.parent?.endsWith(`mlops:ingress:IngressAuth::ingress-auth-${env}`));
const metadataOf = (r: ResourceRecord) => r.inputs.metadata as { name: string; namespace: string; labels: Record<string, string> };

/** The chart ingress annotations of Prometheus, Alertmanager, Grafana and Loki. */
function ingressAnnotations(run: StackRun, env: string) {
    const kps = valuesOf(run.plan, `monitoring-${env}`);
    return {
        prometheus: kps.prometheus.ingress.annotations,
        alertmanager: kps.alertmanager.ingress.annotations,
        grafana: kps.grafana.ingress.annotations,
        loki: valuesOf(run.plan, `loki-${env}`).ingress.annotations,
    };
}

describe.each(["dev", "prod"] as const)("basic auth, the default, in %s", (env) => {
    it("writes the credentials Secret and an htpasswd Secret into each namespace whose Ingress names it", () => {
        const secrets = underIngressAuth(runs[env], env).filter((r) => r.type === SECRET);
        expect(secrets.map((r) => [r.name, metadataOf(r).namespace, metadataOf(r).name])).toEqual([
            [`ingress-auth-${env}-credentials`, `monitoring-${env}`, `ingress-auth-${env}`],
            [`ingress-auth-${env}-htpasswd-monitoring`, `monitoring-${env}`, `ingress-htpasswd-${env}`],
            [`ingress-auth-${env}-htpasswd-observability`, `observability-${env}`, `ingress-htpasswd-${env}`],
        ]);
        for (const r of secrets) {
            expect(metadataOf(r).labels).toMatchObject({ "platform.mlops/env": env });
            expect(isSecretValue(r.inputs.stringData)).toBe(true);
        }
        const data = secrets.map((r) => (r.inputs.stringData as { value: unknown }).value);
        // The mocks' generated password and the bcrypt hash the provider computes of it.
        expect(data).toEqual([
            { username: "admin", password: MOCK_RANDOM_RESULT },
            { auth: `admin:${MOCK_BCRYPT_HASH}\n` },
            { auth: `admin:${MOCK_BCRYPT_HASH}\n` },
        ]);
    });

    it("names the htpasswd Secret of the Ingress's own namespace from the Prometheus, Alertmanager and Loki ingresses, and leaves Grafana to its login", () => {
        const base = {
            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
            "cert-manager.io/cluster-issuer": "internal-ca",
            "nginx.ingress.kubernetes.io/whitelist-source-range": "192.168.18.0/24",
        };
        const auth = {
            "nginx.ingress.kubernetes.io/auth-type": "basic",
            "nginx.ingress.kubernetes.io/auth-secret": `ingress-htpasswd-${env}`,
            "nginx.ingress.kubernetes.io/auth-realm": `mlops-platform ${env}`,
        };
        expect(basicAuthAnnotations(env)).toEqual(auth);
        // The source allow-list stays and combines with the login (nginx satisfies both).
        expect(ingressAnnotations(runs[env], env)).toEqual({
            prometheus: { ...base, ...auth },
            alertmanager: { ...base, ...auth },
            grafana: base,
            loki: { ...base, ...auth },
        });
        // Each release lives in the namespace its htpasswd Secret is written to.
        const namespaceOf = (release: string) => runs[env].plan.releases.find((r) => r.name === release)!.namespace;
        expect([namespaceOf(`monitoring-${env}`), namespaceOf(`loki-${env}`)]).toEqual([`monitoring-${env}`, `observability-${env}`]);
    });

    it("generates the password once: fixed inputs and no keepers, so a later up changes nothing; on the env's random provider", async () => {
        const generated = underIngressAuth(runs[env], env).filter((r) => r.type === RANDOM_PASSWORD);
        expect(generated.map((r) => [r.name, r.inputs])).toEqual([[`ingress-auth-${env}-password`, { length: 32, special: false }]]);
        expect(generated[0]!.provider).toMatch(new RegExp(`::random-${env}::`));
        // A second evaluation of its own (runLoaded would hand back the shared first one).
        const again = underIngressAuth(await runLoadedFresh(loadStack(ROOT, env, { placeholderSecrets: true })), env).filter((r) => r.type === RANDOM_PASSWORD);
        expect(again.map((r) => r.inputs)).toEqual(generated.map((r) => r.inputs));
    });

    it("exports where the credentials are, never the credentials; the plan shows neither password nor hash", () => {
        const { outputs } = runs[env].plan;
        expect(outputs.ingressAuthSecret).toEqual({
            namespace: `monitoring-${env}`,
            name: `ingress-auth-${env}`,
            keys: { user: "username", password: "password" },
        });
        const written = allStrings([runs[env].plan.resources, runs[env].plan.values, outputs]);
        expect(written.filter((s) => s.includes(MOCK_RANDOM_RESULT) || s.includes(MOCK_BCRYPT_HASH))).toEqual([]);
        const plan = runs[env].plan.resources.filter((r) => r.name.startsWith(`ingress-auth-${env}-`) && r.type === SECRET);
        expect(plan.map((r) => (r.inputs as { stringData: unknown }).stringData)).toEqual(["[secret]", "[secret]", "[secret]"]);
    });
});

describe("an external auth service (ingress.auth.mode external)", () => {
    const url = "https://auth.example.com/oauth2/auth";
    const signin = "https://auth.example.com/oauth2/start?rd=$escaped_request_uri";
    const base = {
        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        "nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8",
    };

    it("sends Prometheus, Alertmanager and Loki requests to it, generates no credentials and exports no credentials Secret", async () => {
        const run = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, ingress: { sourceRanges: ["10.0.0.0/8"], auth: { mode: "external", url, signin } } }));
        const auth = { "nginx.ingress.kubernetes.io/auth-url": url, "nginx.ingress.kubernetes.io/auth-signin": signin };
        expect(ingressAnnotations(run, "dev")).toEqual({
            prometheus: { ...base, ...auth },
            alertmanager: { ...base, ...auth },
            grafana: base,
            loki: { ...base, ...auth },
        });
        expect(run.run.resources.filter((r) => r.type === "mlops:ingress:IngressAuth" || r.name.startsWith("ingress-auth-"))).toEqual([]);
        const secretNames = run.run.resources.filter((r) => r.type === SECRET).map((r) => metadataOf(r).name);
        expect(secretNames.filter((n) => n.startsWith("ingress-"))).toEqual([]);
        expect(run.plan.outputs.ingressAuthSecret).toBeNull();
    });

    it("without a sign-in page, a refused request gets nginx's 401 rather than a redirect", async () => {
        const run = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, ingress: { auth: { mode: "external", url } } }));
        expect(ingressAnnotations(run, "dev").loki).toEqual({
            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
            "nginx.ingress.kubernetes.io/auth-url": url,
        });
    });
});
