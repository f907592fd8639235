import { formatValue } from "./format.js";
import { compilePackRegex, RegexSyntaxError, type PackRegex } from "../util/regex.js";
import { MatcherSyntaxError, type MatcherCompiler } from "./types.js";

/**
 * `matches: "regex"`: RE2 syntax, matched in linear time (see regex.ts), compiled here,
 * at load, so a bad pattern is a pack error and never a mid-scan crash (kube-bench's
 * regexp.MustCompile panics mid-scan). A leading `(?i)` makes it case-insensitive, as in
 * Go/RE2 patterns.
 */
export const matches: MatcherCompiler = (arg, path) => {
  const re = compileRegex(arg, path, "matches");
  return {
    expected: `matches /${String(arg)}/`,
    test: (actual) => ({
      pass: actual !== undefined && actual !== null && re.test(String(actual)),
      actual: formatValue(actual),
    }),
  };
};

export function compileRegex(arg: unknown, path: readonly (string | number)[], name: string): PackRegex {
  if (typeof arg !== "string") throw new MatcherSyntaxError(path, "MATCHER_REGEX_STRING", { matcher: name });
  try {
    return compilePackRegex(arg);
  } catch (e) {
    if (!(e instanceof RegexSyntaxError)) throw e;
    throw new MatcherSyntaxError(path, "MATCHER_BAD_REGEX", { pattern: JSON.stringify(arg), reason: e.message });
  }
}
