/** Filters shared by `scan`, `remediate` and the agent: which loaded checks run. */
import type { IfUnknown, LoadedCheck, LoadedPack } from "../packs/load.js";
import { SEVERITIES, type Severity } from "./result.js";

export interface CheckFilter {
  /** Pack ids (e.g. "cis-kubernetes-node"); empty = all packs. */
  benchmarks?: readonly string[];
  /** Check ids ("4.2.1") or pack-qualified keys ("cis-kubernetes-node/4.2.1"). */
  checks?: readonly string[];
  /** Only checks at or above this severity. */
  minSeverity?: Severity;
  /** Only checks of this CIS level or below (level 1 = the baseline). */
  maxLevel?: number;
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function selectChecks(packs: readonly LoadedPack[], filter: CheckFilter = {}): LoadedCheck[] {
  const out: LoadedCheck[] = [];
  const wantPacks = filter.benchmarks?.length ? new Set(filter.benchmarks) : undefined;
  const wantChecks = filter.checks?.length ? new Set(filter.checks) : undefined;
  const chosen = packs.filter((p) => !wantPacks || wantPacks.has(p.meta.id));
  const chosenIds = new Set(chosen.map((p) => p.meta.id));
  for (const pack of chosen) {
    for (const c of pack.checks) {
      if (wantChecks && !wantChecks.has(c.id) && !wantChecks.has(c.key)) continue;
      if (filter.minSeverity && severityRank(c.severity) < severityRank(filter.minSeverity)) continue;
      if (filter.maxLevel !== undefined && c.level !== undefined && c.level > filter.maxLevel) continue;
      out.push(withDeferrals(c, chosenIds));
    }
  }
  return out;
}

/**
 * A condition whose `if-unknown` defers to another pack (CIS Kubernetes v1.12.0 steps aside
 * for v2.0.1 when the kubelet's version cannot be read) defers only when that pack is part
 * of this selection (the pack filter, not the check filter: a drift re-check of a few checks
 * keeps the scan's decision). Otherwise nothing would judge the node and the run would exit
 * 0, so the check runs after all, saying why.
 */
function withDeferrals(check: LoadedCheck, chosen: ReadonlySet<string>): LoadedCheck {
  const orphaned = (u: IfUnknown | undefined): boolean => u?.defersTo !== undefined && !chosen.has(u.defersTo.pack);
  if (!check.applies.some((cond) => orphaned(cond.ifUnknown))) return check;
  return {
    ...check,
    applies: check.applies.map((cond) =>
      cond.ifUnknown?.defersTo && orphaned(cond.ifUnknown) ? { ...cond, ifUnknown: { apply: true, note: cond.ifUnknown.defersTo.note } } : cond,
    ),
  };
}
