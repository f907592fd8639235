import { formatValue, looseEquals } from "./format.js";
import { MatcherSyntaxError, type MatcherCompiler } from "./types.js";

/** `equals: v` (also what a bare scalar means). */
export const equals: MatcherCompiler = (arg, path) => {
  if (typeof arg === "object" && arg !== null && !Array.isArray(arg)) {
    throw new MatcherSyntaxError(path, "MATCHER_SCALAR_OR_LIST", { matcher: "equals" });
  }
  return {
    expected: `= ${formatValue(arg)}`,
    test: (actual) => ({ pass: looseEquals(arg, actual), actual: formatValue(actual) }),
  };
};
