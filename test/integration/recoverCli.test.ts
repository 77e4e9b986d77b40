/**
 * `npm run recover` end to end, as CI runs it: no terminal (stdin is a pipe), with fake `pulumi`
 * and `kubectl` executables first on PATH that log their argv and answer from files, and a file
 * backend in a temporary directory.
 */
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CHECKPOINT, backendWith as backendIn, stackFile } from "../fixtures/fileBackend";
import { URN, exportText, interruptedState, kubeObject, pendingCreate, realExport, urnOf } from "../fixtures/interruptedState";
import { PROCESS_TEST_TIMEOUT } from "../support/timeouts";

const ROOT = path.resolve(__dirname, "..", "..");
const TSX_CLI = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const tmp = mkdtempSync(path.join(tmpdir(), "recover-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const backendWith = (files: Record<string, string | Buffer>) => backendIn(tmp, files);

const LOG_ARGV = `{ printf '%s' "$(basename "$0")"; for a in "$@"; do printf '\\t%s' "$a"; done; [ -t 0 ] && printf '\\t<stdin is a terminal>'; printf '\\n'; } >> "$FAKE_DIR/log"`;

/** `pulumi`: exports state.json (state-after.json once a refresh ran), prints a fake kubeconfig, succeeds at everything else. */
const FAKE_PULUMI = `#!/bin/sh
${LOG_ARGV}
case "$1" in
  stack) if [ -e "$FAKE_DIR/refreshed" ]; then cat "$FAKE_DIR/state-after.json"; else cat "$FAKE_DIR/state.json"; fi ;;
  config) echo "fake-kubeconfig" ;;
  refresh) : > "$FAKE_DIR/refreshed" ;;
esac
exit 0
`;

/** `kubectl get`: prints `<resource>/<name>` for the names listed in existing (a release: its Helm Secret), nothing otherwise. */
const FAKE_KUBECTL = `#!/bin/sh
${LOG_ARGV}
if [ -e "$FAKE_DIR/unreachable" ]; then
  echo "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?" >&2
  exit 1
fi
res=""; name=""; label=""; prev=""; after_get=""
for a in "$@"; do
  [ "$prev" = "-l" ] && label="$a"
  if [ -n "$after_get" ]; then
    if [ -z "$res" ]; then res="$a"; elif [ -z "$name" ]; then name="$a"; fi
  fi
  [ "$a" = "get" ] && after_get=1
  prev="$a"
done
[ -n "$label" ] && name="\${label##*name=}"
if grep -qx "$name" "$FAKE_DIR/existing"; then
  if [ -n "$label" ]; then echo "secret/sh.helm.release.v1.$name.v1"; else echo "\${res%%.*}/$name"; fi
fi
exit 0
`;

interface Fake {
    readonly dir: string;
    readonly env: NodeJS.ProcessEnv;
    /** Every call so far, argv joined by spaces. */
    readonly calls: () => string[];
}

/** A fake world: the state `pulumi stack export` prints, the names the cluster has, and the state after a refresh. */
function fake(state: string, existing: string[], after?: string): Fake {
    const dir = mkdtempSync(path.join(tmp, "fake-"));
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    for (const [name, text] of [
        ["pulumi", FAKE_PULUMI],
        ["kubectl", FAKE_KUBECTL],
    ] as const) {
        writeFileSync(path.join(bin, name), text);
        chmodSync(path.join(bin, name), 0o755);
    }
    writeFileSync(path.join(dir, "state.json"), state);
    writeFileSync(path.join(dir, "state-after.json"), after ?? state);
    writeFileSync(path.join(dir, "existing"), existing.map((n) => `${n}\n`).join(""));
    const log = path.join(dir, "log");
    return {
        dir,
        env: { FAKE_DIR: dir, PATH: `${bin}${path.delimiter}${process.env.PATH}`, PULUMI_BACKEND_URL: "" },
        calls: () =>
            existsSync(log)
                ? readFileSync(log, "utf8")
                      .trimEnd()
                      .split("\n")
                      .filter(Boolean)
                      .map((l) => l.split("\t").join(" "))
                : [],
    };
}

interface CliRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs the script the way `npm run recover` does, stdin a pipe that is closed at once: no terminal anywhere. */
function runRecover(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
    return new Promise((resolve) => {
        const child = execFile(
            process.execPath,
            [TSX_CLI, "scripts/recover.ts", ...args],
            { cwd: ROOT, env: { ...process.env, ...env }, timeout: PROCESS_TEST_TIMEOUT },
            (err, stdout, stderr) => {
                resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
            },
        );
        child.stdin?.end();
    });
}

const CONTEXT = "kubernetes-admin@kubernetes";
/** The cluster has everything the killed run asked for except the Deployment. */
const EXISTING = ["nfs-dev", "dashboard-platform-k8s-dev", "grafana-admin-dev", "workload-app-dev"];
const KUBECTL_CALLS = [
    `kubectl --context ${CONTEXT} get secret -n storage-dev -l owner=helm,name=nfs-dev -o name`,
    `kubectl --context ${CONTEXT} get configmap dashboard-platform-k8s-dev -n monitoring-dev -o name --ignore-not-found`,
    `kubectl --context ${CONTEXT} get secret grafana-admin-dev -n monitoring-dev -o name --ignore-not-found`,
    `kubectl --context ${CONTEXT} get deployment.v1.apps mlflow-dev -n mlflow-dev -o name --ignore-not-found`,
    `kubectl --context ${CONTEXT} get secret workload-app-dev -n airflow-dev -o name --ignore-not-found`,
];
const REFRESH = "pulumi refresh --stack dev --yes --non-interactive --skip-preview --clear-pending-creates";
const IMPORT = "pulumi import --stack dev --file out/recover/dev/import.json --yes --non-interactive --skip-preview --generate-code=false --protect=false";
const READBACK = "pulumi refresh --stack dev --yes --non-interactive --skip-preview";
const EXPORT = "pulumi stack export --stack dev";
const CANCEL = "pulumi cancel --stack dev --yes --non-interactive";

/** The real export as it should be after the refresh: the four imports recorded, nothing pending. */
function recoveredExport(): string {
    const doc = JSON.parse(realExport());
    const imported = doc.deployment.pending_operations.filter((p: any) => p.resource.urn !== URN.deployment);
    doc.deployment.resources.push(...imported.map((p: any) => ({ ...p.resource, id: "imported" })));
    doc.deployment.pending_operations = [];
    return JSON.stringify(doc);
}

const staleLock = (pid: number) => ({
    "locks/organization/mlops-platform/dev/9f1c.json": JSON.stringify({ pid, username: "ci", hostname: hostname(), timestamp: "2026-11-25T16:29:28Z" }),
});
// No process can have a pid above Linux's PID_MAX_LIMIT (2^22): the killed run's pid, for certain not running.
const DEAD_PID = 2 ** 22 + 1;

// Each case starts processes (tsx, Pulumi, servers): PROCESS_TEST_TIMEOUT (test/support/timeouts.ts) says why its timeout is generous.
describe("npm run recover without a terminal", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("plans from the cluster's answers and changes nothing without --apply", async () => {
        const f = fake(realExport(), EXISTING);
        const root = backendWith({ "dev.json": CHECKPOINT });
        const run = await runRecover(["dev", "--backend-dir", root], f.env);
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        expect(f.calls()).toEqual([EXPORT, ...KUBECTL_CALLS]);
        expect(run.stdout).toContain("Locks: none\n");
        expect(run.stdout).toContain(
            "  clear   kubernetes:apps/v1:Deployment mlflow-dev-deployment\n      not in the cluster (mlflow-dev/mlflow-dev): cleared; the next `pulumi up` creates it",
        );
        expect(run.stdout).toContain(
            `  import  kubernetes:helm.sh/v3:Release nfs-dev\n      found secret/sh.helm.release.v1.nfs-dev.v1 (${KUBECTL_CALLS[0]}): imported as storage-dev/nfs-dev\n`,
        );
        expect(run.stdout.split("Commands (--apply runs them):\n")[1]).toBe(
            `  ${REFRESH}\n  ${IMPORT}\n  ${READBACK}\nThen review and deploy:\n  pulumi up --stack dev\n`,
        );
    });

    it("--apply runs the refresh, the import and the read-back with --yes --non-interactive, then checks the state", async () => {
        const f = fake(realExport(), EXISTING, recoveredExport());
        const run = await runRecover(["dev", "--backend-dir", backendWith({ "dev.json": CHECKPOINT }), "--apply"], f.env);
        expect(run.code).toBe(0);
        expect(f.calls()).toEqual([EXPORT, ...KUBECTL_CALLS, REFRESH, IMPORT, READBACK, EXPORT]);
        expect(run.stderr).toBe(`$ ${REFRESH}\n$ ${IMPORT}\n$ ${READBACK}\n`);
        expect(run.stdout.endsWith("Recovered. Review and deploy: pulumi up --stack dev\n")).toBe(true);
        // The import document: the four objects the cluster has, owner-only like the state it comes from.
        const file = path.join(ROOT, "out", "recover", "dev", "import.json");
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(JSON.parse(readFileSync(file, "utf8")).resources.map((r: { id: string }) => r.id)).toEqual([
            "storage-dev/nfs-dev",
            "monitoring-dev/dashboard-platform-k8s-dev",
            "monitoring-dev/grafana-admin-dev",
            "airflow-dev/workload-app-dev",
        ]);
    });

    it("--apply fails when the commands left an existing object unrecorded", async () => {
        const f = fake(realExport(), EXISTING);
        const run = await runRecover(["dev", "--backend-dir", backendWith({ "dev.json": CHECKPOINT }), "--apply"], f.env);
        expect(run.code).toBe(1);
        expect(f.calls().at(-1)).toBe(EXPORT);
        expect(run.stderr.split("\n").slice(3, 5)).toEqual([
            "the refresh and the import ran, but the state is not recovered:",
            "  still pending: kubernetes:helm.sh/v3:Release nfs-dev (creating)",
        ]);
        expect(run.stderr).toContain("Do not run `pulumi up` yet");
    });

    it("reports a stale lock of this machine with the command that clears it, and --apply runs that command first", async () => {
        const f = fake(realExport(), EXISTING, recoveredExport());
        const root = backendWith({ "dev.json": CHECKPOINT, ...staleLock(DEAD_PID) });
        const lockFile = ".pulumi/locks/organization/mlops-platform/dev/9f1c.json";

        const planned = await runRecover(["dev", "--backend-dir", root], f.env);
        expect(planned.code).toBe(0);
        expect(planned.stdout).toContain(
            `Stale lock ${lockFile}: created by ci@${hostname()} (pid ${DEAD_PID}) at 2026-11-25T16:29:28Z: that process no longer runs; \`${CANCEL}\` removes it (--apply runs it)`,
        );
        expect(planned.stdout).toContain(`Commands (--apply runs them):\n  ${CANCEL}\n  ${REFRESH}`);
        expect(f.calls()).toEqual([EXPORT, ...KUBECTL_CALLS]);
        expect(existsSync(path.join(root, lockFile))).toBe(true);

        const applied = await runRecover(["dev", "--backend-dir", root, "--apply"], f.env);
        expect(applied.code).toBe(0);
        expect(f.calls()).toEqual([EXPORT, ...KUBECTL_CALLS, EXPORT, ...KUBECTL_CALLS, CANCEL, REFRESH, IMPORT, READBACK, EXPORT]);
    });

    it("refuses a lock held by a running process or another machine, running nothing", async () => {
        const f = fake(realExport(), EXISTING);
        const live = backendWith({ "dev.json": CHECKPOINT, ...staleLock(process.pid) });
        const run = await runRecover(["dev", "--backend-dir", live, "--apply"], f.env);
        expect(run.code).toBe(1);
        expect(run.stderr).toBe(
            `stack dev is locked by a running process, .pulumi/locks/organization/mlops-platform/dev/9f1c.json: created by ci@${hostname()} (pid ${process.pid}) ` +
                "at 2026-11-25T16:29:28Z: wait for that pulumi command to end\nNothing was changed.\n",
        );
        const other = backendWith({
            "dev.json": CHECKPOINT,
            "locks/organization/mlops-platform/dev/1.json": JSON.stringify({ pid: 12, username: "ci", hostname: `not-${hostname()}`, timestamp: "t" }),
        });
        const foreign = await runRecover(["dev", "--backend-dir", other, "--apply"], f.env);
        expect(foreign.code).toBe(1);
        expect(foreign.stderr).toContain(
            `stack dev is locked from another machine, .pulumi/locks/organization/mlops-platform/dev/1.json: created by ci@not-${hostname()} (pid 12) at t`,
        );
        expect(f.calls()).toEqual([]);
    });

    it("refuses another env's pending object and an unreachable cluster, changing nothing", async () => {
        const leak = pendingCreate(
            kubeObject(urnOf("kubernetes:core/v1:Secret", "leak"), "kubernetes:core/v1:Secret", URN.stack, "v1", "Secret", {
                name: "workload-app-prod",
                namespace: "fastapi-prod",
            }),
        );
        const f = fake(exportText(interruptedState([leak])), EXISTING);
        const root = backendWith({ "dev.json": CHECKPOINT });
        const refused = await runRecover(["dev", "--backend-dir", root, "--apply"], f.env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toBe("refusing kubernetes:core/v1:Secret leak: namespace fastapi-prod is not env dev's (<component>-dev)\n");
        expect(f.calls()).toEqual([EXPORT]);

        const g = fake(realExport(), EXISTING);
        writeFileSync(path.join(g.dir, "unreachable"), "");
        const down = await runRecover(["dev", "--backend-dir", root, "--apply"], g.env);
        expect(down.code).toBe(1);
        expect(down.stderr).toBe(
            `\`${KUBECTL_CALLS[0]}\` failed (exit code 1: The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?): ` +
                "cannot tell whether the object exists, so nothing was changed. Check that the cluster is reachable with that context, and run the command by hand.\n",
        );
        expect(g.calls()).toEqual([EXPORT, KUBECTL_CALLS[0]]);
    });

    it("stops on a broken file backend until asked to repair it, prints JSON, and needs the Pulumi CLI", async () => {
        const f = fake(realExport(), EXISTING);
        const root = backendWith({ "dev.json": CHECKPOINT, "dev.json.attrs": "" });
        const refused = await runRecover(["dev", "--backend-dir", root], f.env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toBe("the file backend of stack dev is broken; re-run with --repair-backend to repair it\n");
        expect(refused.stdout).toContain("would move .pulumi/stacks/mlops-platform/dev.json.attrs to ");
        expect(f.calls()).toEqual([]);

        const json = await runRecover(["dev", "--backend-dir", root, "--repair-backend", "--json"], f.env);
        expect(json.code).toBe(0);
        expect(existsSync(stackFile(root, "dev.json.attrs"))).toBe(false);
        const report = JSON.parse(json.stdout);
        expect(report.context).toBe(CONTEXT);
        expect(report.commands).toEqual([REFRESH.split(" "), IMPORT.split(" "), READBACK.split(" ")]);
        expect(report.then).toEqual(["pulumi", "up", "--stack", "dev"]);
        expect(report.steps.map((s: { action: string }) => s.action)).toEqual(["import", "import", "import", "clear", "import"]);

        const noCli = await runRecover(["dev", "--backend-dir", backendWith({})], { PATH: "/nonexistent", PULUMI_BACKEND_URL: "" });
        expect(noCli.code).toBe(2);
        expect(noCli.stderr).toBe(
            "the Pulumi CLI (pulumi) is not on PATH; run `pulumi stack export --stack dev > dev-state.json` where it is and pass --state with that file\n",
        );
    });
});
