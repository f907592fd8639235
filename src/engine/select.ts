/** Filters shared by `scan`, `remediate` and the agent: which loaded checks run. */
import type { LoadedCheck, LoadedPack } from "../packs/load.js";
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
  for (const pack of packs) {
    if (wantPacks && !wantPacks.has(pack.meta.id)) continue;
    for (const c of pack.checks) {
      if (wantChecks && !wantChecks.has(c.id) && !wantChecks.has(c.key)) continue;
      if (filter.minSeverity && severityRank(c.severity) < severityRank(filter.minSeverity)) continue;
      if (filter.maxLevel !== undefined && c.level !== undefined && c.level > filter.maxLevel) continue;
      out.push(c);
    }
  }
  return out;
}
