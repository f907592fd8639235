import { formatValue } from "./format.js";
import { MatcherSyntaxError, type MatcherCompiler } from "./types.js";

/**
 * `matches: "regex"`: compiled here, at load, so a bad pattern is a pack error and
 * never a mid-scan crash (kube-bench's regexp.MustCompile panics mid-scan).
 * A leading `(?i)` makes it case-insensitive, as in Go/RE2 patterns.
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

export function compileRegex(arg: unknown, path: readonly (string | number)[], name: string): RegExp {
  if (typeof arg !== "string") throw new MatcherSyntaxError(`${name} takes a regular expression string`, path);
  let source = arg;
  let flags = "";
  if (source.startsWith("(?i)")) {
    source = source.slice(4);
    flags = "i";
  }
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw new MatcherSyntaxError(`bad regular expression ${JSON.stringify(arg)}: ${(e as Error).message}`, path);
  }
}
