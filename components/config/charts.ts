/**
 * The `charts` section of the stack config: per chart, an internal mirror (HTTP(S) Helm repository
 * or OCI registry) and optionally another exact version, for clusters that cannot reach the public
 * repositories. Without it every chart comes from its pin in components/versions.ts.
 *
 * Helm repository credentials are not supported yet: a mirror must allow anonymous pulls from the
 * machine that runs Pulumi, and a URL carrying credentials is refused (it would sit in plaintext in
 * the stack file and in state).
 */
import { ChartOverride, ChartOverrides, ChartSources, effectiveChartSources } from "../chartSources";
import { ChartKey } from "../versions";
import { CREDENTIALS_IN_URL } from "./fields";
import { ObjectReader, describeValue } from "./reader";

/** Exact semver only: values are checked against one chart version, so a range must never move it. */
export const EXACT_CHART_VERSION = /^\d+\.\d+\.\d+$/;

/** `oci://host[:port][/path]`: lowercase path segments as OCI repositories are, no chart name, no trailing slash. */
const OCI_REPOSITORY = /^oci:\/\/[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/;

export const REPOSITORY_EXPECTED =
    "an HTTP(S) Helm repository URL (https://charts.example.com/helm) or an OCI registry reference without the chart name (oci://registry.example.com/charts)";

function httpRepository(v: string): boolean {
    if (!/^https?:\/\/\S+$/.test(v)) return false;
    try {
        const url = new URL(v);
        return url.hostname !== "" && url.search === "" && url.hash === "";
    } catch {
        return false;
    }
}

function readOverride(o: ObjectReader): ChartOverride {
    const before = o.problems.list.length;
    // Read without echoing: a mistyped URL may carry credentials, which no message may show.
    const repository = o.string("repository", { expected: REPOSITORY_EXPECTED, required: true, sensitive: true });
    if (o.problems.list.length === before) {
        if (CREDENTIALS_IN_URL.test(repository)) {
            o.problems.add(
                o.keyOf("repository"),
                "a repository URL without credentials (Helm repository credentials are not supported yet)",
                "a URL with credentials (not shown)",
            );
        } else if (!httpRepository(repository) && !OCI_REPOSITORY.test(repository)) {
            o.problems.add(o.keyOf("repository"), REPOSITORY_EXPECTED, describeValue(repository));
        }
    }
    // Always asked for (empty when absent), so an unknown key's message lists it among the known ones.
    const version = o.string("version", { expected: "an exact chart version x.y.z (no range, no v prefix)", pattern: EXACT_CHART_VERSION, default: "" });
    o.done();
    return version === "" ? { repository } : { repository, version };
}

/** Reads `charts` and resolves it into the effective source of every chart of `keys` (the stack's). */
export function readCharts<K extends ChartKey>(ch: ObjectReader, keys: readonly K[]): ChartSources<K> {
    const overrides: Partial<Record<ChartKey, ChartOverride>> = {};
    for (const key of keys) {
        const given = ch.has(key);
        const before = ch.problems.list.length;
        // Asked for every known chart, so a mistyped chart key is reported with the whole list.
        const o = ch.object(key);
        // Not an object: that one problem says it all, no "repository missing" on top.
        if (given && ch.problems.list.length === before) overrides[key] = readOverride(o);
    }
    ch.done();
    return effectiveChartSources(keys, overrides as ChartOverrides);
}
