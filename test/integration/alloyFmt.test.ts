/**
 * An env's Alloy config (`logging.agent: alloy`) under Alloy's own parser and printer
 * (tools/alloy-fmt, built with Go by the integration tier's global setup).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AlloyFmtResult, alloyFmt, alloyFormatter } from "../../scripts/lib/alloyFmt";
import { MINIMAL_CONFIG, StackRun, runLoaded, stackFromConfig, valuesOf } from "../support/harness";

let alloy: StackRun;
beforeAll(async () => {
    alloy = await runLoaded(stackFromConfig({ ...MINIMAL_CONFIG, logging: { agent: "alloy" } }));
});

/** tools/alloy-fmt: Alloy's parser and printer, built once (cold: seconds, the syntax module is small). */
const formatter = { bin: "" };
beforeAll(() => {
    formatter.bin = alloyFormatter();
}, 600_000);
const fmt = (content: string, helmTpl = false): AlloyFmtResult => alloyFmt(formatter.bin, content, { helmTpl });

describe("the Alloy config under Alloy's own parser and printer (tools/alloy-fmt)", () => {
    it("parses, and is already in `alloy fmt` form", () => {
        const config = alloy.plan.artifacts["alloy/config.alloy"]!;
        const res = fmt(config);
        expect(res.status, res.report).toBe(0);
        expect(res.formatted).toBe(config);
    });

    it("is what the chart's ConfigMap holds once Helm's tpl has rendered the values", () => {
        const res = fmt(valuesOf(alloy.plan, "alloy-dev").alloy.configMap.content, true);
        expect(res.status, res.report).toBe(0);
        expect(res.formatted).toBe(alloy.plan.artifacts["alloy/config.alloy"]);
        // Unescaped, tpl would try to run stage.template's Go template and fail on ToLower.
        const raw = fmt(alloy.plan.artifacts["alloy/config.alloy"]!, true);
        expect(raw.status).toBe(2);
        expect(raw.report).toContain('function "ToLower" not defined');
    });

    it("rejects a broken config, so the checks above are not vacuous", () => {
        const res = fmt('loki.write "loki" {\n\tendpoint {\n\t\turl = "http://x"\n\t}\n');
        expect(res.status).toBe(1);
        expect(res.report).toContain("expected }");
    });
});
