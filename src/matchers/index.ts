/**
 * Compiles `expect:` data into matchers, once, at load (goss's gomega.go model).
 *
 *   expect:                         # a map of fact field → matcher; all must hold
 *     exists: true                  # a scalar means equals
 *     mode: { mode-at-most: "0600" }   # a one-key map names the matcher
 *     any: [ {owner: root}, {uid: 0} ] # all / any / not combine field maps
 *
 * Two matcher keys at one level, an unknown matcher, an unknown fact field or a bad
 * regex is a MatcherSyntaxError with the path inside `expect`.
 */
import { compare } from "./compare.js";
import { contains } from "./contains.js";
import { quantifier, requireMap } from "./each.js";
import { equals } from "./equals.js";
import { formatValue, getField } from "./format.js";
import { combine, not } from "./logic.js";
import { matches } from "./matches.js";
import { modeAtMost } from "./mode-at-most.js";
import { oneOf } from "./one-of.js";
import { presence } from "./presence.js";
import { versionCompare } from "./version.js";
import { MatcherSyntaxError, MAX_OFFENDING, type Matcher, type MatcherCompiler, type Path, type RecurseCompilers } from "./types.js";

export { MatcherSyntaxError } from "./types.js";
export type { Matcher, MatchOutcome } from "./types.js";

/** The closed vocabulary. One line per matcher. */
export const matchers = {
  equals,
  "one-of": oneOf,
  matches,
  lt: compare("lt"),
  lte: compare("lte"),
  gt: compare("gt"),
  gte: compare("gte"),
  "mode-at-most": modeAtMost,
  contains,
  present: presence("present"),
  absent: presence("absent"),
  all: combine("all"),
  any: combine("any"),
  not,
  each: quantifier("each"),
  some: quantifier("some"),
  none: quantifier("none"),
  "version-at-least": versionCompare("at-least"),
  "version-below": versionCompare("below"),
} as const satisfies Record<string, MatcherCompiler>;

export type MatcherName = keyof typeof matchers;

/** One line per matcher, for `nodeward checks` and the README (checked complete by type). */
export const matcherSummaries = {
  equals: "The value equals a scalar or a list (tolerant of \"false\" vs false, \"0\" vs 0); a bare scalar means equals",
  "one-of": "The value equals one of a list",
  matches: "The value matches an RE2 regular expression (linear time; `(?i)` for case-insensitive)",
  lt: "A number below the argument",
  lte: "A number at most the argument",
  gt: "A number above the argument",
  gte: "A number at least the argument",
  "mode-at-most": "A permission mode with no bit outside the argument (a quoted octal string, e.g. \"0600\")",
  contains: "A list holds the scalar, or a string contains it",
  present: "The field has a value (`present: true`)",
  absent: "The field has no value (`absent: true`)",
  all: "Every listed expectation holds (matchers on one field, or field maps)",
  any: "At least one listed expectation holds",
  not: "The expectation does not hold",
  each: "Every element of a list (listeners, files of a glob) meets a field map; offenders become evidence",
  some: "At least one element of a list meets a field map",
  none: "No element of a list meets a field map; offenders become evidence",
  "version-at-least": "A release version at least the argument, compared part by part (\"1.9\" < \"1.34\"; quote it)",
  "version-below": "A release version older than the argument, compared part by part",
} as const satisfies Record<MatcherName, string>;

/** The result of testing a whole fact record against a field map. */
export interface FieldsOutcome {
  pass: boolean;
  /** "mode=0640, owner=root". */
  observed: string;
  /** "mode 0600 or more restrictive, owner = root". */
  expected: string;
  /** One sentence per failing field. */
  failures: string[];
  /** Elements named by each/none matchers that failed (at most MAX_OFFENDING). */
  offending: unknown[];
  /** How many offended in all, when more than `offending` holds. */
  offendingTotal?: number;
  /** Set when the outcome depends on a field the probe could not observe: why. */
  indeterminate?: string;
  /**
   * Set when the outcome depends only on fields that do not exist on this target (and on
   * none that could not be observed): why. The engine reports `skip`, never `pass`.
   */
  notApplicable?: string;
}

/**
 * What the probe could not tell about a record, by top-level field (a Fact fits this).
 * `unknown`: could not be observed — always open, `field?` included.
 * `notApplicable`: does not exist on this target — `field?` leaves it out.
 */
export interface FieldGaps {
  readonly unknown?: Readonly<Record<string, string>>;
  readonly notApplicable?: Readonly<Record<string, string>>;
}

export interface FieldsMatcher extends Matcher {
  /** Top-level fact fields required (so the engine can tell when one is unknown). */
  readonly fields: readonly string[];
  /**
   * `gaps` holds the fields the probe could not tell. A field written with a trailing `?`
   * in the pack ("runtime?: 0") is left out where it does not exist on this target
   * (`gaps.notApplicable`), never where it could not be observed (`gaps.unknown`).
   */
  evaluate(record: unknown, gaps?: FieldGaps): FieldsOutcome;
}

const recurse: RecurseCompilers = {
  value: (raw, path) => compileValue(raw, path),
  fields: (raw, path) => compileFields(raw, path),
};

/** A matcher for one value: a scalar (equals) or a one-key map naming the matcher. */
export function compileValue(raw: unknown, path: Path): Matcher {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return equals(raw, path, recurse);
  const keys = Object.keys(raw);
  if (keys.length !== 1) {
    throw keys.length === 0 ? new MatcherSyntaxError(path, "MATCHER_EMPTY_MAP") : new MatcherSyntaxError(path, "MATCHER_ONE_PER_LEVEL", { found: keys.join(", ") });
  }
  const name = keys[0] as string;
  const compiler = (matchers as Record<string, MatcherCompiler>)[name];
  if (!compiler) {
    throw new MatcherSyntaxError([...path, name], "MATCHER_UNKNOWN", { name, known: Object.keys(matchers).join(", ") });
  }
  return compiler((raw as Record<string, unknown>)[name], [...path, name], recurse);
}

/**
 * A field map over a record. `allowedFields` (the probe's declared fields) is checked
 * against the first segment of each dotted field path; omit it for list elements.
 */
export function compileFields(raw: unknown, path: Path, allowedFields?: readonly string[]): FieldsMatcher {
  const map = requireMap(raw, path, "an expectation");
  const entries = Object.entries(map);
  if (entries.length === 0) throw new MatcherSyntaxError(path, "EXPECTATION_EMPTY");
  type Part = { field?: string; optional?: boolean; matcher: Matcher; sub?: FieldsMatcher[]; kind?: "all" | "any" | "not" };
  const parts: Part[] = [];
  const fields = new Set<string>();
  for (const [key, value] of entries) {
    if (key === "all" || key === "any") {
      if (!Array.isArray(value) || value.length === 0) throw new MatcherSyntaxError([...path, key], "MATCHER_FIELD_LIST", { matcher: key });
      const sub = value.map((v, i) => compileFields(v, [...path, key, i], allowedFields));
      sub.forEach((s) => s.fields.forEach((f) => fields.add(f)));
      parts.push({ kind: key, sub, matcher: sub[0] as Matcher });
    } else if (key === "not") {
      const sub = compileFields(value, [...path, key], allowedFields);
      sub.fields.forEach((f) => fields.add(f));
      parts.push({ kind: "not", sub: [sub], matcher: sub });
    } else {
      // "field?" = judge this field only where the target has it (e.g. runtime sysctl offline).
      const optional = key.endsWith("?");
      const field = optional ? key.slice(0, -1) : key;
      const top = field.split(".")[0] as string;
      if (allowedFields && !allowedFields.includes("*") && !allowedFields.includes(top)) {
        throw new MatcherSyntaxError([...path, key], "FACT_FIELD_UNKNOWN", { field: top, fields: allowedFields.join(", ") });
      }
      if (!optional) fields.add(top);
      parts.push({ field, optional, matcher: compileValue(value, [...path, key]) });
    }
  }

  const describe = (p: Part): string => {
    if (p.kind === "all" || p.kind === "any") return `${p.kind}(${(p.sub ?? []).map((s) => s.expected).join("; ")})`;
    if (p.kind === "not") return `not(${p.sub?.[0]?.expected ?? ""})`;
    return `${p.field} ${p.matcher.expected}`;
  };
  const expected = parts.map(describe).join(", ");

  // Three-valued (Kleene) logic: a field the probe could not tell makes a part open; `any`
  // still passes on another branch, a map or `all` still fails on a definite failure, and
  // only an outcome that truly depends on it stays open. An open outcome is indeterminate
  // (→ error) when any field it depends on could not be observed, and not applicable
  // (→ skip) only when every such field does not exist on this target.
  const evaluate = (record: unknown, gaps?: FieldGaps): FieldsOutcome => {
    const observed: string[] = [];
    const failures: string[] = [];
    // Bounded, and without argument spreads: 500k offending accounts must neither
    // overflow the stack (push(...list)) nor fill the report.
    const offending: unknown[] = [];
    let offendingTotal = 0;
    const addOffending = (list: readonly unknown[] | undefined, total: number | undefined) => {
      if (!list) return;
      offendingTotal += total ?? list.length;
      for (const el of list) {
        if (offending.length >= MAX_OFFENDING) break;
        offending.push(el);
      }
    };
    let indeterminate: string | undefined;
    let notApplicable: string | undefined;
    for (const p of parts) {
      if (p.kind) {
        const outs = (p.sub ?? []).map((s) => s.evaluate(record, gaps));
        for (const o of outs) if (o.observed && !observed.includes(o.observed)) observed.push(o.observed);
        const passes = outs.filter((o) => o.pass);
        const open = outs.filter((o) => !o.pass && (o.indeterminate !== undefined || o.notApplicable !== undefined));
        let state: "pass" | "fail" | "open";
        if (p.kind === "any") state = passes.length > 0 ? "pass" : open.length > 0 ? "open" : "fail";
        else if (p.kind === "all") state = passes.length === outs.length ? "pass" : outs.some((o) => !o.pass && !open.includes(o)) ? "fail" : "open";
        else state = open.length > 0 ? "open" : outs[0]?.pass ? "fail" : "pass";
        if (state === "open") {
          const why = open.find((o) => o.indeterminate !== undefined)?.indeterminate;
          if (why !== undefined) indeterminate ??= why;
          else notApplicable ??= open[0]?.notApplicable;
          continue;
        }
        if (state === "fail") {
          // Each `any` branch in parentheses: "(a) or (b; c)", not the ambiguous "a and b and c".
          failures.push(
            p.kind === "not"
              ? `expected not (${p.sub?.[0]?.expected})`
              : p.kind === "any"
                ? outs.map((o) => `(${o.failures.join("; ")})`).join(" or ")
                : outs.flatMap((o) => o.failures).join("; "),
          );
          for (const o of outs) addOffending(o.offending, o.offendingTotal);
        }
        continue;
      }
      const field = p.field as string;
      const top = field.split(".")[0] as string;
      // Own-property lookups only: a field named like an Object.prototype member is data.
      const why = gaps?.unknown && Object.hasOwn(gaps.unknown, top) ? gaps.unknown[top] : undefined;
      if (why !== undefined) {
        // Never show the probe's placeholder as if observed, and never leave out what could
        // not be seen: optional or not, this part is indeterminate.
        observed.push(`${field}=unknown (${why})`);
        indeterminate ??= `cannot determine ${field}: ${why}`;
        continue;
      }
      const na = gaps?.notApplicable && Object.hasOwn(gaps.notApplicable, top) ? gaps.notApplicable[top] : undefined;
      if (na !== undefined) {
        // Nothing to observe here: an optional field is left out, a required one leaves
        // this part not applicable.
        observed.push(`${field}=n/a (${na})`);
        if (!p.optional) notApplicable ??= `${field} does not apply here: ${na}`;
        continue;
      }
      const outcome = p.matcher.test(getField(record, field));
      observed.push(`${field}=${outcome.actual}`);
      if (!outcome.pass) {
        const exp = p.matcher.expected.startsWith("= ") ? p.matcher.expected.slice(2) : p.matcher.expected;
        failures.push(`${field} is ${outcome.actual}, expected ${exp}`);
        addOffending(outcome.offending, outcome.offendingTotal);
      }
    }
    // A definite failure decides; otherwise an open part leaves the outcome open.
    const open = failures.length === 0 && (indeterminate !== undefined || notApplicable !== undefined);
    return {
      pass: failures.length === 0 && !open,
      observed: observed.join(", "),
      expected,
      failures,
      offending,
      ...(offendingTotal > offending.length ? { offendingTotal } : {}),
      ...(open && indeterminate !== undefined ? { indeterminate } : {}),
      ...(open && indeterminate === undefined ? { notApplicable } : {}),
    };
  };

  return {
    expected,
    fields: [...fields],
    evaluate,
    test: (record) => {
      const o = evaluate(record);
      return { pass: o.pass, actual: o.observed || formatValue(record), offending: o.offending, ...(o.offendingTotal !== undefined ? { offendingTotal: o.offendingTotal } : {}) };
    },
  };
}
