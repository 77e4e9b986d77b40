/**
 * Chart mirrors and the policy pack: `chart-version-pinned` accepts a mirror only when the policy
 * config declares it (as `npm run policy-config -- <stack>` writes it from the stack file), and an
 * inexact version never.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../components/config/reader";
import { CheckedResource, DEFAULT_CONFIG, GuardrailConfig, evaluate } from "../policy/rules";
import { CHART_POLICY, policyPackConfig, policyPackConfigForStack } from "../scripts/lib/policyConfig";
import { HTTP_MIRROR, MIRRORED, OCI_MIRROR } from "./support/chartMirrors";
import { MINIMAL_CONFIG, ROOT, StackRun, engineViews, runLoaded, stackFromConfig } from "./support/harness";
import { validateWith } from "./support/policyEngine";
import { parseStackConfig } from "../scripts/lib/stackFile";
import { HELM_CHART, HELM_RELEASE } from "../components/resourceTypes";

let mirrored: StackRun;
/** The mirrored stack as the engine holds it after an up (a helm.v4.Chart known by what it renders). */
let resources: CheckedResource[];
beforeAll(async () => {
    const stack = stackFromConfig({ ...MINIMAL_CONFIG, charts: MIRRORED });
    mirrored = await runLoaded(stack);
    resources = (await engineViews(stack)).deployed.map((r) => ({ ...r }));
});

/** The policy config the script derives from the same config the program ran with. */
const generated = () => {
    const stack = stackFromConfig({ ...MINIMAL_CONFIG, charts: MIRRORED });
    const cfg = parseStackConfig(stack);
    return policyPackConfig(cfg.charts);
};

/** Every policy's violations, as `<policy>: <message>`. */
const violations = (rs: CheckedResource[], config: Partial<GuardrailConfig> = {}) =>
    evaluate(rs, { ...DEFAULT_CONFIG, ...config }).map((v) => `${v.policy}: ${v.message}`);

describe("chart-version-pinned with chart mirrors", () => {
    it("without a policy config, reports every overridden chart", () => {
        expect(violations(resources)).toEqual([
            `chart-version-pinned: release monitoring-dev: chart kube-prometheus-stack from ${OCI_MIRROR} is neither its pin in components/versions.ts (https://prometheus-community.github.io/helm-charts) nor declared in the policy config chartSources`,
            `chart-version-pinned: release loki-dev: chart loki from ${HTTP_MIRROR} is neither its pin in components/versions.ts (https://grafana-community.github.io/helm-charts) nor declared in the policy config chartSources`,
            `chart-version-pinned: release promtail-dev: chart promtail from ${OCI_MIRROR} is neither its pin in components/versions.ts (https://grafana.github.io/helm-charts) nor declared in the policy config chartSources`,
        ]);
    });

    it("with the generated policy config, passes every policy", () => {
        expect(violations(resources, generated()[CHART_POLICY])).toEqual([]);
    });

    it("reports a mirror the policy config leaves out", () => {
        const onlyLoki = { chartSources: { loki: { repo: HTTP_MIRROR, version: "18.12.0" } } };
        expect(violations(resources, onlyLoki)).toEqual([
            `chart-version-pinned: release monitoring-dev: chart kube-prometheus-stack from ${OCI_MIRROR} is neither its pin in components/versions.ts (https://prometheus-community.github.io/helm-charts) nor declared in the policy config chartSources`,
            `chart-version-pinned: release promtail-dev: chart promtail from ${OCI_MIRROR} is neither its pin in components/versions.ts (https://grafana.github.io/helm-charts) nor declared in the policy config chartSources`,
        ]);
    });

    it("reports a release that differs from the source the policy config declares for it", () => {
        const config = { chartSources: { ...generated()[CHART_POLICY].chartSources, loki: { repo: HTTP_MIRROR, version: "18.11.0" } } };
        expect(violations(resources, config)).toEqual([
            `chart-version-pinned: release loki-dev: chart loki@18.12.0 from ${HTTP_MIRROR} differs from its source in the policy config chartSources (loki@18.11.0 from ${HTTP_MIRROR})`,
        ]);
    });

    it("reports an inexact version even when the policy config declares exactly that", () => {
        const ranged = structuredClone(resources);
        ranged.find((r) => r.type === HELM_RELEASE && r.props.name === "loki-dev")!.props.version = "18.x";
        const config = { chartSources: { ...generated()[CHART_POLICY].chartSources, loki: { repo: HTTP_MIRROR, version: "18.x" } } };
        expect(violations(ranged, config)).toEqual(['chart-version-pinned: release loki-dev: chart loki version "18.x" is not an exact version (x.y.z)']);
    });

    it("knows an OCI chart by its name for the other policies (a log agent as helm.v3.Release is still caught)", () => {
        // The chart's arguments as the program registers them (the engine keeps none for a helm.v4.Chart).
        const promtail = mirrored.plan.resources.find((r) => r.type === HELM_CHART && r.name === "promtail-dev")!;
        const asRelease = [...resources, { ...promtail, type: HELM_RELEASE, props: promtail.inputs as Record<string, any> }];
        expect(violations(asRelease, generated()[CHART_POLICY]).filter((v) => v.startsWith("log-agent-grace-period"))).toEqual([
            "log-agent-grace-period: release promtail-dev: log agent chart promtail is a helm.v3.Release, whose DaemonSet no patch or policy can see; render it with helm.v4.Chart and patch terminationGracePeriodSeconds",
        ]);
    });

    it("reads chartSources from the pack config the way pulumi preview --policy-pack-config passes it", () => {
        const report = (getConfig: () => object) => validateWith(CHART_POLICY, resources, getConfig).map(([message]: [string, string | undefined]) => message);
        // The CLI hands each policy its own section of the config file.
        expect(report(() => generated()[CHART_POLICY])).toEqual([]);
        expect(report(() => ({}))).toHaveLength(3);
    });
});

/** A project dir with the real Pulumi.yaml and its dev stack file plus `charts` (a stack is its env, so it stays dev). */
function projectWithMirrors(charts: unknown): string {
    const dir = mkdtempSync(path.join(tmpdir(), "policy-config-"));
    copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const doc = yaml.load(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    doc.config["mlops-platform:charts"] = charts;
    writeFileSync(path.join(dir, "Pulumi.dev.yaml"), yaml.dump(doc));
    return dir;
}

describe("npm run policy-config", () => {
    it("declares exactly the stack file's chart mirrors", () => {
        expect(policyPackConfigForStack(projectWithMirrors(MIRRORED), "dev")).toEqual({
            "chart-version-pinned": {
                chartSources: {
                    "kube-prometheus-stack": { repo: OCI_MIRROR, version: "88.5.3" },
                    loki: { repo: HTTP_MIRROR, version: "18.12.0" },
                    promtail: { repo: OCI_MIRROR, version: "6.17.1" },
                },
            },
        });
    });

    it("refuses a stack file the program would refuse", () => {
        const dir = projectWithMirrors({ loki: { repository: HTTP_MIRROR, version: "~18.11" } });
        expect(() => policyPackConfigForStack(dir, "dev")).toThrow(ConfigError);
        expect(() => policyPackConfigForStack(dir, "dev")).toThrow(
            'mlops-platform:charts.loki.version: expected an exact chart version x.y.z (no range, no v prefix), got "~18.11"',
        );
    });
});
