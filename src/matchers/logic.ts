import { MatcherSyntaxError, type Matcher, type MatcherCompiler } from "./types.js";

/** `all: [m…]`, `any: [m…]` over one value. */
export function combine(kind: "all" | "any"): MatcherCompiler {
  return (arg, path, recurse) => {
    if (!Array.isArray(arg) || arg.length === 0) throw new MatcherSyntaxError(path, "MATCHER_LIST", { matcher: kind });
    const parts: Matcher[] = arg.map((a, i) => recurse.value(a, [...path, i]));
    return {
      expected: parts.map((p) => p.expected).join(kind === "all" ? " and " : " or "),
      test: (actual) => {
        const outcomes = parts.map((p) => p.test(actual));
        const pass = kind === "all" ? outcomes.every((o) => o.pass) : outcomes.some((o) => o.pass);
        return { pass, actual: outcomes[0]?.actual ?? "" };
      },
    };
  };
}

/** `not: m`. */
export const not: MatcherCompiler = (arg, path, recurse) => {
  const inner = recurse.value(arg, path);
  return {
    expected: `not (${inner.expected})`,
    test: (actual) => {
      const o = inner.test(actual);
      return { pass: !o.pass, actual: o.actual };
    },
  };
};
