/**
 * Real Prometheus and Alertmanager (Debian packages) on loopback for the verify tests: random
 * free ports, temporary data dirs, killed by pid when the test file ends. Missing binaries fail
 * the tests with the install command, never skip them.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";

/** Names as Debian's `prometheus` and `prometheus-alertmanager` packages install them. */
const BINARIES = { prometheus: "prometheus", promtool: "promtool", alertmanager: "prometheus-alertmanager" };

const onPath = (name: string) => (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, name)));

/** How long a server may take to answer ready, and Prometheus to scrape every target once. */
const READY_WITHIN_MS = 120_000;

export function requireBinaries(): void {
    const missing = Object.values(BINARIES).filter((b) => !onPath(b));
    if (missing.length) {
        throw new Error(
            `missing ${missing.join(", ")}: the verify tests run the real servers. ` +
                "Install them with `sudo apt-get install -y prometheus prometheus-alertmanager` (or run .ci/run).",
        );
    }
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export interface RunningServer {
    readonly url: string;
    stop(): Promise<void>;
}

/** Starts `binary`, waits until `readyPath` answers 200, and keeps its log for error messages. */
async function startProcess(binary: string, args: (port: number) => string[], readyPath: string, dir: string): Promise<RunningServer> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let log = "";
    const child: ChildProcess = spawn(binary, args(port), { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (d) => (log += d));
    child.stderr?.on("data", (d) => (log += d));
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        }
        rmSync(dir, { recursive: true, force: true });
    };
    // A generous bound: a start-up stretches on a busy machine; one that never answers still fails, with its log.
    const deadline = Date.now() + READY_WITHIN_MS;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) break;
        const ok = await fetch(url + readyPath).then(
            (r) => r.ok,
            () => false,
        );
        if (ok) return { url, stop };
        await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    throw new Error(`${path.basename(binary)} did not become ready:\n${log.slice(-2000)}`);
}

export interface PrometheusSetup {
    /** OpenMetrics sample lines (without `# EOF`), turned into TSDB blocks before the server starts. */
    readonly openMetrics: string[];
    /** Rule files by file name; the name matters, as prometheus-operator encodes the namespace in it. */
    readonly ruleFiles: Record<string, unknown>;
    /** Static scrape jobs: job name to targets (host:port) and extra target labels. */
    readonly scrapeJobs: { job: string; targets: string[]; labels?: Record<string, string> }[];
    /** `global.external_labels`, as prometheus-operator renders them for one replica. */
    readonly externalLabels?: Record<string, string>;
    /** The `alerting` section (alert relabelings, Alertmanagers). */
    readonly alerting?: unknown;
}

export async function startPrometheus(setup: PrometheusSetup): Promise<RunningServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "verify-prometheus-"));
    const samples = path.join(dir, "samples.om");
    writeFileSync(samples, `${[...setup.openMetrics, "# EOF"].join("\n")}\n`);
    // Prometheus 2.42 only picks up blocks that are in the data dir when it starts.
    execFileSync(BINARIES.promtool, ["tsdb", "create-blocks-from", "openmetrics", samples, path.join(dir, "data")], { stdio: "pipe" });
    const ruleFiles = Object.entries(setup.ruleFiles).map(([name, doc]) => {
        const file = path.join(dir, name);
        writeFileSync(file, yaml.dump(doc));
        return file;
    });
    const config = {
        global: { scrape_interval: "1s", scrape_timeout: "500ms", evaluation_interval: "1s", external_labels: setup.externalLabels ?? {} },
        ...(setup.alerting ? { alerting: setup.alerting } : {}),
        rule_files: ruleFiles,
        scrape_configs: setup.scrapeJobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: j.targets, labels: j.labels ?? {} }] })),
    };
    writeFileSync(path.join(dir, "prometheus.yml"), yaml.dump(config));
    const server = await startProcess(
        BINARIES.prometheus,
        (port) => ["--config.file=prometheus.yml", "--storage.tsdb.path=data", `--web.listen-address=127.0.0.1:${port}`],
        "/-/ready",
        dir,
    );
    await untilEveryTargetScraped(
        server.url,
        setup.scrapeJobs.reduce((n, j) => n + j.targets.length, 0),
    );
    return server;
}

/**
 * Discovery hands targets to the scrape manager up to 5 s after start, and a target is `unknown`
 * until its first scrape; the checks must see real health.
 */
async function untilEveryTargetScraped(url: string, count: number): Promise<void> {
    const deadline = Date.now() + READY_WITHIN_MS;
    while (Date.now() < deadline) {
        const body = (await (await fetch(`${url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: { health: string }[] } };
        const targets = body.data.activeTargets;
        if (targets.length === count && targets.every((t) => t.health !== "unknown")) return;
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`Prometheus did not scrape every target within ${READY_WITHIN_MS / 1000} s`);
}

/** Gossip of one member of an Alertmanager cluster on loopback: its own address and its peers'. */
export interface AlertmanagerCluster {
    readonly address: string;
    readonly peers: readonly string[];
    /** How long a member waits per position for an earlier one to notify (Alertmanager default 15s). */
    readonly peerTimeout: string;
}

/** `cluster.address`: a free port from `freePort`; without `cluster`, no gossip. */
export async function startAlertmanager(config: unknown, cluster?: AlertmanagerCluster): Promise<RunningServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "verify-alertmanager-"));
    writeFileSync(path.join(dir, "alertmanager.yml"), typeof config === "string" ? config : yaml.dump(config));
    const gossip = cluster
        ? [
              `--cluster.listen-address=${cluster.address}`,
              `--cluster.advertise-address=${cluster.address}`,
              `--cluster.peer-timeout=${cluster.peerTimeout}`,
              ...cluster.peers.map((p) => `--cluster.peer=${p}`),
          ]
        : // No gossip: a cluster port could collide with a parallel run and is not under test.
          ["--cluster.listen-address="];
    return startProcess(
        BINARIES.alertmanager,
        (port) => ["--config.file=alertmanager.yml", "--storage.path=data", `--web.listen-address=127.0.0.1:${port}`, ...gossip],
        "/-/ready",
        dir,
    );
}
