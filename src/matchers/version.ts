import { formatValue } from "./format.js";
import { MatcherSyntaxError, type MatcherCompiler } from "./types.js";

/**
 * `version-at-least: "1.34"` / `version-below: "1.34"`: compare a dotted release version
 * numerically, part by part ("1.9" < "1.34"; a missing part counts as 0). The value may
 * carry a leading "v" and a suffix after the numbers, as kubelet versions do on every
 * distribution ("v1.34.2", "1.34.2-eks-113cf36", "v1.34.2+k3s1", "1.34.2-1.1" from dpkg):
 * only the leading numbers count. A value with no version in it fails both matchers.
 *
 * The argument must be a quoted string: YAML reads `1.30` as the number 1.3.
 */
const VERSION = /^v?(\d+(?:\.\d+)*)/;

/** The numeric parts of a version string, or undefined when it holds none. */
export function parseVersion(v: unknown): number[] | undefined {
  if (typeof v !== "string") return undefined;
  const m = VERSION.exec(v.trim());
  return m ? (m[1] as string).split(".").map(Number) : undefined;
}

/** <0, 0, >0 as a is older than, equal to, newer than b. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function versionCompare(op: "at-least" | "below"): MatcherCompiler {
  const name = `version-${op}`;
  return (arg, path) => {
    if (typeof arg !== "string") {
      throw new MatcherSyntaxError(path, "MATCHER_VERSION_QUOTED", { matcher: name });
    }
    const bound = parseVersion(arg);
    if (!bound || !/^v?\d+(\.\d+)*$/.test(arg.trim())) throw new MatcherSyntaxError(path, "MATCHER_NOT_VERSION", { matcher: name, got: arg });
    return {
      expected: op === "at-least" ? `version ${arg} or newer` : `version older than ${arg}`,
      test: (actual) => {
        const v = parseVersion(actual);
        const pass = v !== undefined && (op === "at-least" ? compareVersions(v, bound) >= 0 : compareVersions(v, bound) < 0);
        return { pass, actual: formatValue(actual) };
      },
    };
  };
}
