/**
 * Check-by-check comparison of a scan run as root with the same scan run unprivileged
 * (nobody, no capabilities): what a careless install, a DaemonSet without the right
 * capabilities or a hardened unit does. The unprivileged run may see less, and must say so.
 * The only differences allowed:
 *   - a verdict (pass, fail, manual, skip) or an error of root's becomes `error` (or `skip`)
 *     whose message names what could not be read (EACCES, "permission denied", "must be
 *     root", a missing capability);
 *   - a manual check (or one root skipped or judged) is manual, saying "could not be observed
 *     here: <that reason>";
 *   - a fail on fewer of root's failed conditions (`a; b` → `b`), the others' values
 *     `unknown (…)` naming a denial (a persisted value failing, the running one hidden);
 *   - the same verdict and message, with evidence entries of root's missing only where the
 *     entry is a file nobody cannot read (a source the check read but did not need), entries
 *     added only beside a note of a denial, and an observed value where root's values (or
 *     its own unknown reasons) became `unknown (…)` naming a denial.
 * Anything else — a pass that flips, a fail without a reason, a changed message or value on
 * a readable source — is a violation, reported with the check's id.
 */

export interface NrResult {
  id: string;
  pack: string;
  status: string;
  observed?: string;
  message?: string;
  evidence?: unknown[];
}

export interface NrReport {
  results: NrResult[];
}

/** Words that name a denial: what an unprivileged reader meets, or a sandbox's mount that hides a path (HIDDEN). */
export const DENIAL = /\bEACCES\b|\bEPERM\b|permission denied|operation not permitted|must be root|\bnot root\b|\bCAP_[A-Z_]+\b|is hidden from nodeward/i;

/** The kinds of allowed difference, for the summary. */
export type Allowed = "to-error" | "to-skip" | "manual-unobserved" | "evidence-only" | "unknown-reason" | "fail-on-seen";

export interface Comparison {
  violations: string[];
  allowed: Map<string, Allowed>;
  /** Evidence files (host paths) whose absence from the unprivileged report needs them unreadable; checked by the caller. */
  droppedFiles: Map<string, string[]>;
}

const key = (r: NrResult): string => `${r.pack}/${r.id}`;

/** Wall-clock figures and walk counts vary between any two runs. */
function norm(v: unknown): string {
  return JSON.stringify(v ?? null)
    .replace(/\b\d+(\.\d+)? ?ms\b/g, "N ms")
    .replace(/: \d+ entries in /g, ": N entries in ");
}

/** An observed value with each `unknown (reason)` made uniform (balanced parentheses). */
export function maskUnknownReasons(s: string): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const at = s.indexOf("unknown (", i);
    if (at < 0) break;
    out += s.slice(i, at) + "unknown (…)";
    let depth = 0;
    let j = at + "unknown ".length;
    for (; j < s.length; j++) {
      if (s[j] === "(") depth++;
      else if (s[j] === ")" && --depth === 0) break;
    }
    i = j + 1;
  }
  return out + s.slice(i);
}

/** Results (`pack/id`) that differ in any field between two scans (of the same user). */
export function differing(a: NrReport, b: NrReport): string[] {
  const mb = new Map(b.results.map((r) => [key(r), r]));
  return a.results
    .filter((x) => {
      const y = mb.get(key(x));
      return !y || !(["status", "observed", "message", "evidence"] as const).every((f) => norm(x[f]) === norm(y[f]));
    })
    .map(key);
}

/**
 * Does root's observed value read as the unprivileged one with each `unknown (…)` of the
 * latter filled in (a value root saw where the other could not: `runtime=0` for
 * `runtime=unknown (… is hidden from nodeward …)`)?
 */
export function sameButUnknown(root: string, other: string): boolean {
  const pieces = maskUnknownReasons(other).split("unknown (…)");
  const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${pieces.map(escape).join(".*?")}$`, "s").test(root);
}

/** Is `a` an object with fewer keys than `b`, each equal to b's? */
function partOf(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return false;
  const ka = Object.keys(a);
  return ka.length < Object.keys(b).length && ka.every((k) => norm((a as Record<string, unknown>)[k]) === norm((b as Record<string, unknown>)[k]));
}

/** A fail's message: its failed conditions, `; `-separated. */
const clauses = (m: string | undefined): string[] => (m ?? "").split("; ").filter((c) => c !== "");

/** The if-unknown skip of an edition condition, naming the edition that judges instead. */
const EDITION_FALLBACK = /^kubelet version unknown; .*\(pack ([a-z0-9.-]+)\) judges this node as the fallback/;
/** An edition condition's own skip (the other edition judges this node). */
const EDITION_SKIP = /\(pack [a-z0-9.-]+\) judges this node$/;

const MANUAL_UNOBSERVED = "could not be observed here: ";

function show(r: NrResult): string {
  return `${r.status}: ${(r.message ?? "").slice(0, 300)}${r.observed ? ` [observed ${r.observed.slice(0, 200)}]` : ""}`;
}

/** Compare root's report (`a`) with the unprivileged one (`b`). */
export function compareNonroot(a: NrReport, b: NrReport, options: { alsoUnseen?: RegExp } = {}): Comparison {
  // What the unprivileged run names as unseen: a denial, or (a DaemonSet's --root /host) what
  // a mounted host's view cannot reach by design (parity-compare.ts DAEMONSET_UNSEEN).
  const also = options.alsoUnseen;
  const denial = { test: (t: string): boolean => DENIAL.test(t) || (also !== undefined && also.test(t)) };
  const violations: string[] = [];
  const allowed = new Map<string, Allowed>();
  const droppedFiles = new Map<string, string[]>();
  const mb = new Map(b.results.map((r) => [key(r), r]));
  const ma = new Map(a.results.map((r) => [key(r), r]));
  for (const k of mb.keys()) if (!ma.has(k)) violations.push(`${k}: only in the unprivileged scan`);

  for (const [k, x] of ma) {
    const y = mb.get(k);
    if (!y) {
      violations.push(`${k}: missing from the unprivileged scan`);
      continue;
    }
    const same = (["status", "observed", "message", "evidence"] as const).every((f) => norm(x[f]) === norm(y[f]));
    if (same) continue;
    const bad = (why: string) => violations.push(`${k}: ${why}\n    root:   ${show(x)}\n    nobody: ${show(y)}`);
    // A CIS Kubernetes edition that steps aside because the kubelet's version could not be read
    // loses no verdict only if the edition it names judges the check: its counterpart there
    // must not be skipped by that edition's own condition (the hidden-facts tables' rule).
    const fallback = y.status === "skip" ? EDITION_FALLBACK.exec(y.message ?? "") : null;
    if (fallback) {
      const counterpart = mb.get(`${fallback[1]}/${y.id}`);
      if (counterpart?.status === "skip" && EDITION_SKIP.test(counterpart.message ?? "")) {
        bad(`skipped for ${fallback[1]}, which does not judge it either: ${show(counterpart)}`);
        continue;
      }
    }
    const names = denial.test(y.message ?? "");

    if (y.status !== x.status) {
      if (y.status === "manual" && (y.message ?? "").includes(MANUAL_UNOBSERVED) && names) {
        allowed.set(k, "manual-unobserved");
      } else if (y.status === "error" || y.status === "skip") {
        if (names) allowed.set(k, y.status === "error" ? "to-error" : "to-skip");
        else bad(`${x.status} became ${y.status} without naming what could not be read`);
      } else {
        bad(`${x.status} became ${y.status}`);
      }
      continue;
    }

    // Same status.
    if (x.message !== y.message) {
      if (x.status === "manual" && (y.message ?? "").includes(MANUAL_UNOBSERVED) && names) {
        allowed.set(k, "manual-unobserved");
      } else if (x.status === "error" && names) {
        allowed.set(k, "to-error");
      } else if (
        x.status === "fail" &&
        clauses(y.message).length > 0 &&
        clauses(y.message).every((c) => clauses(x.message).includes(c)) &&
        denial.test(y.observed ?? "") &&
        sameButUnknown(x.observed ?? "", y.observed ?? "")
      ) {
        // Failed on what it saw (the persisted value), the part it could not see unknown and named.
        allowed.set(k, "fail-on-seen");
      } else if (x.status === "skip" && (names || (y.evidence ?? []).some((e) => denial.test(norm(e))))) {
        // Skipped for another reason that holds (a version gate) where root's first reason
        // could not be seen (which pods are static: the kubelet's drop-in unreadable).
        allowed.set(k, "to-skip");
      } else {
        bad("the message changed");
      }
      continue;
    }

    let kind: Allowed = "evidence-only";
    if (norm(x.observed) !== norm(y.observed)) {
      if (!sameButUnknown(x.observed ?? "", y.observed ?? "") || !denial.test(y.observed ?? "")) {
        bad("the observed value changed");
        continue;
      }
      kind = "unknown-reason";
    }

    const ex = (x.evidence ?? []).map((e) => [norm(e), e] as const);
    const ey = (y.evidence ?? []).map((e) => [norm(e), e] as const);
    const sx = new Set(ex.map(([s]) => s));
    const sy = new Set(ey.map(([s]) => s));
    // Entries root did not show are allowed beside a note of what could not be read (a
    // distribution recognised by another of its files, a unit's base file when its drop-in
    // is unreadable): the verdict and message are root's, and the result says what it missed.
    const added = ey.filter(([s]) => !sx.has(s) && !denial.test(s));
    if (added.length > 0 && !ey.some(([s]) => !sx.has(s) && denial.test(s))) {
      bad(`evidence added that names no denial: ${added.map(([s]) => s.slice(0, 200)).join("; ")}`);
      continue;
    }
    // An entry shown with less (a listener without its owning process, whose /proc/PID/fd
    // nobody cannot read) beside a note of that denial is the same entry, seen less.
    const noted = ey.some(([s]) => !sx.has(s) && denial.test(s));
    const lesser = ey.filter(([s]) => !sx.has(s)).map(([, e]) => e);
    const seenLess = (e: unknown): boolean => noted && lesser.some((l) => partOf(l, e));
    const files: string[] = [];
    const others: string[] = [];
    for (const [s, e] of ex) {
      if (sy.has(s) || denial.test(s) || seenLess(e)) continue;
      const file = (e as { file?: unknown } | null)?.file;
      if (typeof file === "string") files.push(file);
      else others.push(s);
    }
    if (others.length > 0) {
      bad(`evidence dropped that is not a file: ${others.map((s) => s.slice(0, 200)).join("; ")}`);
      continue;
    }
    if (files.length > 0) droppedFiles.set(k, [...new Set(files)]);
    allowed.set(k, kind);
  }
  return { violations, allowed, droppedFiles };
}
