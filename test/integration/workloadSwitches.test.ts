/**
 * With workloads switched off (the cases of test/workloadSwitches.test.ts), the rule files the
 * plan writes still pass promtool and Loki's LogQL parser.
 */
import * as path from "node:path";
import * as yaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { StackRun, runLoaded, stackFromConfig } from "../support/harness";
import { checkLogql, promtoolCheckRules, useLogqlChecker, writeFiles } from "../support/validators";
import { CASES, switchedOff } from "../support/workloadSwitchCases";

const checker = useLogqlChecker();

describe.each(CASES)("switched off: $off", (c) => {
    let run: StackRun;
    beforeAll(async () => {
        run = await runLoaded(stackFromConfig(switchedOff(c.off, c.unneededSecrets)));
    });

    it("the rule files still pass promtool and Loki's parser", () => {
        const dir = writeFiles({ "rules.yaml": run.plan.artifacts["rules/prometheus.yaml"] });
        const res = promtoolCheckRules(path.join(dir, "rules.yaml"));
        expect(res.status, res.report).toBe(0);
        const logRules = (yaml.load(run.plan.artifacts["rules/loki-fake.yaml"]) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups;
        const { failures, result } = checkLogql(
            checker.bin,
            logRules.flatMap((g) => g.rules.map((r) => ({ id: r.alert, expr: r.expr }))),
        );
        expect(failures, result.report).toEqual([]);
    });
});
