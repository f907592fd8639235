import { MatcherSyntaxError, type MatcherCompiler } from "./types.js";

/**
 * `mode-at-most: "0600"`: no permission bit outside the given mask (kube-bench's
 * `bitmask`). 0640 is not "at most 0600" because of the group-read bit, even though
 * 0640 > 0600 numerically is not the point. Setuid/setgid/sticky count as bits too.
 */
export const modeAtMost: MatcherCompiler = (arg, path) => {
  // YAML 1.2 reads 0600 as the decimal 600, so a mode must be written as a string.
  const max = typeof arg === "string" ? parseMode(arg) : undefined;
  if (max === undefined) {
    throw new MatcherSyntaxError(path, "MATCHER_MODE", { got: JSON.stringify(arg) });
  }
  return {
    // Read after the field name: "mode 0600 or more restrictive", not "mode mode 0600 …".
    expected: `${formatMode(max)} or more restrictive`,
    test: (actual) => {
      const mode = parseMode(actual);
      if (mode === undefined) return { pass: false, actual: actual === undefined ? "(not set)" : String(actual) };
      return { pass: (mode & ~max & 0o7777) === 0, actual: formatMode(mode) };
    },
  };
};

/** Octal text ("0640", "640"), or a number that already holds the permission bits (from a probe). */
export function parseMode(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v & 0o7777;
  if (typeof v === "string" && /^0?[0-7]{3,4}$/.test(v.trim())) return parseInt(v.trim(), 8);
  return undefined;
}

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}
