/**
 * Decide one check from its facts. The only place pass or fail is decided.
 * Order: applicability (skip) → manual → probe error (error) → precondition (skip)
 * → expectation (pass/fail). A field the probe could not determine is `error`.
 */
import type { FieldsMatcher, FieldsOutcome } from "../matchers/index.js";
import type { CompiledCondition, LoadedCheck } from "../packs/load.js";
import { evidenceOf, type Evidence } from "../model/evidence.js";
import type { Fact } from "../probes/types.js";
import type { FactOutcome } from "./gather.js";
import type { CheckResult, Status } from "./result.js";

/** How one `applies` condition decides on the gathered facts. */
export type ConditionVerdict =
  | { holds: true; /** Set when the pack's `if-unknown` fallback applied the check. */ note?: string }
  | {
      holds: false;
      status: "skip" | "error";
      message: string;
      evidence?: Evidence[];
      /**
       * It does not hold, decided: the facts show it false, or they could not tell and the
       * pack's `if-unknown` says not to apply (not an error).
       */
      decided?: true;
    };

/**
 * What a condition's expectation makes of one gathered fact, evaluated once per fact and
 * expectation. A full scan judges ~2,400 conditions, each twice (which checks need their
 * audit facts, then each result), but a few dozen distinct ones ("os is Debian", "a kubelet
 * runs"): the loader shares one matcher among equal expectations (packs/load.ts), and a
 * matcher's outcome is a pure function of the fact. Keyed weakly by the outcome: a scan's
 * facts and this memo go together.
 */
const conditionOutcomes = new WeakMap<FactOutcome, Map<FieldsMatcher, FieldsOutcome>>();

function conditionOutcome(expect: FieldsMatcher, outcome: FactOutcome & { ok: true }): FieldsOutcome {
  let byExpect = conditionOutcomes.get(outcome);
  if (!byExpect) {
    byExpect = new Map();
    conditionOutcomes.set(outcome, byExpect);
  }
  let out = byExpect.get(expect);
  if (!out) {
    out = expect.evaluate(outcome.fact.value, outcome.fact);
    byExpect.set(expect, out);
  }
  return out;
}

/**
 * Does `cond` hold? A condition the facts cannot decide is `error`, unless the pack gives a
 * documented fallback (`if-unknown`): then the check runs with the note on its result, or
 * is skipped with it. The scan's planning and the evaluation share this one decision.
 */
export function judgeCondition(cond: CompiledCondition, outcome: FactOutcome | undefined): ConditionVerdict {
  if (!outcome) return { holds: false, status: "error", message: `internal: fact ${cond.factKey} was not gathered` };
  if (!outcome.ok) return { holds: false, status: "error", message: `cannot tell whether the check applies: ${outcome.reason}` };
  const applies = conditionOutcome(cond.expect, outcome);
  // Open: a field it names could not be observed (indeterminate) or does not exist here.
  const open = applies.indeterminate ?? applies.notApplicable;
  if (open !== undefined && cond.ifUnknown) {
    const note = `${cond.ifUnknown.note} (${open})`;
    return cond.ifUnknown.apply ? { holds: true, note } : { holds: false, status: "skip", message: note, evidence: outcome.fact.evidence, decided: true };
  }
  if (applies.indeterminate) return { holds: false, status: "error", message: `cannot tell whether the check applies: ${applies.indeterminate}` };
  if (applies.notApplicable) return { holds: false, status: "skip", message: `${cond.reason} (${applies.notApplicable})`, evidence: outcome.fact.evidence, decided: true };
  if (!applies.pass) return { holds: false, status: "skip", message: cond.reason, evidence: outcome.fact.evidence, decided: true };
  return { holds: true };
}

export function evaluateCheck(check: LoadedCheck, facts: ReadonlyMap<string, FactOutcome>, skipMessage?: string): CheckResult {
  const started = performance.now();
  // Fallback notes from `if-unknown` conditions: said on the result, whatever its status.
  let notes: string[] | undefined;
  // Built by assignment, in the order of the object literal it replaces (the JSON report's key
  // order): the header, the status, `extra`'s keys in their order (a key already set keeps its
  // place), the message with the notes, the duration. ~1,900 results a scan: spreads of
  // conditional objects made several objects per result.
  const result = (status: Status, extra: Partial<CheckResult>): CheckResult => {
    const r = {
      id: check.id,
      pack: check.pack.id,
      benchmark: check.pack.benchmark,
      title: check.title,
      severity: check.severity,
    } as CheckResult;
    if (check.level !== undefined) r.level = check.level;
    r.references = check.references;
    r.status = status;
    r.evidence = [];
    if (check.remediation) r.remediation = check.remediation;
    if (check.fix) r.fix = check.fix.action;
    if (check.tailoring && !skipMessage) r.tailoring = { profile: check.tailoring.profile, reason: check.tailoring.reason };
    Object.assign(r, extra);
    const message = withNotes(extra.message, notes);
    if (message !== undefined) r.message = message;
    r.durationMs = (extra.durationMs ?? 0) + (performance.now() - started);
    return r;
  };

  if (skipMessage) return result("skip", { message: skipMessage });
  if (check.tailoring?.exclude) {
    return result("skip", { message: `tailored out by profile ${check.tailoring.profile}: ${check.tailoring.reason}` });
  }

  const verdicts = check.applies.map((cond) => judgeCondition(cond, facts.get(cond.factKey)));
  // Three-valued AND: a condition decided false (by the facts, or by the pack's documented
  // if-unknown fallback) decides that the check does not apply, whatever another could not
  // tell — e.g. the pack-wide edition condition after a check's own on a kubelet that
  // cannot be resolved: the edition that does not judge the node says so, it does not error.
  const decided = verdicts.find((v) => !v.holds && v.decided);
  for (const verdict of verdicts) {
    if (!verdict.holds) {
      const v = decided && !decided.holds ? decided : verdict;
      return result(v.status, { message: v.message, ...(v.evidence ? { evidence: v.evidence } : {}) });
    }
    if (verdict.note) (notes ??= []).push(verdict.note);
  }

  const audit = check.audit;
  if (!audit) return result("manual", { message: "needs a person to judge (no automated audit)" });
  const outcome = facts.get(audit.factKey);
  if (!outcome) return result("error", { message: `internal: fact ${audit.factKey} was not gathered` });
  const durationMs = outcome.durationMs;
  if (!outcome.ok) {
    return result(check.manual ? "manual" : "error", { message: outcome.reason, expected: audit.expect.expected, durationMs });
  }
  const fact = outcome.fact;
  if (fact.inapplicable) return result("skip", { message: fact.inapplicable, evidence: fact.evidence, durationMs });

  let preconditionUnseen: string | undefined;
  if (audit.precondition) {
    const pre = audit.precondition.evaluate(fact.value, fact);
    preconditionUnseen = pre.indeterminate;
    if (pre.indeterminate && !check.manual) return result("error", { message: pre.indeterminate, evidence: fact.evidence, durationMs });
    if (pre.notApplicable) return result("skip", { message: pre.notApplicable, observed: pre.observed, evidence: fact.evidence, durationMs });
    if (!pre.pass && !pre.indeterminate) {
      const note = noteOf(fact);
      const reason = audit.preconditionReason ?? `not applicable: ${pre.failures.join("; ")}`;
      return result("skip", {
        message: note ? `${reason} (${note})` : reason,
        observed: pre.observed,
        evidence: fact.evidence,
        durationMs,
      });
    }
  }

  const out: FieldsOutcome = audit.expect.evaluate(fact.value, fact);
  const evidence = [...fact.evidence, ...out.offending.map(toEvidence)];
  if (out.offendingTotal !== undefined && out.offendingTotal > out.offending.length) {
    evidence.push({ detail: `… and ${out.offendingTotal - out.offending.length} more (evidence lists the first ${out.offending.length})` });
  }
  if (check.manual) {
    // A value that could not be observed is not "shown": say why, as for a probe error above.
    const unseen = preconditionUnseen ?? out.indeterminate;
    return result("manual", {
      message: unseen ? `needs a person to judge; could not be observed here: ${unseen}` : "needs a person to judge; the observed value is shown",
      observed: out.observed,
      expected: out.expected,
      evidence,
      durationMs,
    });
  }
  if (out.indeterminate) {
    return result("error", { message: out.indeterminate, observed: out.observed, expected: out.expected, evidence: fact.evidence, durationMs });
  }
  if (out.notApplicable) {
    return result("skip", { message: out.notApplicable, observed: out.observed, expected: out.expected, evidence: fact.evidence, durationMs });
  }
  return result(out.pass ? "pass" : "fail", {
    observed: out.observed,
    expected: out.expected,
    ...(out.pass ? {} : { message: out.failures.join("; ") }),
    evidence: out.pass ? fact.evidence : dedupeEvidence(evidence),
    durationMs,
  });
}

/** The message and the notes, "; "-joined, empty ones left out (undefined when nothing is left). */
function withNotes(message: string | undefined, notes: readonly string[] | undefined): string | undefined {
  if (!notes) return message === "" ? undefined : message;
  const all = [message, ...notes].filter((m): m is string => m !== undefined && m !== "");
  return all.length > 0 ? all.join("; ") : undefined;
}

/** A `skip` result decided before any fact is gathered (e.g. a deep check without --deep). */
export function skippedResult(check: LoadedCheck, message: string): CheckResult {
  return evaluateCheck({ ...check, tailoring: { profile: "", reason: message, exclude: true } }, new Map(), message);
}


function noteOf(fact: Fact): string | undefined {
  const note = (fact.value as Record<string, unknown>).note;
  return typeof note === "string" && note !== "" ? note : undefined;
}

/** Turn an offending list element (a listener, a file of a glob) into evidence. */
function toEvidence(el: unknown): Evidence {
  if (el === null || typeof el !== "object") return { detail: String(el) };
  const ev = evidenceOf(el as Record<string, unknown>);
  return Object.keys(ev).length > 0 ? ev : { detail: JSON.stringify(el).slice(0, 300) };
}

function dedupeEvidence(list: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = JSON.stringify(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
