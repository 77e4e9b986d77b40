/**
 * Chart sources by config (`charts`): validation, the effective source of every chart, what the
 * Helm resources receive for an HTTP mirror and an OCI registry, and what the offline plan shows.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { writePlan } from "../scripts/lib/planWriter";
import { MINIMAL_CONFIG, StackRun, configProblems as problemsOf, runLoaded, stackFromConfig } from "./support/harness";
import { HTTP_MIRROR, MIRRORED, OCI_MIRROR } from "./support/chartMirrors";
import { parseStackConfig } from "../scripts/lib/stackFile";
import { HELM_CHART, HELM_RELEASE } from "../components/resourceTypes";

/** An env's config. */
const parse = (config: Record<string, unknown>) => parseStackConfig(stackFromConfig(config));

const REPOSITORY_EXPECTED =
    "an HTTP(S) Helm repository URL (https://charts.example.com/helm) or an OCI registry reference without the chart name (oci://registry.example.com/charts)";

describe("charts config", () => {
    it.each([
        {
            kind: "unknown chart key",
            charts: { grafana: { repository: HTTP_MIRROR } },
            problems: [
                'mlops-platform:charts.grafana: expected one of the known keys (airflow, alloy, kubePrometheusStack, loki, nfsSubdirProvisioner, promtail), got unknown key "grafana"',
            ],
        },
        {
            kind: "repository of another scheme",
            charts: { loki: { repository: "ftp://mirror.example.com/charts" } },
            problems: [`mlops-platform:charts.loki.repository: expected ${REPOSITORY_EXPECTED}, got "ftp://mirror.example.com/charts"`],
        },
        {
            kind: "OCI reference with a trailing slash",
            charts: { promtail: { repository: "oci://registry.example.com/charts/" } },
            problems: [`mlops-platform:charts.promtail.repository: expected ${REPOSITORY_EXPECTED}, got "oci://registry.example.com/charts/"`],
        },
        {
            kind: "bare host name",
            charts: { airflow: { repository: "registry.example.com/charts" } },
            problems: [`mlops-platform:charts.airflow.repository: expected ${REPOSITORY_EXPECTED}, got "registry.example.com/charts"`],
        },
        {
            kind: "version without repository",
            charts: { nfsSubdirProvisioner: { version: "4.0.18" } },
            problems: [`mlops-platform:charts.nfsSubdirProvisioner.repository: expected ${REPOSITORY_EXPECTED}, got nothing (key not set)`],
        },
        {
            kind: "version range",
            charts: { loki: { repository: HTTP_MIRROR, version: "^18.11.0" } },
            problems: ['mlops-platform:charts.loki.version: expected an exact chart version x.y.z (no range, no v prefix), got "^18.11.0"'],
        },
        {
            kind: "version with a v prefix",
            charts: { kubePrometheusStack: { repository: OCI_MIRROR, version: "v88.5.3" } },
            problems: ['mlops-platform:charts.kubePrometheusStack.version: expected an exact chart version x.y.z (no range, no v prefix), got "v88.5.3"'],
        },
        {
            kind: "credentials key (not supported)",
            charts: { loki: { repository: HTTP_MIRROR, username: "mirror" } },
            problems: ['mlops-platform:charts.loki.username: expected one of the known keys (repository, version), got unknown key "username"'],
        },
        {
            kind: "chart given as a string",
            charts: { loki: OCI_MIRROR },
            problems: [`mlops-platform:charts.loki: expected an object, got "${OCI_MIRROR}"`],
        },
    ])("rejects $kind", ({ charts, problems }) => {
        expect(problemsOf({ ...MINIMAL_CONFIG, charts })).toEqual(problems.map((p) => `  - ${p}`));
    });

    it("rejects a repository URL with credentials without echoing them", () => {
        const problems = problemsOf({ ...MINIMAL_CONFIG, charts: { airflow: { repository: "https://ci:s3cr3t-pw@charts.mirror.example.com/helm" } } });
        expect(problems).toEqual([
            "  - mlops-platform:charts.airflow.repository: expected a repository URL without credentials (Helm repository credentials are not supported yet), got a URL with credentials (not shown)",
        ]);
        expect(problems.join("\n")).not.toContain("s3cr3t-pw");
    });
});

describe("effective chart sources", () => {
    it("default: every chart from its pin in components/versions.ts", () => {
        expect(parse(MINIMAL_CONFIG).charts).toEqual({
            kubePrometheusStack: {
                chart: "kube-prometheus-stack",
                repo: "https://prometheus-community.github.io/helm-charts",
                version: "88.5.3",
                source: "pin",
            },
            loki: { chart: "loki", repo: "https://grafana-community.github.io/helm-charts", version: "18.11.0", source: "pin" },
            promtail: { chart: "promtail", repo: "https://grafana.github.io/helm-charts", version: "6.17.1", source: "pin" },
            alloy: { chart: "alloy", repo: "https://grafana.github.io/helm-charts", version: "1.11.1", source: "pin" },
            nfsSubdirProvisioner: {
                chart: "nfs-subdir-external-provisioner",
                repo: "https://kubernetes-sigs.github.io/nfs-subdir-external-provisioner/",
                version: "4.0.18",
                source: "pin",
            },
            airflow: { chart: "airflow", repo: "https://airflow.apache.org", version: "1.22.0", source: "pin" },
        });
    });

    it("HTTP mirror, OCI registry with a version and OCI registry on the pin's version", () => {
        const charts = parse({ ...MINIMAL_CONFIG, charts: MIRRORED }).charts;
        expect(charts.loki).toEqual({ chart: "loki", repo: HTTP_MIRROR, version: "18.12.0", source: "override" });
        expect(charts.kubePrometheusStack).toEqual({ chart: "kube-prometheus-stack", repo: OCI_MIRROR, version: "88.5.3", source: "override" });
        expect(charts.promtail).toEqual({ chart: "promtail", repo: OCI_MIRROR, version: "6.17.1", source: "override" });
        expect(charts.airflow).toEqual({ chart: "airflow", repo: "https://airflow.apache.org", version: "1.22.0", source: "pin" });
    });

    it("accepts an OCI registry with a port and no path, and a plain-HTTP mirror", () => {
        const charts = parse({
            ...MINIMAL_CONFIG,
            charts: { airflow: { repository: "oci://localhost:5000" }, nfsSubdirProvisioner: { repository: "http://chartmuseum.mirror.svc:8080" } },
        }).charts;
        expect([charts.airflow.repo, charts.nfsSubdirProvisioner.repo]).toEqual(["oci://localhost:5000", "http://chartmuseum.mirror.svc:8080"]);
    });
});

describe("the program with chart overrides", () => {
    let mirrored: StackRun;
    const helmInputs = (name: string) => {
        const rec = mirrored.run.resources.find((r) => (r.type === HELM_RELEASE || r.type === HELM_CHART) && (r.inputs as any).name === name);
        if (!rec) throw new Error(`no Helm resource for release ${name}`);
        const { chart, repositoryOpts, version } = rec.inputs as Record<string, unknown>;
        return { type: rec.type, chart, repositoryOpts, version, hasRepositoryOpts: "repositoryOpts" in (rec.inputs as object) };
    };

    it("gives Helm the OCI reference with no repository option, or the chart name and the mirror's URL", async () => {
        mirrored = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, charts: MIRRORED }));
        expect(helmInputs("monitoring-dev")).toEqual({
            type: HELM_RELEASE,
            chart: "oci://registry.example.com/charts/kube-prometheus-stack",
            repositoryOpts: undefined,
            version: "88.5.3",
            hasRepositoryOpts: false,
        });
        expect(helmInputs("promtail-dev")).toEqual({
            type: HELM_CHART,
            chart: "oci://registry.example.com/charts/promtail",
            repositoryOpts: undefined,
            version: "6.17.1",
            hasRepositoryOpts: false,
        });
        expect(helmInputs("loki-dev")).toEqual({
            type: HELM_RELEASE,
            chart: "loki",
            repositoryOpts: { repo: HTTP_MIRROR },
            version: "18.12.0",
            hasRepositoryOpts: true,
        });
        expect(helmInputs("airflow-dev")).toEqual({
            type: HELM_RELEASE,
            chart: "airflow",
            repositoryOpts: { repo: "https://airflow.apache.org" },
            version: "1.22.0",
            hasRepositoryOpts: true,
        });
    });

    it("writes the effective source of every release to releases.json", () => {
        const out = mkdtempSync(path.join(tmpdir(), "chart-sources-"));
        writePlan(mirrored.plan, out, []);
        const release = (name: string, chart: string, repo: string, version: string, source: string, namespace: string, resource = "helm.v3.Release") => ({
            stack: "dev",
            name,
            namespace,
            chart,
            repo,
            version,
            source,
            valuesFile: `values/${name}.yaml`,
            resource,
            patches:
                name === "promtail-dev" ? [{ kind: "DaemonSet", name: "promtail-dev", set: { "spec.template.spec.terminationGracePeriodSeconds": 10 } }] : [],
        });
        expect(JSON.parse(readFileSync(path.join(out, "releases.json"), "utf8"))).toEqual([
            release(
                "nfs-dev",
                "nfs-subdir-external-provisioner",
                "https://kubernetes-sigs.github.io/nfs-subdir-external-provisioner/",
                "4.0.18",
                "pin",
                "storage-dev",
            ),
            release("airflow-dev", "airflow", "https://airflow.apache.org", "1.22.0", "pin", "airflow-dev"),
            release("monitoring-dev", "kube-prometheus-stack", OCI_MIRROR, "88.5.3", "override", "monitoring-dev"),
            release("loki-dev", "loki", HTTP_MIRROR, "18.12.0", "override", "observability-dev"),
            release("promtail-dev", "promtail", OCI_MIRROR, "6.17.1", "override", "observability-dev", "helm.v4.Chart"),
        ]);
    });
});
