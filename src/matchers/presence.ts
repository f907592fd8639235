import { formatValue } from "./format.js";
import { MatcherSyntaxError, type MatcherCompiler } from "./types.js";

/** `present: true` / `absent: true`: the field has (or has no) value at all. */
export function presence(kind: "present" | "absent"): MatcherCompiler {
  return (arg, path) => {
    if (arg !== true) throw new MatcherSyntaxError(path, "MATCHER_TRUE", { matcher: kind });
    return {
      expected: kind === "present" ? "set" : "not set",
      test: (actual) => {
        const isSet = actual !== undefined && actual !== null;
        return { pass: kind === "present" ? isSet : !isSet, actual: formatValue(actual) };
      },
    };
  };
}
