/**
 * The deploy jobs' verify script (scripts/ci/verify-deployed.sh), run against stand-ins for pulumi,
 * kubectl and npm that log what they were asked.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PROCESS_TEST_TIMEOUT } from "../support/timeouts";
import { ROOT, runStack } from "../support/harness";
import { tempDir } from "../support/validators";

describe("scripts/ci/verify-deployed.sh", () => {
    let outputs: Record<string, any>;
    beforeAll(async () => {
        outputs = (await runStack("dev")).plan.outputs;
    });

    /** Runs the script with stand-in pulumi, kubectl and npm that log what they were asked. */
    function runScript(npmExit: number, portForward = 'remote="${5#:}"; echo "Forwarding from 127.0.0.1:$((40000 + remote)) -> $remote"') {
        const dir = tempDir("verify-deployed");
        const bin = path.join(dir, "bin");
        const stub = (name: string, body: string) => {
            writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\nset -eu\necho "${name} $*" >> "${dir}/calls"\n${body}\n`);
            chmodSync(path.join(bin, name), 0o755);
        };
        spawnSync("mkdir", ["-p", bin]);
        writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(outputs));
        stub("pulumi", `cat "${dir}/outputs.json"`);
        stub(
            "kubectl",
            [
                'if [ "$3" = port-forward ]; then',
                `  ${portForward}; echo $$ >> "${dir}/forwarders"; exec sleep 60`,
                "fi",
                'case "$7" in *admin-user*) printf grafana-user | base64 ;; *) printf grafana-secret-pw | base64 ;; esac',
            ].join("\n"),
        );
        stub("npm", `cp "$5" "${dir}/verify-outputs.json"; echo "$GRAFANA_USER:$GRAFANA_PASSWORD" > "${dir}/grafana"; exit ${npmExit}`);
        const res = spawnSync(path.join(ROOT, "scripts", "ci", "verify-deployed.sh"), ["dev"], {
            cwd: ROOT,
            encoding: "utf8",
            env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir },
            timeout: PROCESS_TEST_TIMEOUT,
        });
        const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
        return { res, calls: read("calls").trim().split("\n"), read };
    }

    // Each case runs the script, its stand-ins and a port-forward stand-in as processes.
    it(
        "forwards to the Services the outputs name, reads Grafana's Secret and runs npm run verify on the outputs",
        () => {
            const { res, calls, read } = runScript(0);
            expect(res.status, res.stderr).toBe(0);
            expect(calls.map((c) => c.replace(/--outputs \S+/, "--outputs <file>"))).toEqual([
                "pulumi stack output --json -s dev",
                "kubectl -n monitoring-dev port-forward svc/monitoring-dev-prometheus :9090",
                "kubectl -n monitoring-dev port-forward svc/monitoring-dev-alertmanager :9093",
                "kubectl -n observability-dev port-forward svc/loki-dev :3100",
                "kubectl -n monitoring-dev port-forward svc/monitoring-dev-grafana :80",
                "kubectl -n monitoring-dev get secret grafana-admin-dev -o jsonpath={.data.admin-user}",
                "kubectl -n monitoring-dev get secret grafana-admin-dev -o jsonpath={.data.admin-password}",
                "npm run verify -- --outputs <file> --prometheus-url http://127.0.0.1:49090 --alertmanager-url http://127.0.0.1:49093 " +
                    "--loki-url http://127.0.0.1:43100 --grafana-url http://127.0.0.1:40080",
            ]);
            expect(JSON.parse(read("verify-outputs.json"))).toEqual(outputs);
            // Credentials reach verify as variables only, never as arguments.
            expect(read("grafana").trim()).toBe("grafana-user:grafana-secret-pw");
            // No port-forward outlives the script.
            const alive = read("forwarders")
                .trim()
                .split("\n")
                .filter((pid) => spawnSync("kill", ["-0", pid]).status === 0);
            expect(alive).toEqual([]);
        },
        PROCESS_TEST_TIMEOUT,
    );

    it(
        "stops with kubectl's message and exit code 2 when a port-forward fails, before verify runs",
        () => {
            const { res, calls } = runScript(0, 'echo "error: services \\"monitoring-dev-prometheus\\" not found" >&2; exit 1');
            expect(res.status).toBe(2);
            expect(res.stderr).toBe(
                'kubectl port-forward to svc/monitoring-dev-prometheus in monitoring-dev failed:\nerror: services "monitoring-dev-prometheus" not found\n',
            );
            expect(calls.some((c) => c.startsWith("npm"))).toBe(false);
        },
        PROCESS_TEST_TIMEOUT,
    );

    it(
        "exits with verify's code, so a failed check fails the deploy job",
        () => {
            const { res, calls } = runScript(1);
            expect([res.status, calls.at(-1)?.startsWith("npm run verify -- --outputs ")], res.stderr).toEqual([1, true]);
        },
        PROCESS_TEST_TIMEOUT,
    );
});
