/** The semver comparison the env's CRD check relies on (components/semver.ts). */
import { describe, expect, it } from "vitest";
import { compareVersions, isAtLeast, parseVersion } from "../components/semver";

describe("parseVersion", () => {
    it.each([
        ["0.93.1", { major: 0, minor: 93, patch: 1, prerelease: [] }],
        ["v0.93.1", { major: 0, minor: 93, patch: 1, prerelease: [] }],
        ["1.2.3-rc.1", { major: 1, minor: 2, patch: 3, prerelease: ["rc", "1"] }],
        ["1.2.3+build.5", { major: 1, minor: 2, patch: 3, prerelease: [] }],
        ["10.20.30-alpha-1.x+meta", { major: 10, minor: 20, patch: 30, prerelease: ["alpha-1", "x"] }],
    ])("reads %s", (text, version) => {
        expect(parseVersion(text)).toEqual(version);
    });

    it.each(["", "0.93", "0.93.1.2", "v", "V0.93.1", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-01", "1.2.3-rc..1", "latest", "0.93.x", " 1.2.3 x"])(
        "refuses %j",
        (text) => {
            expect(parseVersion(text)).toBeUndefined();
        },
    );
});

describe("compareVersions", () => {
    // Each one older than the next (semver.org's precedence example, plus the numeric ordering the operator needs).
    const ordered = [
        "0.9.9",
        "0.10.0",
        "0.93.0",
        "0.93.1-alpha",
        "0.93.1-alpha.1",
        "0.93.1-alpha.beta",
        "0.93.1-beta",
        "0.93.1-beta.2",
        "0.93.1-beta.11",
        "0.93.1-rc.1",
        "0.93.1",
        "0.93.2",
        "0.100.0",
        "1.0.0",
    ];

    it("orders versions by precedence, numerically and with a pre-release before its release", () => {
        const parsed = ordered.map((v) => parseVersion(v)!);
        for (let i = 0; i < parsed.length; i++) {
            for (let j = 0; j < parsed.length; j++) {
                expect([ordered[i], ordered[j], compareVersions(parsed[i]!, parsed[j]!)]).toEqual([ordered[i], ordered[j], Math.sign(i - j)]);
            }
        }
    });

    it("ignores the v prefix and build metadata", () => {
        expect(compareVersions(parseVersion("v0.93.1")!, parseVersion("0.93.1+abc")!)).toBe(0);
    });
});

describe("isAtLeast", () => {
    it.each([
        ["0.93.1", "0.93.1", true],
        ["v0.93.1", "0.93.1", true],
        ["0.93.2", "0.93.1", true],
        ["0.100.0", "0.93.1", true],
        ["1.0.0", "0.93.1", true],
        ["0.93.0", "0.93.1", false],
        ["0.93.1-rc.0", "0.93.1", false],
        ["0.9.31", "0.93.1", false],
        ["not-a-version", "0.93.1", false],
        ["", "0.93.1", false],
    ])("%s against %s: %s", (found, required, ok) => {
        expect(isAtLeast(found, required)).toBe(ok);
    });

    it("refuses a requirement that is no version", () => {
        expect(() => isAtLeast("0.93.1", "0.93")).toThrow('not a version: "0.93"');
    });
});
