import { formatValue, looseEquals } from "./format.js";
import { MatcherSyntaxError, type MatcherCompiler } from "./types.js";

/** `contains: x`: a string holds the substring, or a list holds an element equal to x. */
export const contains: MatcherCompiler = (arg, path) => {
  if (typeof arg === "object" && arg !== null) throw new MatcherSyntaxError(path, "MATCHER_SCALAR", { matcher: "contains" });
  return {
    expected: `contains ${formatValue(arg)}`,
    test: (actual) => {
      let pass = false;
      if (typeof actual === "string") pass = actual.includes(String(arg));
      else if (Array.isArray(actual)) pass = actual.some((e) => looseEquals(arg, e));
      return { pass, actual: formatValue(actual) };
    },
  };
};
