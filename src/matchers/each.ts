import { formatValue } from "./format.js";
import { MatcherSyntaxError, MAX_OFFENDING, type MatcherCompiler } from "./types.js";

/**
 * Quantifiers over a list of records (listeners, files of a glob):
 * `each: {fields…}` every element satisfies; `some:` at least one; `none:` no element.
 * Failing elements are kept as evidence (e.g. the listener not on the allowlist).
 */
export function quantifier(kind: "each" | "some" | "none"): MatcherCompiler {
  return (arg, path, recurse) => {
    const inner = recurse.fields(arg, path);
    const word = kind === "each" ? "every element" : kind === "some" ? "some element" : "no element";
    return {
      expected: `${word}: ${inner.expected}`,
      test: (actual) => {
        if (!Array.isArray(actual)) return { pass: false, actual: `not a list: ${formatValue(actual)}` };
        const matching: unknown[] = [];
        const bad: unknown[] = [];
        for (const e of actual) (inner.test(e).pass ? matching : bad).push(e);
        const offending = (list: unknown[]) =>
          list.length > MAX_OFFENDING ? { offending: list.slice(0, MAX_OFFENDING), offendingTotal: list.length } : { offending: list };
        if (kind === "each") {
          return { pass: bad.length === 0, actual: `${bad.length} of ${actual.length} not matching${listOf(bad)}`, ...offending(bad) };
        }
        if (kind === "none") {
          return { pass: matching.length === 0, actual: `${matching.length} of ${actual.length} matching${listOf(matching)}`, ...offending(matching) };
        }
        return { pass: matching.length > 0, actual: `${matching.length} of ${actual.length} matching` };
      },
    };
  };
}

export function requireMap(arg: unknown, path: readonly (string | number)[], what: string): Record<string, unknown> {
  if (typeof arg !== "object" || arg === null || Array.isArray(arg)) {
    throw new MatcherSyntaxError(path, "MATCHER_FIELD_MAP", { matcher: what });
  }
  return arg as Record<string, unknown>;
}

/** "tcp 0.0.0.0:2024 pid 812 (sshd)", "/etc/cron.d/x": a short name for a list element. */
export function summarize(el: unknown): string {
  if (el === null || typeof el !== "object") return formatValue(el);
  const o = el as Record<string, unknown>;
  if (o.port !== undefined) {
    const who = o.pid !== undefined ? ` pid ${String(o.pid)}${o.process ? ` (${String(o.process)})` : ""}` : o.process ? ` (${String(o.process)})` : "";
    return `${o.protocol ? `${String(o.protocol)} ` : ""}${o.address !== undefined ? String(o.address) : ""}:${String(o.port)}${who}`;
  }
  for (const k of ["path", "name", "unit", "key", "id"]) if (typeof o[k] === "string") return o[k] as string;
  // A boot entry (bootloader probe): where it is and what it boots, not its whole record.
  if (typeof o.kernel === "string" && typeof o.file === "string") return `${o.file}:${String(o.line)} ${o.kernel}`;
  return formatValue(el);
}

function listOf(els: unknown[]): string {
  if (els.length === 0) return "";
  const shown = els.slice(0, 5).map(summarize).join(", ");
  return `: ${shown}${els.length > 5 ? `, … ${els.length - 5} more` : ""}`;
}
