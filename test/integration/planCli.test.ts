/**
 * `npm run plan` as a user runs it (a child process): where it may write (--out), what a failed
 * plan leaves behind, --help, bad arguments and broken stack files, with exit codes and exact
 * messages. Everything runs in a copy of the project (sandboxProject), so `--out .` aimed at the
 * project can never reach the checkout the tests run from.
 * The cases are independent (each its own directories), so they run concurrently.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USAGE } from "../../scripts/lib/planArgs";
import { PLAN_MARKER } from "../../scripts/lib/planOutput";
import { CliRun, runCli, sandboxProject } from "../support/cli";
import { ROOT } from "../support/harness";
import { PROCESS_TEST_TIMEOUT } from "../support/timeouts";

const HINT = "(npm run plan -- --help lists the options)";

/** Stack files next to the real dev stack in the sandbox; each breaks in one way. */
const STACK_FILES = {
    "Pulumi.dev.yaml": readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"),
    "Pulumi.tabs.yaml": "config:\n\tmlops-platform:env: dev\n",
    "Pulumi.dupkey.yaml": "config:\n  mlops-platform:env: dev\n  mlops-platform:domain: a.example\n  mlops-platform:env: prod\n",
    "Pulumi.empty.yaml": "",
    "Pulumi.list.yaml": "# a list, not a map\n- config\n",
    "Pulumi.noconfig.yaml": "encryptionsalt: v1:abc\nmlops-platform:env: dev\n",
    "Pulumi.configlist.yaml": "config:\n  - mlops-platform:env\n",
    // A well-formed file whose config the program rejects.
    "Pulumi.badconfig.yaml": "config:\n  mlops-platform:env: dev\n",
};

let project: string;
let work: string;

beforeAll(() => {
    project = sandboxProject(STACK_FILES);
    work = realpathSync(mkdtempSync(path.join(os.tmpdir(), "plan-out-")));
});

afterAll(() => {
    if (project) rmSync(path.dirname(project), { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
});

/** The sandbox's own plan command, from `cwd` (default: the sandbox project root). */
const plan = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> =>
    runCli(path.join(project, "scripts", "plan.ts"), args, { cwd: opts.cwd ?? project, env: { PLAN_PLACEHOLDER_SECRETS: "", ...opts.env } });

/** Every file below `dir` (symbolic links skipped) with its content: equal snapshots mean untouched. */
function snapshot(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.isFile()) out[path.relative(dir, p)] = readFileSync(p, "utf8");
        }
    };
    walk(dir);
    return out;
}

const refused = (arg: string, target: string, why: string) => `--out ${arg}: refusing to write the plan into ${target}: ${why}\n`;

/** Exit 2, nothing on stdout, exactly `stderr`. */
function expectCannotRun(run: CliRun, stderr: string): void {
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 2, stdout: "", stderr });
}

// Each case starts processes (tsx, Pulumi, servers): PROCESS_TEST_TIMEOUT (test/support/timeouts.ts) says why its timeout is generous.
describe.concurrent("--out: the plan never deletes what it did not write", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("refuses the project root and the directories above it, and touches nothing", async () => {
        const before = snapshot(project);
        const parentBefore = readdirSync(path.dirname(project));
        const [dot, dotdot] = await Promise.all([plan(["dev", "--placeholder-secrets", "--out", "."]), plan(["dev", "--placeholder-secrets", "--out", ".."])]);
        expectCannotRun(dot, refused(".", project, "it is the project root"));
        expectCannotRun(dotdot, refused("..", path.dirname(project), "it contains the project"));
        expect(snapshot(project)).toEqual(before);
        expect(readdirSync(path.dirname(project))).toEqual(parentBefore);
    });

    it("refuses $HOME and a directory above it", async () => {
        const home = path.join(work, "users", "someone");
        mkdirSync(home, { recursive: true });
        writeFileSync(path.join(home, ".profile"), "export EDITOR=vi\n");
        const env = { HOME: home };
        const [own, above] = await Promise.all([plan(["dev", "--out", home], { env }), plan(["dev", "--out", path.dirname(home)], { env })]);
        expectCannotRun(own, refused(home, home, "it is your home directory"));
        expectCannotRun(above, refused(path.dirname(home), path.dirname(home), "it contains your home directory"));
        expect(snapshot(path.join(work, "users"))).toEqual({ "someone/.profile": "export EDITOR=vi\n" });
    });

    it("refuses an existing directory that is not a plan output and leaves its files where they are", async () => {
        const dirs = { notes: "notes.txt", app: "package.json", fake: PLAN_MARKER };
        for (const [dir, file] of Object.entries(dirs)) {
            mkdirSync(path.join(work, "mine", dir), { recursive: true });
            writeFileSync(path.join(work, "mine", dir, file), "keep me\n");
        }
        writeFileSync(path.join(work, "mine", "file.txt"), "keep me\n");
        const before = snapshot(path.join(work, "mine"));
        const target = (d: string) => path.join(work, "mine", d);
        const [notes, app, fake, file] = await Promise.all(["notes", "app", "fake", "file.txt"].map((d) => plan(["dev", "--out", target(d)])));
        const remove = "remove it yourself or give another --out";
        expectCannotRun(notes, refused(target("notes"), target("notes"), `it exists and is not a plan output (no ${PLAN_MARKER} marker, 1 entry); ${remove}`));
        expectCannotRun(app, refused(target("app"), target("app"), "it is a project directory (it has package.json)"));
        expectCannotRun(
            fake,
            refused(target("fake"), target("fake"), `it exists and is not a plan output (its ${PLAN_MARKER} is not a plan marker, 1 entry); ${remove}`),
        );
        expectCannotRun(file, refused(target("file.txt"), target("file.txt"), "it exists and is not a directory"));
        // The files are still there, and no temporary directory was left beside them.
        expect(snapshot(path.join(work, "mine"))).toEqual(before);
        expect(readdirSync(path.join(work, "mine")).sort()).toEqual(["app", "fake", "file.txt", "notes"]);
    });

    it("writes a new directory, marks it, and replaces its own previous output as a whole", async () => {
        const out = path.join(work, "plans", "dev");
        const first = await plan(["dev", "--placeholder-secrets", "--out", out]);
        expect(first.stderr).toBe("");
        expect(first.code).toBe(0);
        expect(first.stdout.trim().split("\n").pop()).toMatch(
            new RegExp(`^Wrote 16 files to ${path.relative(project, out).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} in \\d+ ms$`),
        );
        expect(JSON.parse(readFileSync(path.join(out, PLAN_MARKER), "utf8"))).toEqual({
            generator: "mlops-platform offline plan (npm run plan)",
            stack: "dev",
            formatVersion: 1,
        });
        // A file the previous output holds and the new plan does not write disappears with it.
        writeFileSync(path.join(out, "stale.json"), "{}\n");
        const second = await plan(["dev", "--placeholder-secrets", "--out", out]);
        expect(second.code).toBe(0);
        expect(Object.keys(snapshot(out))).not.toContain("stale.json");
        expect(Object.keys(snapshot(out))).toContain("resources.json");
        expect(readdirSync(path.dirname(out))).toEqual(["dev"]);
    });

    it("a failed plan leaves the previous output exactly as it was and no temporary directory", async () => {
        const out = path.join(work, "failing", "dev");
        expect((await plan(["dev", "--placeholder-secrets", "--out", out])).code).toBe(0);
        const before = snapshot(out);
        const [leak, config, stackFile] = await Promise.all([
            // A placeholder the plan files contain (the Grafana service name): caught after every file is written.
            plan(["dev", "--placeholder-secrets", "--secret", "grafanaAdminPassword=monitoring-dev-grafana", "--out", out]),
            plan(["badconfig", "--placeholder-secrets", "--out", out]),
            plan(["tabs", "--out", out]),
        ]);
        expect({ code: leak.code, stderr: leak.stderr }).toEqual({
            code: 1,
            stderr: `a secret placeholder reached the plan files (outputs.json); nothing was written to ${out}\n`,
        });
        expect(config.code).toBe(1);
        expect(config.stderr.split("\n")[0]).toMatch(/^invalid stack config \(\d+ problems?\):$/);
        expect({ code: stackFile.code, stderr: stackFile.stderr }).toEqual({
            code: 1,
            stderr: "Pulumi.tabs.yaml:2:1: tab characters must not be used in indentation\n",
        });
        expect(snapshot(out)).toEqual(before);
        expect(readdirSync(path.dirname(out))).toEqual(["dev"]);
    });
});

describe.concurrent("command line", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("prints every option and the environment variable with --help or -h, and exits 0", async () => {
        for (const option of ["--out <dir>", "--secret <key>=<value>", "--placeholder-secrets", "PLAN_PLACEHOLDER_SECRETS=1", "-h, --help"]) {
            expect(USAGE).toContain(option);
        }
        const runs = await Promise.all([["--help"], ["-h"], ["dev", "--help"]].map((args) => plan(args)));
        for (const run of runs) expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: "" });
    });

    it.each([
        [[], `give the stack to plan, e.g. npm run plan -- dev ${HINT}`],
        [["dev", "--frobnicate"], `unknown option --frobnicate ${HINT}`],
        [["dev", "prod"], `one stack at a time, got dev and prod ${HINT}`],
        [["dev", "--out"], `--out expects a directory, got nothing ${HINT}`],
        [["dev", "--out", "--placeholder-secrets"], `--out expects a directory, got "--placeholder-secrets" ${HINT}`],
        [["dev", "--secret"], `--secret expects <key>=<value>, got nothing ${HINT}`],
        [["dev", "--secret", "hunter2-not-echoed"], `--secret expects <key>=<value>, got an argument without = (not shown, it may be a secret) ${HINT}`],
        [["dev", "--secret", "=x"], `--secret expects <key>=<value>, got no key before = ${HINT}`],
    ])("plan %j exits 2 with one line", async (args, message) => {
        expectCannotRun(await plan(args), `${message}\n`);
    });

    it("names the stacks that exist when the stack file is missing, with exit code 2", async () => {
        const stacks = Object.keys(STACK_FILES)
            .map((f) => f.slice("Pulumi.".length, -".yaml".length))
            .sort();
        expectCannotRun(await plan(["staging"]), `no stack file Pulumi.staging.yaml in ${project}; the stacks here are ${stacks.join(", ")}\n`);
    });
});

describe.concurrent("stack file errors are one line with the place, never a stack trace", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it.each([
        ["tabs", "Pulumi.tabs.yaml:2:1: tab characters must not be used in indentation"],
        ["dupkey", 'Pulumi.dupkey.yaml:4:3: duplicated mapping key "mlops-platform:env"'],
        ["empty", "Pulumi.empty.yaml is empty: expected a map with a config: key holding the stack's settings"],
        ["list", "Pulumi.list.yaml:2:1: expected a map with a config: key holding the stack's settings, got a list"],
        [
            "noconfig",
            "Pulumi.noconfig.yaml:1:1: no config: key; the stack's settings go under config: (top-level keys here: encryptionsalt, mlops-platform:env)",
        ],
        ["configlist", "Pulumi.configlist.yaml:2:3: config: must be a map of settings, got a list"],
    ])("%s", async (stack, message) => {
        const run = await plan([stack, "--placeholder-secrets"]);
        expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 1, stdout: "", stderr: `${message}\n` });
    });
});
