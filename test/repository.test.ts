/** The repository itself: nothing a merge left half-done reaches main. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "./support/harness";

it("no tracked file holds a merge conflict marker", () => {
    const files = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
    const marked = files.filter((f) => /^(<{7}|>{7}) /m.test(readFileSync(path.join(ROOT, f), "utf8")));
    expect(marked).toEqual([]);
});
