/**
 * Turns what test/engine/capture.sh recorded from a real engine into the fixtures under
 * test/fixtures/engine/, without secret values or paths of the machine it ran on:
 *
 *   tsx test/engine/scrub.ts preview  --stack S --phase first|deployed --capture F --config F --chart-mirror URL [--machine-path P]… --out F
 *   tsx test/engine/scrub.ts deployed --stack S --outputs F --state F --config F [--machine-path P]… --out F
 *   tsx test/engine/scrub.ts manifest --pulumi V --kubernetes V --random V --apiserver V --commit SHA --out F
 *
 * A secret is every value the stack's config marks secret (`pulumi config --show-secrets --json`)
 * and every value the random provider generated; any string that holds one, as it is or
 * base64-encoded (a Secret's data), becomes "[secret]". The state keeps only what each resource is
 * and its options (no inputs or outputs), so nothing encrypted is written either.
 *
 * The harness serves the charts from a loopback mirror (each stack's `charts.<chart>.repository`);
 * where a resource names that mirror, the fixture names the chart's public repository instead
 * (components/versions.ts), as the shipped stack files do, so the policy pack judges the fixture
 * with its default config. A mirror URL anywhere else is an error: the fixture would not be faithful.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { CHART_SOURCE_ANNOTATION } from "../../components/chartSources";
import { HELM_RELEASE } from "../../components/resourceTypes";
import { charts } from "../../components/versions";
import { computedOutputPaths } from "../../policy/computedOutputs";
import { UNKNOWN_MARKERS } from "../../policy/pack";

export const SCRUBBED_SECRET = "[secret]";
export const SCRUBBED_PATH = "<local path>";

interface CapturedResource {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    provider?: string;
    protect: boolean;
    dependencies: string[];
    props: Record<string, unknown>;
}

function parseFlags(argv: string[]): Map<string, string[]> {
    const flags = new Map<string, string[]>();
    for (let i = 0; i < argv.length; i += 2) {
        const key = argv[i]!;
        const value = argv[i + 1];
        if (!key.startsWith("--") || value === undefined) throw new Error(`scrub: expected --flag value pairs, got ${argv.slice(i).join(" ")}`);
        flags.set(key.slice(2), [...(flags.get(key.slice(2)) ?? []), value]);
    }
    return flags;
}

const readJson = (file: string): any => JSON.parse(readFileSync(file, "utf8"));

function leafStrings(value: unknown, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => leafStrings(v, out));
    else if (typeof value === "object" && value !== null) Object.values(value).forEach((v) => leafStrings(v, out));
    return out;
}

/** Every secret value of a stack's config (`pulumi config --show-secrets --json`), whole and leaf by leaf. */
export function configSecrets(config: Record<string, { value?: string; objectValue?: unknown; secret?: boolean }>): string[] {
    const out: string[] = [];
    for (const entry of Object.values(config)) {
        if (!entry.secret) continue;
        if (entry.value !== undefined) out.push(entry.value);
        if (entry.objectValue !== undefined) leafStrings(entry.objectValue, out);
    }
    return out;
}

/** Generated material in the captured resources (known once created). */
export function generatedSecrets(resources: readonly { type: string; props: Record<string, unknown> }[]): string[] {
    return (
        resources
            .filter((r) => r.type.startsWith("random:index/"))
            // What the random provider computes is the generated material (policy/computedOutputs.ts).
            .flatMap((r) => computedOutputPaths(r.type).map((k) => r.props[k]))
            .filter((v): v is string => typeof v === "string" && !UNKNOWN_MARKERS.has(v))
    );
}

/** A copy of `value` with every string that holds a secret replaced and machine paths neutralised. */
export function scrubbed(value: unknown, secrets: readonly string[], machinePaths: readonly string[]): unknown {
    // Short values (a "true", a port) would match by accident; no secret of the harness is that short.
    const needles = [...new Set(secrets)].filter((s) => s.length >= 8);
    const paths = [...new Set(machinePaths)].filter((p) => p.length > 1).sort((a, b) => b.length - a.length);
    const holdsSecret = (s: string) => {
        if (needles.some((n) => s.includes(n))) return true;
        const decoded = Buffer.from(s, "base64").toString("utf8");
        return Buffer.from(decoded, "utf8").toString("base64") === s && needles.some((n) => decoded.includes(n));
    };
    const visit = (v: unknown): unknown => {
        if (typeof v === "string") {
            if (UNKNOWN_MARKERS.has(v)) return v;
            if (holdsSecret(v)) return SCRUBBED_SECRET;
            return paths.reduce((s, p) => s.split(p).join(SCRUBBED_PATH), v);
        }
        if (Array.isArray(v)) return v.map(visit);
        if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
        return v;
    };
    return visit(value);
}

const publicRepo = (chart: string): string => {
    const pin = Object.values(charts).find((c) => c.chart === chart);
    if (!pin) throw new Error(`scrub: chart ${chart} has no pin in components/versions.ts`);
    return pin.repo;
};

/**
 * The resources with the harness's chart mirror replaced by each chart's public repository: a
 * Release's `repositoryOpts.repo`, the chart-source annotation on what a helm.v4.Chart renders, and
 * any `{chart, repo, source}` a component or the Stack outputs (the mirror is an `override`, the
 * public repository the `pin`).
 */
export function withPublicChartRepos(resources: CapturedResource[], mirror: string): CapturedResource[] {
    const visit = (v: unknown): void => {
        if (Array.isArray(v)) return v.forEach(visit);
        if (typeof v !== "object" || v === null) return;
        const o = v as Record<string, any>;
        if (o.repo === mirror && typeof o.chart === "string") {
            o.repo = publicRepo(o.chart);
            if (o.source === "override") o.source = "pin";
        }
        Object.values(o).forEach(visit);
    };
    const out = resources.map((r) => {
        const props = structuredClone(r.props) as Record<string, any>;
        if (r.type === HELM_RELEASE && props.repositoryOpts?.repo === mirror) {
            props.repositoryOpts.repo = publicRepo(String(props.chart));
        }
        const annotations = props.metadata?.annotations;
        if (annotations?.[CHART_SOURCE_ANNOTATION] === mirror) {
            // helm.sh/chart is `<chart>-<version>`; the version is the last dash-separated part.
            const label = String(props.metadata.labels?.["helm.sh/chart"] ?? "");
            annotations[CHART_SOURCE_ANNOTATION] = publicRepo(label.slice(0, label.lastIndexOf("-")));
        }
        visit(props);
        return { ...r, props };
    });
    const left = out.filter((r) => JSON.stringify(r.props).includes(mirror)).map((r) => r.urn);
    if (left.length) throw new Error(`scrub: the chart mirror ${mirror} is still named by ${left.join(", ")}`);
    return out;
}

function main(argv: string[]): void {
    const [mode, ...rest] = argv;
    const flags = parseFlags(rest);
    const one = (key: string): string => {
        const v = flags.get(key)?.[0];
        if (v === undefined) throw new Error(`scrub ${mode}: --${key} is required`);
        return v;
    };
    const machinePaths = flags.get("machine-path") ?? [];
    const write = (doc: unknown) => writeFileSync(one("out"), `${JSON.stringify(doc, null, 1)}\n`);
    if (mode === "preview") {
        const resources = withPublicChartRepos((readJson(one("capture")) as { resources: CapturedResource[] }).resources, one("chart-mirror"));
        const secrets = [...configSecrets(readJson(one("config"))), ...generatedSecrets(resources)];
        write({ stack: one("stack"), phase: one("phase"), resources: scrubbed(resources, secrets, machinePaths) });
    } else if (mode === "deployed") {
        const state = readJson(one("state")) as { deployment: { resources?: Record<string, unknown>[] } };
        const secrets = configSecrets(readJson(one("config")));
        const keep = ["urn", "type", "custom", "protect", "retainOnDelete", "external", "parent", "provider"];
        write({
            stack: one("stack"),
            // The Stack's outputs name chart sources too: as in the previews, the mirror becomes the pin.
            outputs: scrubbed(
                withPublicChartRepos(
                    [{ urn: "", type: "", name: "", protect: false, dependencies: [], props: readJson(one("outputs")) }],
                    one("chart-mirror"),
                )[0]!.props,
                secrets,
                machinePaths,
            ),
            resources: (state.deployment.resources ?? []).map((r) => Object.fromEntries(keep.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]))),
        });
    } else if (mode === "manifest") {
        write({
            capturedFrom: one("commit"),
            pulumiCli: one("pulumi"),
            kubernetesProvider: one("kubernetes"),
            randomProvider: one("random"),
            kubeApiserver: one("apiserver"),
        });
    } else {
        throw new Error(`scrub: unknown mode ${mode ?? "<none>"} (preview | deployed | manifest)`);
    }
}

if (require.main === module) main(process.argv.slice(2));
