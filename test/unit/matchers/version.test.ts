import { describe, expect, it } from "vitest";
import { compileFields, compileValue, MatcherSyntaxError } from "../../../src/matchers/index.js";
import { compareVersions, parseVersion } from "../../../src/matchers/version.js";

const AT = ["applies", 0, "expect"] as const;

describe("version-at-least / version-below", () => {
  // [kubelet version as distributions report it, at least 1.34?, below 1.34?]
  it.each<[unknown, boolean, boolean]>([
    ["1.34.2", true, false],
    ["1.34", true, false],
    ["1.34.0", true, false],
    ["v1.35.0", true, false],
    ["1.35.1-eks-113cf36", true, false],
    ["v1.34.1+k3s1", true, false],
    ["1.34.2-1.1", true, false], // pkgs.k8s.io deb version
    ["2.0.0", true, false],
    ["1.33.9", false, true],
    ["1.4.0", false, true], // 4 < 34: numeric, not string order
    ["v1.31.4+rke2r1", false, true],
    ["1.9", false, true],
    // No version in the value: neither matcher passes.
    [undefined, false, false],
    ["", false, false],
    ["unknown", false, false],
    [1.34, false, false],
  ])("%s", (actual, atLeast, below) => {
    expect(compileValue({ "version-at-least": "1.34" }, AT).test(actual).pass).toBe(atLeast);
    expect(compileValue({ "version-below": "1.34" }, AT).test(actual).pass).toBe(below);
  });

  it("renders what it expects and what it saw", () => {
    const m = compileFields({ version: { "version-at-least": "1.34" } }, AT, ["version"]);
    const o = m.evaluate({ version: "1.31.4" });
    expect(o.pass).toBe(false);
    expect(o.failures).toEqual(["version is 1.31.4, expected version 1.34 or newer"]);
    expect(compileValue({ "version-below": "1.34" }, AT).expected).toBe("version older than 1.34");
  });

  it("takes only a quoted version string", () => {
    // YAML reads `version-at-least: 1.30` as the number 1.3: refused, with the reason.
    expect(() => compileValue({ "version-at-least": 1.3 }, AT)).toThrow(MatcherSyntaxError);
    expect(() => compileValue({ "version-at-least": 1.3 }, AT)).toThrow(/quoted version string/);
    expect(() => compileValue({ "version-below": "1.34-rc" }, AT)).toThrow(/not a version/);
    expect(() => compileValue({ "version-below": "latest" }, AT)).toThrow(/not a version/);
  });

  it("parseVersion and compareVersions", () => {
    expect(parseVersion("v1.34.2-eks-1")).toEqual([1, 34, 2]);
    expect(parseVersion("k3s")).toBeUndefined();
    expect(compareVersions([1, 34], [1, 34, 0])).toBe(0);
    expect(compareVersions([1, 9], [1, 34])).toBeLessThan(0);
  });
});
