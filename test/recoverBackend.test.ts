/** `npm run recover`'s file backend check: an empty .attrs sidecar or a broken checkpoint is found and repaired, nothing deleted. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { describeLock, fileBackendRoot, inspectBackend, inspectLocks, processRunning, renderInspection, repairBackend } from "../scripts/lib/recover/backend";
import { ATTRS, CHECKPOINT, OLDER, backendWith as backendIn, stackFile } from "./fixtures/fileBackend";
import { PROJECT } from "./fixtures/interruptedState";

const tmp = mkdtempSync(path.join(tmpdir(), "recover-backend-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const backendWith = (files: Record<string, string | Buffer>) => backendIn(tmp, files);

const NOW = new Date("2026-11-25T17:00:00.000Z");
const SAVED = ".pulumi/backups/mlops-platform/dev/recover-2026-11-25T17-00-00-000Z";
const read = (root: string, rel: string) => readFileSync(path.join(root, rel));

describe("file backend", () => {
    it("finds the backend root from --backend-dir, PULUMI_BACKEND_URL or the home directory", () => {
        expect(fileBackendRoot("/srv/state", {}, "/home/u")).toEqual({ root: "/srv/state", why: "--backend-dir" });
        expect(fileBackendRoot(undefined, { PULUMI_BACKEND_URL: "file:///srv/state?no_tmp_dir=true" }, "/home/u").root).toBe("/srv/state");
        expect(fileBackendRoot(undefined, { PULUMI_BACKEND_URL: "file://~" }, "/home/u").root).toBe("/home/u");
        expect(fileBackendRoot(undefined, { PULUMI_BACKEND_URL: "file://~/pulumi" }, "/home/u").root).toBe("/home/u/pulumi");
        expect(fileBackendRoot(undefined, {}, "/home/u").root).toBe("/home/u");
        expect(fileBackendRoot(undefined, { PULUMI_BACKEND_URL: "s3://bucket/state" }, "/home/u")).toEqual({
            why: "PULUMI_BACKEND_URL is s3://, not a file backend",
        });
    });

    it("leaves a healthy backend alone, plain or compressed", () => {
        const layouts: Array<Record<string, string | Buffer>> = [
            { "dev.json": CHECKPOINT, "dev.json.attrs": ATTRS, "dev.json.bak": OLDER, "dev.json.bak.attrs": ATTRS },
            { "dev.json.gz": zlib.gzipSync(CHECKPOINT), "dev.json.gz.attrs": ATTRS },
            { "dev.json.zst": zlib.zstdCompressSync(CHECKPOINT) },
        ];
        for (const files of layouts) {
            const root = backendWith(files);
            const i = inspectBackend(root, PROJECT, "dev", NOW);
            expect(i).toEqual({ root, checkpoints: [stackFile(root, Object.keys(files)[0]!)], problems: [], actions: [], notes: [] });
            expect(repairBackend(i)).toEqual([]);
        }
    });

    it("moves an empty or unreadable .attrs sidecar aside and leaves the checkpoint as it is", () => {
        const root = backendWith({ "dev.json": CHECKPOINT, "dev.json.attrs": "", "dev.json.bak": OLDER, "dev.json.bak.attrs": '{"md5":' });
        const i = inspectBackend(root, PROJECT, "dev", NOW);
        const eof = "Pulumi reads it with every read of the file, so every command fails with `failed to load checkpoint: EOF`";
        expect(i.problems).toEqual([
            `.pulumi/stacks/mlops-platform/dev.json.attrs: empty; ${eof}`,
            `.pulumi/stacks/mlops-platform/dev.json.bak.attrs: not JSON (Unexpected end of JSON input); ${eof}`,
        ]);
        // Nothing changes until the repair is asked for.
        expect(renderInspection(i)).toBe(
            [
                "File backend " + root + ": .pulumi/stacks/mlops-platform/dev.json",
                `  broken: .pulumi/stacks/mlops-platform/dev.json.attrs: empty; ${eof}`,
                `  broken: .pulumi/stacks/mlops-platform/dev.json.bak.attrs: not JSON (Unexpected end of JSON input); ${eof}`,
                `  would move .pulumi/stacks/mlops-platform/dev.json.attrs to ${SAVED}/dev.json.attrs`,
                `  would move .pulumi/stacks/mlops-platform/dev.json.bak.attrs to ${SAVED}/dev.json.bak.attrs`,
                "",
            ].join("\n"),
        );
        expect(existsSync(stackFile(root, "dev.json.attrs"))).toBe(true);

        expect(repairBackend(i)).toEqual([
            `moved .pulumi/stacks/mlops-platform/dev.json.attrs to ${SAVED}/dev.json.attrs`,
            `moved .pulumi/stacks/mlops-platform/dev.json.bak.attrs to ${SAVED}/dev.json.bak.attrs`,
        ]);
        expect(readdirSync(path.join(root, ".pulumi", "stacks", PROJECT)).sort()).toEqual(["dev.json", "dev.json.bak"]);
        expect(read(root, ".pulumi/stacks/mlops-platform/dev.json").toString()).toBe(CHECKPOINT);
        expect(read(root, `${SAVED}/dev.json.attrs`).toString()).toBe("");
        expect(read(root, `${SAVED}/dev.json.bak.attrs`).toString()).toBe('{"md5":');
        expect(inspectBackend(root, PROJECT, "dev").problems).toEqual([]);
    });

    it("restores a broken checkpoint from its .bak, keeping the .bak and a copy of the broken file", () => {
        const truncated = zlib.gzipSync(CHECKPOINT).subarray(0, 20);
        for (const [name, broken, good] of [
            ["dev.json", "", OLDER],
            ["dev.json", CHECKPOINT.slice(0, 40), OLDER],
            ["dev.json.gz", truncated, zlib.gzipSync(OLDER)],
        ] as const) {
            const root = backendWith({ [name]: broken, [`${name}.attrs`]: ATTRS, [`${name}.bak`]: good });
            const i = inspectBackend(root, PROJECT, "dev", NOW);
            expect(i.problems).toHaveLength(1);
            expect(i.problems[0]).toMatch(new RegExp(`^\\.pulumi/stacks/mlops-platform/${name.replace(".", "\\.")}: (empty|unreadable \\(.+\\))$`));
            expect(repairBackend(i)).toEqual([
                `copied .pulumi/stacks/mlops-platform/${name} to ${SAVED}/${name}`,
                `moved .pulumi/stacks/mlops-platform/${name}.attrs to ${SAVED}/${name}.attrs`,
                `restored .pulumi/stacks/mlops-platform/${name} from .pulumi/stacks/mlops-platform/${name}.bak`,
            ]);
            expect(read(root, `.pulumi/stacks/mlops-platform/${name}`)).toEqual(Buffer.from(good));
            expect(read(root, `.pulumi/stacks/mlops-platform/${name}.bak`)).toEqual(Buffer.from(good));
            expect(read(root, `${SAVED}/${name}`)).toEqual(Buffer.from(broken));
            expect(i.notes).toEqual([
                `.pulumi/stacks/mlops-platform/${name} is restored from .pulumi/stacks/mlops-platform/${name}.bak, the checkpoint before the last save: ` +
                    "objects the last recorded step created are not in it, and the next `pulumi up` fails on them with `already exists`; import those too",
            ]);
        }
    });

    it("refuses when neither the checkpoint nor its .bak is good, changing nothing", () => {
        const root = backendWith({ "dev.json": "", "dev.json.attrs": "", "dev.json.bak": "{" });
        const i = inspectBackend(root, PROJECT, "dev", NOW);
        const fatal =
            ".pulumi/stacks/mlops-platform/dev.json is empty and .pulumi/stacks/mlops-platform/dev.json.bak is unreadable " +
            "(Expected property name or '}' in JSON at position 1 (line 1 column 2)): no good checkpoint to restore from. " +
            "Earlier ones may be in .pulumi/backups/mlops-platform/dev or .pulumi/history/mlops-platform/dev.";
        expect(i.fatal).toBe(fatal);
        expect(i.actions).toEqual([]);
        expect(() => repairBackend(i)).toThrow(fatal);
        expect(readdirSync(path.join(root, ".pulumi", "stacks", PROJECT)).sort()).toEqual(["dev.json", "dev.json.attrs", "dev.json.bak"]);
    });

    it("does not take a removed stack's lone .bak for damage, and reads the legacy layout", () => {
        const removed = backendWith({ "dev.json.bak": OLDER });
        expect(inspectBackend(removed, PROJECT, "dev", NOW)).toMatchObject({
            checkpoints: [],
            actions: [],
            notes: [
                ".pulumi/stacks/mlops-platform/dev.json.bak exists without .pulumi/stacks/mlops-platform/dev.json: the stack was removed or never saved; not restored",
            ],
        });
        const legacy = backendWith({ "stacks/dev.json": CHECKPOINT, "stacks/dev.json.attrs": "" });
        expect(inspectBackend(legacy, PROJECT, "dev", NOW).actions).toEqual([
            {
                kind: "move",
                from: path.join(legacy, ".pulumi/stacks/dev.json.attrs"),
                to: path.join(legacy, ".pulumi/backups/dev/recover-2026-11-25T17-00-00-000Z/dev.json.attrs"),
            },
        ]);
    });

    it("tells a stale lock of this machine from a live one, one of another machine, and an unreadable one", () => {
        const lock = (pid: unknown, hostname: string) => JSON.stringify({ pid, username: "ci", hostname, timestamp: "2026-11-25T16:29:28.5Z" });
        const dir = "locks/organization/mlops-platform/dev";
        const root = backendWith({
            "dev.json": CHECKPOINT,
            [`${dir}/a.json`]: lock(4242, "runner-1"),
            [`${dir}/b.json`]: lock(77, "runner-1"),
            [`${dir}/c.json`]: lock(4242, "laptop"),
            [`${dir}/d.json`]: "",
            [`${dir}/e.json`]: lock("4242", "runner-1"),
            [`${dir}/notes.txt`]: "not a lock",
            // The legacy layout's lock directory is read too.
            "locks/dev/f.json": lock(4242, "runner-1"),
        });
        const probe = { hostname: "runner-1", isRunning: (pid: number) => pid === 77 };
        const locks = inspectLocks(root, PROJECT, "dev", probe);
        expect(locks.map((l) => [l.file, l.state])).toEqual([
            [`.pulumi/${dir}/a.json`, "stale"],
            [`.pulumi/${dir}/b.json`, "live"],
            [`.pulumi/${dir}/c.json`, "foreign"],
            [`.pulumi/${dir}/d.json`, "unreadable"],
            [`.pulumi/${dir}/e.json`, "unreadable"],
            [".pulumi/locks/dev/f.json", "stale"],
        ]);
        expect(locks[0]).toEqual({
            file: `.pulumi/${dir}/a.json`,
            pid: 4242,
            username: "ci",
            hostname: "runner-1",
            timestamp: "2026-11-25T16:29:28.5Z",
            state: "stale",
        });
        expect(describeLock(locks[2]!)).toBe(`.pulumi/${dir}/c.json: created by ci@laptop (pid 4242) at 2026-11-25T16:29:28.5Z`);
        expect(describeLock(locks[3]!)).toBe(`.pulumi/${dir}/d.json (not a readable lock document)`);
        expect(inspectLocks(backendWith({ "dev.json": CHECKPOINT }), PROJECT, "dev", probe)).toEqual([]);
        // This process runs; no process can have a pid above Linux's PID_MAX_LIMIT (2^22).
        expect(processRunning(process.pid)).toBe(true);
        expect(processRunning(2 ** 22 + 1)).toBe(false);
    });
});
