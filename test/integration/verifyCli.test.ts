/**
 * `npm run verify` command line as a user meets it (a child process, no cluster): --help, and exit
 * code 2 with one exact line for every argument it cannot use, an unreadable --ca-file included.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USAGE } from "../../scripts/lib/verify/args";
import { CliRun, runCli } from "../support/cli";
import { PROCESS_TEST_TIMEOUT } from "../support/timeouts";

const HINT = "(npm run verify -- --help lists the options)";
/** Arguments that get past parsing stop here, which shows that they were accepted. */
const NO_OUTPUTS = "/nonexistent/outputs.json";
const NO_OUTPUTS_ERROR = `cannot read --outputs ${NO_OUTPUTS}: ENOENT: no such file or directory, open '${NO_OUTPUTS}'`;

let dir: string;
let notPem: string;

beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "verify-cli-"));
    notPem = path.join(dir, "ca.txt");
    writeFileSync(notPem, "not a certificate\n");
});

afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Credentials of the developer's shell must not change what a run is missing. */
const verify = (args: string[]): Promise<CliRun> => runCli("scripts/verify.ts", args, { env: { GRAFANA_USER: "", GRAFANA_PASSWORD: "" } });

const outcome = (run: CliRun) => ({ code: run.code, stdout: run.stdout, stderr: run.stderr });

// Each case starts processes (tsx, Pulumi, servers): PROCESS_TEST_TIMEOUT (test/support/timeouts.ts) says why its timeout is generous.
describe.concurrent("npm run verify arguments", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("prints every option with --help or -h and exits 0", async () => {
        const options = ["--outputs", "--via", "--prometheus-url", "--alertmanager-url", "--loki-url", "--grafana-url", "--grafana-user", "--grafana-password"];
        for (const option of [
            ...options,
            "--ca-file",
            "--insecure",
            "--timeout",
            "--loki-namespaces",
            "--json",
            "-h, --help",
            "$GRAFANA_USER",
            "$GRAFANA_PASSWORD",
        ]) {
            expect(USAGE).toContain(option);
        }
        expect(USAGE).toContain("--timeout <seconds>         deadline per request, from 0.1 to 300 (default 10)");
        for (const run of await Promise.all([verify(["--help"]), verify(["-h"]), verify(["dev", "--help"])])) {
            expect(outcome(run)).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: "" });
        }
    });

    it.each([
        [[], `give a stack or --outputs <file> ${HINT}`],
        [["dev", "--outputs", "dev.json"], `give a stack or --outputs <file>, not both (got dev and --outputs dev.json) ${HINT}`],
        [["dev", "prod"], `one stack at a time, got dev and prod ${HINT}`],
        [["dev", "--frobnicate"], `unknown argument --frobnicate ${HINT}`],
        [["--outputs"], "--outputs expects a value"],
        [["dev", "--via", "vpn"], '--via expects ingress or cluster, got "vpn"'],
        [["dev", "--prometheus-url", "localhost:9090"], '--prometheus-url expects an http(s) URL, got "localhost:9090"'],
        [["dev", "--loki-namespaces", " , "], '--loki-namespaces expects a comma-separated list of namespaces, got " , "'],
        [["dev", "--grafana-user", "admin"], "give both the Grafana user and password (--grafana-user/--grafana-password or GRAFANA_USER/GRAFANA_PASSWORD)"],
        [["dev", "--timeout", "0.09"], '--timeout expects seconds from 0.1 to 300 (a decimal number), got "0.09"'],
        [["dev", "--timeout", "300.5"], '--timeout expects seconds from 0.1 to 300 (a decimal number), got "300.5"'],
        [["--outputs", NO_OUTPUTS, "--timeout", "0.1"], NO_OUTPUTS_ERROR],
        [["--outputs", NO_OUTPUTS, "--timeout", "300"], NO_OUTPUTS_ERROR],
        [
            ["--outputs", NO_OUTPUTS, "--ca-file", "/nonexistent/ca.pem"],
            "cannot read --ca-file /nonexistent/ca.pem: ENOENT: no such file or directory, open '/nonexistent/ca.pem'",
        ],
    ])("verify %j exits 2 with one line", async (args, message) => {
        expect(outcome(await verify(args))).toEqual({ code: 2, stdout: "", stderr: `${message}\n` });
    });

    it("refuses a --ca-file that is a directory or holds no certificate, before asking anything", async () => {
        const [directory, text] = await Promise.all([
            verify(["--outputs", NO_OUTPUTS, "--ca-file", dir]),
            verify(["--outputs", NO_OUTPUTS, "--ca-file", notPem]),
        ]);
        expect(outcome(directory)).toEqual({ code: 2, stdout: "", stderr: `cannot read --ca-file ${dir}: EISDIR: illegal operation on a directory, read\n` });
        expect(outcome(text)).toEqual({ code: 2, stdout: "", stderr: `--ca-file ${notPem} holds no PEM certificate (-----BEGIN CERTIFICATE-----)\n` });
    });
});
