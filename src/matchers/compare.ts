import { formatValue, toNumber } from "./format.js";
import { MatcherSyntaxError, type MatcherCompiler } from "./types.js";

type Op = "lt" | "lte" | "gt" | "gte";
const symbols: Record<Op, string> = { lt: "<", lte: "<=", gt: ">", gte: ">=" };

/** `lt|lte|gt|gte: n`: numeric comparison; a value that is not a number fails. */
export function compare(op: Op): MatcherCompiler {
  return (arg, path) => {
    const n = toNumber(arg);
    if (n === undefined) throw new MatcherSyntaxError(path, "MATCHER_NUMBER", { matcher: op });
    return {
      expected: `${symbols[op]} ${n}`,
      test: (actual) => {
        const a = toNumber(actual);
        let pass = false;
        if (a !== undefined) {
          pass = op === "lt" ? a < n : op === "lte" ? a <= n : op === "gt" ? a > n : a >= n;
        }
        return { pass, actual: formatValue(actual) };
      },
    };
  };
}
