import { formatValue, looseEquals } from "./format.js";
import { MatcherSyntaxError, type MatcherCompiler } from "./types.js";

/** `one-of: [a, b]`: the value equals one of the listed values. */
export const oneOf: MatcherCompiler = (arg, path) => {
  if (!Array.isArray(arg) || arg.length === 0) {
    throw new MatcherSyntaxError(path, "MATCHER_LIST", { matcher: "one-of" });
  }
  return {
    expected: `one of [${arg.map(formatValue).join(", ")}]`,
    test: (actual) => ({ pass: arg.some((v) => looseEquals(v, actual)), actual: formatValue(actual) }),
  };
};
