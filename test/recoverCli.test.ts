/** `npm run recover` end to end, with a saved export and a file backend in a temporary directory. */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderImportFile } from "../scripts/lib/recover/plan";
import { CHECKPOINT, backendWith as backendIn, stackFile } from "./fixtures/fileBackend";
import { URN, devPlan, exportText, interruptedState, kubeObject, pendingCreate, urnOf, withoutPending } from "./fixtures/interruptedState";
import { SECRET } from "../components/resourceTypes";

const ROOT = path.resolve(__dirname, "..");
const TSX_CLI = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const tmp = mkdtempSync(path.join(tmpdir(), "recover-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const backendWith = (files: Record<string, string | Buffer>) => backendIn(tmp, files);

interface CliRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

function runRecover(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [TSX_CLI, "scripts/recover.ts", ...args],
            { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 },
            (err, stdout, stderr) => {
                resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
            },
        );
    });
}

describe("npm run recover", () => {
    const stateFile = path.join(tmp, "dev-state.json");
    writeFileSync(stateFile, exportText(interruptedState()));

    it("stops on a broken file backend until asked to repair it, then writes the cleaned state and the import file", async () => {
        const root = backendWith({ "dev.json": CHECKPOINT, "dev.json.attrs": "" });
        const out = path.join(tmp, "out-dev");
        const args = ["dev", "--state", stateFile, "--backend-dir", root, "--out", out];

        const refused = await runRecover(args);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toBe("the file backend of stack dev is broken; re-run with --repair-backend to repair it\n");
        expect(refused.stdout).toContain("would move .pulumi/stacks/mlops-platform/dev.json.attrs to ");
        expect(existsSync(out)).toBe(false);

        const run = await runRecover([...args, "--repair-backend"]);
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        expect(existsSync(stackFile(root, "dev.json.attrs"))).toBe(false);
        expect(readFileSync(path.join(out, "state.json"), "utf8")).toBe(exportText(withoutPending(interruptedState())));
        expect(readFileSync(path.join(out, "import.json"), "utf8")).toBe(renderImportFile(devPlan().importFile));
        expect(run.stdout).toContain(
            `\n  import kubernetes:helm.sh/v3:Release nfs-dev storage-dev/nfs-dev\n      --parent   ${URN.nfs}\n      --provider ${URN.k8sProvider}\n`,
        );
        expect(run.stdout.split("Then run:\n")[1]).toBe(
            [
                `  pulumi stack import --stack dev --file ${out}/state.json`,
                `  pulumi import --stack dev --file ${out}/import.json --generate-code=false --protect=false`,
                "  pulumi up --stack dev",
                "",
            ].join("\n"),
        );
    });

    it("prints the plan as JSON, refuses another env's object with exit code 1 and says how to go on without the Pulumi CLI", async () => {
        const root = backendWith({});
        const json = await runRecover(["dev", "--state", stateFile, "--backend-dir", root, "--out", path.join(tmp, "out-json"), "--json"]);
        expect(json.code).toBe(0);
        const report = JSON.parse(json.stdout);
        expect(report.importFile).toEqual(devPlan().importFile);
        expect(report.commands.at(-1)).toEqual(["pulumi", "up", "--stack", "dev"]);

        const leak = pendingCreate(
            kubeObject(urnOf(SECRET, "leak"), SECRET, URN.stack, "v1", "Secret", {
                name: "workload-app-prod",
                namespace: "fastapi-prod",
            }),
        );
        const leaking = path.join(tmp, "leaking.json");
        writeFileSync(leaking, exportText(interruptedState([leak])));
        const out = path.join(tmp, "out-leak");
        const refused = await runRecover(["dev", "--state", leaking, "--backend-dir", root, "--out", out]);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toBe("refusing kubernetes:core/v1:Secret leak: namespace fastapi-prod is not env dev's (<component>-dev)\n");
        expect(existsSync(out)).toBe(false);

        const noCli = await runRecover(["dev", "--backend-dir", root], { PATH: "/nonexistent" });
        expect(noCli.code).toBe(2);
        expect(noCli.stderr).toBe(
            "the Pulumi CLI (pulumi) is not on PATH; run `pulumi stack export --stack dev > dev-state.json` where it is and pass --state with that file\n",
        );
    });
});
